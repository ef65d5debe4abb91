#include "gateway/publish/spool_drainer.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "common/logging/log.h"
#include "common/publish_limits.h"

namespace liveevents::gateway {

SpoolDrainer::SpoolDrainer(EventPublisher& publisher, EventSpool& spool, Options options)
    : publisher_(publisher), spool_(spool), options_(options), thread_([this] { Run(); }) {}

SpoolDrainer::~SpoolDrainer() { Stop(); }

void SpoolDrainer::Notify() {
  absl::MutexLock lock(&mu_);
  notified_ = true;
}

void SpoolDrainer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (in_flight_ != nullptr) {
      absl::MutexLock answer_lock(&in_flight_->mu);
      in_flight_->abandoned = true;
    }
  }
  if (thread_.joinable()) thread_.join();
}

void SpoolDrainer::Run() {
  absl::Duration backoff = options_.min_backoff;
  bool failing = false;
  while (WaitForWork()) {
    const size_t backlog = spool_.count();
    absl::Status status = DrainBatch();
    if (status.ok()) {
      // bench/run.sh reads the backlog from this line and the drain time from spool_drained.
      if (failing) logging::Log(logging::Level::kInfo, "spool_draining", {{"events", backlog}});
      failing = false;
      backoff = options_.min_backoff;
      continue;
    }
    // One line per outage rather than one per retry.
    if (!failing) {
      logging::Log(logging::Level::kWarn, "spool_cannot_drain",
                   {{"reason", status},
                    {"waiting", spool_.count()},
                    {"max_backoff", absl::FormatDuration(options_.max_backoff)}});
    }
    failing = true;
    if (!PauseUnlessStopping(backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

bool SpoolDrainer::WaitForWork() {
  while (true) {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    if (spool_.count() > 0) return true;
    // Notify() between the count check and this wait sets notified_, so no wakeup is lost.
    auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || notified_; };
    mu_.Await(absl::Condition(&woken));
    notified_ = false;
  }
}

absl::Status SpoolDrainer::DrainBatch() {
  const size_t max_count = one_at_a_time_ > 0 ? 1 : options_.max_batch_events;
  absl::StatusOr<std::vector<liveevents::v1::Event>> events =
      spool_.OldestEvents(max_count, kMaxPublishBatchBytes);
  if (!events.ok()) {
    if (!absl::IsDataLoss(events.status()) && !absl::IsNotFound(events.status())) {
      return events.status();
    }
    // Cannot be decoded, so can never be published: keep it for operators and move on.
    logging::Log(logging::Level::kError, "spool_record_rejected",
                 {{"reason", events.status()}, {"message", "unreadable; moved to rejected.log"}});
    return RejectOldest();
  }
  if (events->empty()) return absl::OkStatus();
  const size_t count = events->size();
  const uint64_t first_app = events->front().sdk_app_id();
  const std::string first_command = events->front().command();
  absl::StatusOr<std::vector<liveevents::v1::PublishResponse>> result =
      PublishAndWait(*std::move(events));
  if (absl::IsInvalidArgument(result.status())) {
    if (count > 1) {
      // Nothing of the batch was journaled; alone, only the bad event is refused.
      logging::Log(
          logging::Level::kWarn, "spool_batch_refused",
          {{"events", count}, {"reason", result.status()}, {"message", "sending them one by one"}});
      one_at_a_time_ = count;
      return absl::OkStatus();
    }
    // Retrying would fail forever and hold up every event behind it.
    logging::Log(logging::Level::kError, "spool_event_rejected",
                 {{"app", first_app},
                  {"command", first_command},
                  {"reason", result.status()},
                  {"message", "moved to rejected.log"}});
    return RejectOldest();
  }
  if (!result.ok()) return result.status();
  if (absl::Status status = spool_.Acknowledge(count); !status.ok()) {
    // The events left the spool anyway; only the cursor on disk is behind (a replay on restart).
    logging::Log(logging::Level::kError, "spool_cursor_not_saved", {{"reason", status}});
  }
  Removed(count);
  return absl::OkStatus();
}

absl::Status SpoolDrainer::RejectOldest() {
  if (absl::Status status = spool_.Reject(); !status.ok()) return status;
  Removed(1);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<liveevents::v1::PublishResponse>> SpoolDrainer::PublishAndWait(
    std::vector<liveevents::v1::Event> events) {
  auto answer = std::make_shared<Answer>();
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("drainer stopping");
    in_flight_ = answer;
  }
  publisher_.PublishBatch(
      std::move(events),
      [answer](absl::StatusOr<std::vector<liveevents::v1::PublishResponse>> result) {
        absl::MutexLock lock(&answer->mu);
        answer->result = std::move(result);
        answer->done = true;
      });
  absl::StatusOr<std::vector<liveevents::v1::PublishResponse>> result;
  {
    // The publisher's deadline bounds this wait; Stop() cuts it short.
    absl::MutexLock lock(&answer->mu);
    auto finished = [&answer]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(answer->mu) {
      return answer->done || answer->abandoned;
    };
    answer->mu.Await(absl::Condition(&finished));
    if (answer->done) {
      result = std::move(answer->result);
    } else {
      result = absl::CancelledError("drainer stopping");
    }
  }
  absl::MutexLock lock(&mu_);
  in_flight_ = nullptr;
  return result;
}

bool SpoolDrainer::WaitUntilEmpty(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  // count() is atomic; Removed() takes mu_ after each removal, which re-evaluates this.
  auto empty = [this] { return spool_.count() == 0; };
  return mu_.AwaitWithTimeout(absl::Condition(&empty), timeout);
}

void SpoolDrainer::Removed(size_t count) {
  one_at_a_time_ -= std::min(one_at_a_time_, count);
  absl::MutexLock lock(&mu_);  // Wakes WaitUntilEmpty().
  if (spool_.count() == 0) {
    logging::Log(logging::Level::kInfo, "spool_drained",
                 {{"message", "publishing directly again"}});
  }
}

bool SpoolDrainer::PauseUnlessStopping(absl::Duration pause) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), pause);
  return !stopping_;
}

}  // namespace liveevents::gateway
