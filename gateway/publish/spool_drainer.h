// The spool's drainer: its own thread publishes the oldest spooled events as one batch, removes
// them only once the service acknowledged them all (a duplicate answer counts), and backs off
// while the service is away, so spooled events reach the service at least once, in order. The
// service refuses a whole batch for one INVALID_ARGUMENT event, so the drainer then sends that
// batch's events one at a time; the bad one, which would fail forever, is moved to the spool's
// rejected.log instead.
#ifndef LIVEEVENTS_GATEWAY_PUBLISH_SPOOL_DRAINER_H_
#define LIVEEVENTS_GATEWAY_PUBLISH_SPOOL_DRAINER_H_

#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/publish_limits.h"
#include "gateway/publish/event_publisher.h"
#include "gateway/spool/event_spool.h"

namespace liveevents::gateway {

class SpoolDrainer {
 public:
  struct Options {
    // Pause after a failed publish, doubling up to max_backoff while the service stays away.
    absl::Duration min_backoff = absl::Milliseconds(100);
    absl::Duration max_backoff = absl::Milliseconds(500);
    // Events per PublishBatch (and at most kMaxPublishBatchBytes of them): the largest batch the
    // service takes, so that each group commit and cursor fsync carries as much as it can.
    size_t max_batch_events = kMaxPublishBatchEvents;
  };

  // Starts the thread, which drains whatever `spool` already holds. `publisher` and `spool` must
  // outlive this object.
  SpoolDrainer(EventPublisher& publisher, EventSpool& spool, Options options);
  ~SpoolDrainer();  // Stop()s.

  // Tells the drainer that events were appended. Thread-safe, never blocks on I/O.
  void Notify();

  // Waits (bounded) until the spool is empty; false on timeout. For tests and tools. Thread-safe.
  bool WaitUntilEmpty(absl::Duration timeout);

  // Returns once the thread has exited. A publish still unanswered is abandoned; its event stays
  // spooled and is published again on the next start. Idempotent; not concurrently with itself.
  void Stop();

 private:
  // The answer to one publish, shared with its callback, which may outlive an abandoned wait.
  struct Answer {
    absl::Mutex mu;
    bool done ABSL_GUARDED_BY(mu) = false;
    bool abandoned ABSL_GUARDED_BY(mu) = false;
    absl::StatusOr<std::vector<liveevents::v1::PublishResponse>> result ABSL_GUARDED_BY(mu);
  };

  void Run();
  // Waits until the spool holds events; false when stopping.
  bool WaitForWork();
  // Publishes and removes the oldest events; an error means "back off and retry".
  absl::Status DrainBatch();
  // Moves the oldest event to rejected.log.
  absl::Status RejectOldest();
  absl::StatusOr<std::vector<liveevents::v1::PublishResponse>> PublishAndWait(
      std::vector<liveevents::v1::Event> events);
  // After `count` events left the spool: wakes WaitUntilEmpty() and says when it is empty.
  void Removed(size_t count);
  // Sleeps for `pause` unless stopped first; false when stopping.
  bool PauseUnlessStopping(absl::Duration pause);

  EventPublisher& publisher_;
  EventSpool& spool_;
  const Options options_;
  absl::Mutex mu_;  // Lock order: mu_ before Answer::mu.
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<Answer> in_flight_ ABSL_GUARDED_BY(mu_);
  // Drainer thread only: how many of the oldest events still go out alone, after a batch was
  // refused as INVALID_ARGUMENT.
  size_t one_at_a_time_ = 0;
  std::thread thread_;
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_PUBLISH_SPOOL_DRAINER_H_
