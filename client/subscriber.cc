#include "client/subscriber.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"

namespace liveevents::client {

using liveevents::v1::SubscribeRequest;
using liveevents::v1::SubscribeResponse;

namespace {
constexpr uint32_t kMaxBatch = 256;  // SubscribeRequest.max_batch.
}  // namespace

Subscriber::Subscriber(std::shared_ptr<grpc::Channel> channel, SubscriberOptions options)
    : stub_(liveevents::v1::LiveEvents::NewStub(std::move(channel))),
      options_(std::move(options)),
      start_(options_.start) {
  if (options_.start == SubscribeRequest::START_AFTER_REVISION) {
    last_revision_.store(options_.after_revision, std::memory_order_release);
    has_position_ = true;
  }
}

absl::Status Subscriber::Run(SubscriberHandler& handler) {
  const BackoffPolicy policy{options_.initial_backoff, options_.max_backoff};
  int attempt = 0;
  while (true) {
    StreamResult result = RunOneStream(handler);
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return absl::OkStatus();
    }
    absl::Status status = FromGrpcStatus(result.status);
    StreamEndAction action = DecideStreamEnd(status.code());
    // Compaction concerns a resume point: without one (a snapshot or START_NOW stream refused),
    // starting over could only be refused again.
    if (action == StreamEndAction::kResnapshot &&
        (!options_.resnapshot_on_compacted || !has_position_)) {
      action = StreamEndAction::kTerminate;
    }
    if (action == StreamEndAction::kTerminate) {
      return absl::Status(status.code(),
                          absl::StrCat(status.message(), " (subscriber: last revision seen ",
                                       last_revision(), ")"));
    }
    if (action == StreamEndAction::kResnapshot) {
      handler.OnCompacted(last_revision());
      StartOver();
    }
    // A stream that delivered something was healthy; only consecutive failures back off longer.
    if (result.made_progress) attempt = 0;
    const absl::Duration delay = BackoffDelay(attempt, policy, absl::Uniform(bitgen_, 0.0, 1.0));
    handler.OnReconnect({.cause = std::move(status),
                         .attempt = attempt,
                         .delay = delay,
                         .resume_after = has_position_ ? last_revision() : 0});
    attempt = std::min(attempt + 1, 30);
    if (!WaitBackoff(delay)) return absl::OkStatus();
  }
}

void Subscriber::StartOver() {
  start_ = SubscribeRequest::START_SNAPSHOT;
  has_position_ = false;
  snapshot_done_ = false;
}

void Subscriber::Stop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  // TryCancel is thread-safe and makes the blocked Read() in RunOneStream return false.
  if (context_ != nullptr) context_->TryCancel();
}

SubscribeRequest Subscriber::NextRequest() const {
  SubscribeRequest request;
  // Consecutive events several to a message when they are ready together (catching up, a
  // burst): the handler still gets them one by one.
  request.set_max_batch(kMaxBatch);
  *request.mutable_filter() = options_.filter;
  if (has_position_) {
    request.set_start(SubscribeRequest::START_AFTER_REVISION);
    request.set_after_revision(last_revision());
  } else {
    // No resume point yet: START_NOW before the first bookmark, or a snapshot that broke before
    // its end (it must start over, since its parts are only consistent as a whole).
    request.set_start(start_);
  }
  return request;
}

Subscriber::StreamResult Subscriber::RunOneStream(SubscriberHandler& handler) {
  grpc::ClientContext context;
  {
    absl::MutexLock lock(&mu_);
    // Checked under the same lock Stop() takes, so a Stop() cannot slip in unseen between
    // this check and the stream's start: either we see stopping_, or Stop() sees context_.
    if (stopping_) return {grpc::Status::CANCELLED, false};
    context_ = &context;
    stream_open_ = true;
    stream_silent_ = false;
    last_activity_ = absl::Now();
  }
  // The watchdog only cancels `context`, which outlives it: it is joined below before the
  // frame ends.
  std::thread watchdog;
  if (options_.missed_heartbeats > 0) watchdog = std::thread([&] { WatchStream(&context); });
  StreamResult result;
  std::unique_ptr<grpc::ClientReader<SubscribeResponse>> reader =
      stub_->Subscribe(&context, NextRequest());
  SubscribeResponse response;
  while (reader->Read(&response)) {
    SetDelivering(true);
    if (Deliver(response, handler)) result.made_progress = true;
    SetDelivering(false);
  }
  {
    absl::MutexLock lock(&mu_);
    stream_open_ = false;  // Wakes the watchdog, which then returns.
  }
  if (watchdog.joinable()) watchdog.join();
  result.status = reader->Finish();
  absl::MutexLock lock(&mu_);
  context_ = nullptr;  // `context` dies with this frame; Stop() must not touch it any more.
  if (stream_silent_ && result.status.error_code() == grpc::StatusCode::CANCELLED) {
    // Our own cancellation reads as CANCELLED; say what happened instead (a status the server
    // sent just before the watchdog fired is kept).
    result.status = grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        absl::StrCat("no message for ",
                     absl::FormatDuration(options_.heartbeat_interval * options_.missed_heartbeats),
                     " (", options_.missed_heartbeats,
                     " heartbeat intervals): the stream is dead"));
  }
  return result;
}

void Subscriber::SetDelivering(bool delivering) {
  absl::MutexLock lock(&mu_);
  delivering_ = delivering;
  last_activity_ = absl::Now();
}

void Subscriber::WatchStream(grpc::ClientContext* context) {
  const absl::Duration limit = options_.heartbeat_interval * options_.missed_heartbeats;
  absl::MutexLock lock(&mu_);
  const auto closed = [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return !stream_open_; };
  while (stream_open_) {
    // The time a slow handler takes is not the server's silence: while it runs nothing is read,
    // so the clock restarts when it returns.
    const absl::Time deadline = delivering_ ? absl::Now() + limit : last_activity_ + limit;
    if (!delivering_ && absl::Now() >= deadline) {
      stream_silent_ = true;
      // Makes the blocked Read() return false; the stream then ends and is resumed.
      context->TryCancel();
      return;
    }
    mu_.AwaitWithDeadline(absl::Condition(&closed), deadline);
  }
}

bool Subscriber::Deliver(const SubscribeResponse& response, SubscriberHandler& handler) {
  switch (response.response_case()) {
    case SubscribeResponse::kEvent:
      return DeliverEvent(response.event(), handler);
    case SubscribeResponse::kEvents: {
      bool delivered = false;
      for (const liveevents::v1::Event& event : response.events().events()) {
        delivered = DeliverEvent(event, handler) || delivered;
      }
      return delivered;
    }
    case SubscribeResponse::kProgress: {
      const uint64_t revision = response.progress().revision();
      if (has_position_ && revision < last_revision()) return false;
      Advance(revision);
      handler.OnProgress(revision);
      return true;
    }
    case SubscribeResponse::kSnapshot:
      handler.OnSnapshot(response.snapshot());
      return true;
    case SubscribeResponse::kSnapshotEnd:
      snapshot_done_ = true;
      Advance(response.snapshot_end().revision());
      handler.OnSnapshotEnd(response.snapshot_end().revision());
      return true;
    case SubscribeResponse::RESPONSE_NOT_SET:
      return false;  // From a newer server with a response kind we do not know: skip it.
  }
  return false;
}

bool Subscriber::DeliverEvent(const liveevents::v1::Event& event, SubscriberHandler& handler) {
  // Defence in depth: the server promises no repeats, but a repeat after a reconnect would
  // hand the game logic the same fact twice, so anything not newer is dropped.
  if (has_position_ && event.revision() <= last_revision()) return false;
  Advance(event.revision());
  handler.OnEvent(event);
  return true;
}

void Subscriber::Advance(uint64_t revision) {
  // During a snapshot the position stays unset, so a break restarts the snapshot rather than
  // resuming after a revision whose state the handler never fully received.
  if (start_ == SubscribeRequest::START_SNAPSHOT && !snapshot_done_) return;
  last_revision_.store(std::max(revision, last_revision()), std::memory_order_release);
  has_position_ = true;
}

bool Subscriber::WaitBackoff(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), delay);
  return !stopping_;
}

}  // namespace liveevents::client
