// An EventPublisher decorator that makes the gateway answer OK while the LiveEvents service is
// away: a Publish that fails (UNAVAILABLE, DEADLINE_EXCEEDED, anything but INVALID_ARGUMENT) is
// appended to the durable EventSpool, fsync'd, and answered OK with revision 0; a SpoolDrainer
// publishes the spool in order once the service is back. While the spool holds anything, new
// events queue behind it, so the service receives them in arrival order. Only a full spool (or a
// failing disk) answers an error, which the request handler turns into 503.
//
// Threads: Publish() never blocks on I/O. Appends run on this class's own appender thread,
// which writes whatever queued up meanwhile with a single fsync (a group commit).
#ifndef LIVEEVENTS_GATEWAY_PUBLISH_SPOOLING_PUBLISHER_H_
#define LIVEEVENTS_GATEWAY_PUBLISH_SPOOLING_PUBLISHER_H_

#include <cstddef>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/publish/event_publisher.h"
#include "gateway/publish/spool_drainer.h"
#include "gateway/spool/event_spool.h"

namespace liveevents::gateway {

class SpoolingPublisher : public EventPublisher {
 public:
  // `inner` (the real publisher) and `spool` must outlive this object. Starts the appender and
  // the drainer, which first drains whatever `spool` kept from an earlier run.
  SpoolingPublisher(EventPublisher& inner, EventSpool& spool,
                    SpoolDrainer::Options drainer_options = {});
  ~SpoolingPublisher() override;  // Stop()s.

  // Thread-safe, never blocks on I/O. `done` runs on the inner publisher's thread (published
  // directly) or on the appender thread (spooled), exactly once.
  void Publish(liveevents::v1::Event event, PublishCallback done) override;

  // Stores and answers the events already queued, then stops the appender and the drainer. What
  // is still spooled is drained on the next start. Call after the HTTP server has stopped; a
  // later Publish is answered UNAVAILABLE unless published directly. Idempotent; not
  // concurrently with itself.
  void Stop();

  // Events queued for the spool or in it (0: publishing directly). Thread-safe.
  size_t pending() const;

  // Waits (bounded) until every event spooled so far reached the service; false on timeout.
  // For tests and tools. Thread-safe.
  bool WaitUntilDrained(absl::Duration timeout) { return drainer_.WaitUntilEmpty(timeout); }

 private:
  struct Queued {
    liveevents::v1::Event event;
    PublishCallback done;
  };

  void OnDirectResult(liveevents::v1::Event event, PublishCallback done,
                      absl::StatusOr<liveevents::v1::PublishResponse> result);
  // Queues `event` for the appender; `why` is the failure that started spooling, if it did.
  void EnqueueLocked(liveevents::v1::Event event, PublishCallback done, const absl::Status& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunAppender();
  void WriteBatch(std::vector<Queued> batch);
  size_t PendingLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  EventPublisher& inner_;
  EventSpool& spool_;
  mutable absl::Mutex mu_;
  std::vector<Queued> queued_ ABSL_GUARDED_BY(mu_);
  // Events taken by the appender and not yet in the spool's count.
  size_t writing_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool appender_done_ ABSL_GUARDED_BY(mu_) = false;
  SpoolDrainer drainer_;
  std::thread appender_;
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_PUBLISH_SPOOLING_PUBLISHER_H_
