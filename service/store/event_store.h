// The journal's storage: one interface, several implementations (memory for tests, SQLite as
// the embedded default). The Journal decides revisions and duplicates; a store keeps committed
// events in revision order with a hash of each one's dedup key, and keeps the state as rows
// written with the events that changed them.
#ifndef LIVEEVENTS_SERVICE_STORE_EVENT_STORE_H_
#define LIVEEVENTS_SERVICE_STORE_EVENT_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "liveevents/v1/events.pb.h"
#include "service/core/state_rows.h"

namespace liveevents::service {

using EventPtr = std::shared_ptr<const v1::Event>;

// The persisted room and battle state (state_rows.h) as of `revision`.
struct StoredState {
  uint64_t revision = 0;
  std::vector<StateRow> rows;  // In key order.
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  // "memory", "sqlite", ...: shown by GetServerInfo.
  virtual std::string Kind() const = 0;

  // Appends `events`, whose revisions continue the head densely (an empty store starts at
  // revision 1; compaction always keeps the head), whose dedup keys are new to the store and
  // are ComputeDedupKey of the event (the journal's job; a store may derive the key again),
  // and applies `state` (the rows they changed; the stored state is then as of the new head),
  // as one atomic and durable step: when this returns OK all of it survives a crash, otherwise
  // nothing changed. Without `state` the stored state and its revision stay as they were.
  // Called from one thread at a time.
  virtual absl::Status Commit(absl::Span<const EventPtr> events, const StateChanges* state) = 0;
  absl::Status Append(absl::Span<const EventPtr> events) { return Commit(events, nullptr); }

  // At most `limit` events with revision > `after_revision`, in revision order. Thread-safe,
  // also concurrently with Append.
  virtual absl::StatusOr<std::vector<EventPtr>> ReadAfter(uint64_t after_revision,
                                                          size_t limit) const = 0;

  // The newest and oldest revision stored; both 0 when the store is empty. Thread-safe.
  virtual uint64_t HeadRevision() const = 0;
  virtual uint64_t OldestRevision() const = 0;

  // The oldest stored revision received at or after `time_ms` (Event.received_time_ms), or 0
  // when there is none. Used by retention. Thread-safe.
  virtual absl::StatusOr<uint64_t> FirstRevisionReceivedSince(int64_t time_ms) const = 0;

  // Drops the events with revision < `first_kept`; the head itself is always kept. Called from
  // the same thread as Append.
  virtual absl::Status Compact(uint64_t first_kept) = 0;

  // The dedup key of the stored event with this revision (nullopt when it is not stored): the
  // journal asks only when a new event's key hash (DedupKeyHash) matches a stored one, to tell
  // a duplicate from a hash collision. Thread-safe.
  virtual absl::StatusOr<std::optional<std::string>> DedupKeyAt(uint64_t revision) const = 0;
  // Calls `visit` with the revision and DedupKeyHash of every stored event, in no particular
  // order (what is cheapest to read). Thread-safe.
  virtual absl::Status ForEachDedupHash(
      absl::FunctionRef<void(uint64_t revision, uint64_t key_hash)> visit) const = 0;

  // The stored state. Thread-safe.
  virtual absl::StatusOr<StoredState> LoadState() const = 0;
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_STORE_EVENT_STORE_H_
