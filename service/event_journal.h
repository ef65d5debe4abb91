// What the gRPC layer needs of a journal, whoever sequences the events: the local Journal (one
// process decides revisions and duplicates) or the RedisJournal (Redis decides them, for several
// replicas). The service, the subscriptions and the server depend only on this.
#ifndef LIVEEVENTS_SERVICE_EVENT_JOURNAL_H_
#define LIVEEVENTS_SERVICE_EVENT_JOURNAL_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "liveevents/v1/events.pb.h"
#include "service/core/live_state.h"

namespace liveevents::service {

struct PublishResult {
  uint64_t revision = 0;
  bool duplicate = false;
  bool stale = false;  // Event.stale of a new event (where the journal knows it when answering).
};

class EventJournal {
 public:
  using PublishDone = absl::AnyInvocable<void(absl::StatusOr<PublishResult>)>;

  virtual ~EventJournal() = default;

  // Loads the state (and whatever else the journal needs) and starts its threads. Call once,
  // before Publish.
  virtual absl::Status Recover() = 0;

  // Journals `event` (its dedup_key is always computed by the journal) and calls `done` once it
  // is durable and applied to this process's state, or with the original revision when its key
  // was journaled before. `done` runs on a journal thread or inline; it must not block.
  // Thread-safe.
  virtual void Publish(v1::Event event, PublishDone done) = 0;

  // Publish for each of `events`, in order. A journal may sequence them together so that they
  // share a group commit. `done_for(i)` makes the callback of events[i]; it may run under the
  // journal's lock and must only build the callback.
  virtual void PublishEach(std::vector<v1::Event> events,
                           absl::FunctionRef<PublishDone(size_t index)> done_for) {
    for (size_t i = 0; i < events.size(); ++i) Publish(std::move(events[i]), done_for(i));
  }

  // Runs `read` with the state as of revision `applied`. Thread-safe; `read` must be quick.
  virtual void ReadState(
      absl::FunctionRef<void(const LiveState& state, uint64_t applied)> read) const = 0;

  // The revision the state is as of.
  virtual uint64_t AppliedRevision() const = 0;

  // False until Recover() finished and again from Shutdown() on.
  virtual bool Accepting() const = 0;

  // Stops the journal's threads after answering what was accepted; later Publish calls fail.
  virtual void Shutdown() = 0;

  // Runs the periodic work (retention, overdue battles, checkpoints) now (for tests).
  virtual void RunMaintenanceForTest() = 0;

  // `listener` is called with false when the journal cannot serve (its store is unreachable)
  // and with true when it can again. Call before Recover(); the default never calls it.
  virtual void SetHealthListener(std::function<void(bool serving)> listener) {}
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_EVENT_JOURNAL_H_
