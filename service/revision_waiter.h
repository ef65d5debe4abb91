// Read your writes across replicas: calls that carry `min_revision` wait, without blocking a
// gRPC thread, until this process has applied that revision, or until their deadline. It sits
// between the journal and the hub: every committed batch passes through it.
#ifndef LIVEEVENTS_SERVICE_REVISION_WAITER_H_
#define LIVEEVENTS_SERVICE_REVISION_WAITER_H_

#include <cstdint>
#include <map>
#include <thread>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/commit_listener.h"

namespace liveevents::service {

class RevisionWaiter : public CommitListener {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // Hands every batch on to `next` (the hub), then wakes the waits it satisfies. `next` must
  // outlive the waiter.
  explicit RevisionWaiter(CommitListener& next);
  ~RevisionWaiter() override;  // Stop().

  // The revision the journal recovered to, before it accepts anything; passed on to `next`.
  void OnRecovered(uint64_t head) override;

  // Calls `done` with OK once `revision` is applied (inline when it already is), with
  // DEADLINE_EXCEEDED at `deadline`, or with UNAVAILABLE when stopping. `done` runs on the
  // journal's thread, the waiter's timer thread or inline; it must not block. Thread-safe.
  void Wait(uint64_t revision, absl::Time deadline, Done done);

  void OnCommitted(absl::Span<const EventPtr> events) override;
  void OnSkipped(uint64_t head) override;

  // Answers every wait with UNAVAILABLE and stops the timer; later waits are answered at once.
  void Stop();

 private:
  // Marks everything up to `applied` applied and answers the waits it satisfies.
  void Advance(uint64_t applied);

  struct Waiting {
    uint64_t revision;
    Done done;
  };
  void TimerLoop();
  bool TimerShouldWake() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  CommitListener& next_;
  mutable absl::Mutex mu_;
  uint64_t applied_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  // By id; and the ids by revision and by deadline, to find what an event or the clock ends.
  std::map<uint64_t, Waiting> waiting_ ABSL_GUARDED_BY(mu_);
  std::multimap<uint64_t, uint64_t> by_revision_ ABSL_GUARDED_BY(mu_);
  std::multimap<absl::Time, uint64_t> by_deadline_ ABSL_GUARDED_BY(mu_);
  std::thread timer_;
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_REVISION_WAITER_H_
