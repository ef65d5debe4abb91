#include "gateway/publish/spooling_publisher.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/logging/log.h"

namespace liveevents::gateway {

SpoolingPublisher::SpoolingPublisher(EventPublisher& inner, EventSpool& spool,
                                     SpoolDrainer::Options drainer_options)
    : inner_(inner),
      spool_(spool),
      drainer_(inner, spool, drainer_options),
      appender_([this] { RunAppender(); }) {}

SpoolingPublisher::~SpoolingPublisher() { Stop(); }

void SpoolingPublisher::Publish(liveevents::v1::Event event, PublishCallback done) {
  {
    absl::MutexLock lock(&mu_);
    if (PendingLocked() > 0 && !appender_done_) {
      // Behind older spooled events, so that the service receives events in arrival order.
      EnqueueLocked(std::move(event), std::move(done), absl::OkStatus());
      return;
    }
  }
  // Kept in case the service is away and the event has to be spooled.
  liveevents::v1::Event copy = event;
  inner_.Publish(std::move(event),
                 [this, copy = std::move(copy), done = std::move(done)](
                     absl::StatusOr<liveevents::v1::PublishResponse> result) mutable {
                   OnDirectResult(std::move(copy), std::move(done), std::move(result));
                 });
}

void SpoolingPublisher::OnDirectResult(liveevents::v1::Event event, PublishCallback done,
                                       absl::StatusOr<liveevents::v1::PublishResponse> result) {
  // INVALID_ARGUMENT would fail again on every replay: the caller hears about it instead.
  if (result.ok() || absl::IsInvalidArgument(result.status())) {
    std::move(done)(std::move(result));
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    if (!appender_done_) {
      EnqueueLocked(std::move(event), std::move(done), result.status());
      return;
    }
  }
  // Only after Stop(): nothing can make the event durable any more.
  std::move(done)(std::move(result));
}

void SpoolingPublisher::EnqueueLocked(liveevents::v1::Event event, PublishCallback done,
                                      const absl::Status& why) {
  if (PendingLocked() == 0) {
    logging::Log(logging::Level::kWarn, "spooling",
                 {{"reason", why},
                  {"message", "Publish failed; spooling events until the service is back"}});
  }
  queued_.push_back({std::move(event), std::move(done)});
}

void SpoolingPublisher::RunAppender() {
  while (true) {
    std::vector<Queued> batch;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queued_.empty(); };
      mu_.Await(absl::Condition(&ready));
      if (queued_.empty()) {  // Hence stopping_, with everything queued already stored.
        appender_done_ = true;
        return;
      }
      batch.swap(queued_);
      writing_ = batch.size();
    }
    WriteBatch(std::move(batch));
  }
}

void SpoolingPublisher::WriteBatch(std::vector<Queued> batch) {
  std::vector<liveevents::v1::Event> events;
  events.reserve(batch.size());
  for (Queued& queued : batch) events.push_back(std::move(queued.event));
  // One write and one fsync for everything that queued up while the previous batch was syncing.
  absl::StatusOr<size_t> stored = spool_.Append(events);
  {
    // The spool's count() already includes the stored events, so pending() never dips to 0
    // while they are on their way in.
    absl::MutexLock lock(&mu_);
    writing_ = 0;
  }
  const size_t ok_count = stored.ok() ? *stored : 0;
  if (ok_count > 0) {
    drainer_.Notify();
    // Debug: one line per group commit while the service is away would be a flood.
    logging::Log(logging::Level::kDebug, "spool_stored",
                 {{"events", ok_count}, {"waiting", spool_.count()}});
  }
  absl::Status failure = stored.status();
  if (stored.ok() && ok_count < batch.size()) {
    failure = absl::ResourceExhaustedError(
        absl::StrCat("spool full: ", spool_.bytes(), " bytes waiting for the service"));
  }
  if (!failure.ok()) {
    logging::Log(logging::Level::kError, "spool_refused",
                 {{"events", batch.size() - ok_count}, {"reason", failure}});
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    // Revision 0 tells the caller the event is spooled, not yet journaled.
    if (i < ok_count) {
      std::move(batch[i].done)(liveevents::v1::PublishResponse());
    } else {
      std::move(batch[i].done)(failure);
    }
  }
}

void SpoolingPublisher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (appender_.joinable()) appender_.join();
  drainer_.Stop();
}

size_t SpoolingPublisher::pending() const {
  absl::MutexLock lock(&mu_);
  return PendingLocked();
}

size_t SpoolingPublisher::PendingLocked() const {
  return queued_.size() + writing_ + spool_.count();
}

}  // namespace liveevents::gateway
