// The spool's drainer: its own thread publishes the oldest spooled event, removes it only once
// the service acknowledged it (a duplicate answer counts), and backs off while the service is
// away, so spooled events reach the service once, in order. An event the service refuses as
// INVALID_ARGUMENT would fail forever, so it is moved to the spool's rejected.log instead.
#ifndef LIVEEVENTS_GATEWAY_PUBLISH_SPOOL_DRAINER_H_
#define LIVEEVENTS_GATEWAY_PUBLISH_SPOOL_DRAINER_H_

#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/publish/event_publisher.h"
#include "gateway/spool/event_spool.h"

namespace liveevents::gateway {

class SpoolDrainer {
 public:
  struct Options {
    // Pause after a failed publish, doubling up to max_backoff while the service stays away.
    absl::Duration min_backoff = absl::Milliseconds(100);
    absl::Duration max_backoff = absl::Seconds(2);
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
    absl::StatusOr<liveevents::v1::PublishResponse> result ABSL_GUARDED_BY(mu);
  };

  void Run();
  // Waits until the spool holds events; false when stopping.
  bool WaitForWork();
  // Publishes and removes the oldest event; an error means "back off and retry".
  absl::Status DrainOldest();
  absl::StatusOr<liveevents::v1::PublishResponse> PublishAndWait(liveevents::v1::Event event);
  void LogRemoved();
  // Sleeps for `pause` unless stopped first; false when stopping.
  bool PauseUnlessStopping(absl::Duration pause);

  EventPublisher& publisher_;
  EventSpool& spool_;
  const Options options_;
  absl::Mutex mu_;  // Lock order: mu_ before Answer::mu.
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<Answer> in_flight_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_PUBLISH_SPOOL_DRAINER_H_
