// The journal's storage: one interface, several implementations (memory for tests, SQLite as
// the embedded default, Redis for scale-out). The Journal decides revisions and duplicates; a
// store only keeps committed events in revision order.
#ifndef LIVEEVENTS_SERVICE_STORE_EVENT_STORE_H_
#define LIVEEVENTS_SERVICE_STORE_EVENT_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "liveevents/v1/events.pb.h"

namespace liveevents::service {

using EventPtr = std::shared_ptr<const v1::Event>;

// The folded room and battle state as of `revision`: a serialized internal::State (rooms and
// battles with their bookkeeping; proto/liveevents/internal/state.proto).
struct StoredSnapshot {
  uint64_t revision = 0;
  std::string state;
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  // "memory", "sqlite", ...: shown by GetServerInfo.
  virtual std::string Kind() const = 0;

  // Appends `events`, whose revisions continue the head densely (an empty store starts at
  // revision 1; compaction always keeps the head) and whose dedup keys are new to the store,
  // as one atomic and durable
  // step: when this returns OK all of them survive a crash, otherwise none was added. Called
  // from one thread at a time.
  virtual absl::Status Append(absl::Span<const EventPtr> events) = 0;

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

  // Replaces the saved state snapshot. Called from the same thread as Append, only for a
  // revision already appended, so the snapshot never runs ahead of the journal.
  virtual absl::Status SaveSnapshot(const StoredSnapshot& snapshot) = 0;
  // The latest saved snapshot, if any.
  virtual absl::StatusOr<std::optional<StoredSnapshot>> LoadSnapshot() const = 0;
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_STORE_EVENT_STORE_H_
