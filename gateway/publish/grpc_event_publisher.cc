#include "gateway/publish/grpc_event_publisher.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/metrics/metrics.h"
#include "common/publish_limits.h"
#include "common/token_file.h"
#include "gateway/publish/publish_rpc.h"
#include "liveevents/v1/live_events.grpc.pb.h"

namespace liveevents::gateway {
namespace {

using liveevents::v1::PublishBatchRequest;
using liveevents::v1::PublishBatchResponse;
using liveevents::v1::PublishResponse;

// Events per PublishBatch sent: near 1 while the service keeps up, growing when calls queue.
metrics::Histogram& BatchSizes() {
  static metrics::Histogram& sizes =
      metrics::DefaultRegistry()
          .AddHistogram("liveevents_gateway_publish_batch_events",
                        "Events per PublishBatch call the gateway sent", {},
                        metrics::PowersOfTwo(kMaxPublishBatchEvents))
          .With({});
  return sizes;
}

// The answers of one PublishBatch, checked against the number of events sent.
absl::StatusOr<PublishBatchResponse> CheckCount(absl::StatusOr<PublishBatchResponse> result,
                                                size_t sent) {
  if (result.ok() && static_cast<size_t>(result->results_size()) != sent) {
    return absl::InternalError(absl::StrCat("PublishBatch answered ", result->results_size(),
                                            " results for ", sent, " events"));
  }
  return result;
}

}  // namespace

// Lock: mu_ only, never held while starting a call or running a callback.
class GrpcEventPublisher::Coalescer : public std::enable_shared_from_this<Coalescer> {
 public:
  Coalescer(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout,
            std::string publish_token, size_t max_in_flight)
      : stub_(liveevents::v1::LiveEvents::NewStub(std::move(channel))),
        timeout_(timeout),
        authorization_(publish_token.empty() ? "" : BearerMetadataValue(publish_token)),
        max_in_flight_(std::max<size_t>(max_in_flight, 1)) {}

  void Publish(liveevents::v1::Event event, PublishCallback done) {
    Queued queued{std::move(event), std::move(done), absl::Now() + timeout_, 0};
    queued.bytes = queued.event.ByteSizeLong();
    {
      absl::MutexLock lock(&mu_);
      // The queue is non-empty only while every slot is taken, so this keeps arrival order.
      if (in_flight_ >= max_in_flight_) {
        queued_.push_back(std::move(queued));
        return;
      }
      ++in_flight_;
    }
    std::vector<Queued> batch;
    batch.push_back(std::move(queued));
    Send(std::move(batch));
  }

  void PublishBatch(std::vector<liveevents::v1::Event> events, BatchCallback done) {
    PublishBatchRequest request;
    const size_t count = events.size();
    request.mutable_events()->Reserve(static_cast<int>(count));
    for (liveevents::v1::Event& event : events) *request.add_events() = std::move(event);
    StartPublishBatchRpc(
        *stub_, {absl::Now() + timeout_, authorization_}, std::move(request),
        [count, done = std::move(done)](absl::StatusOr<PublishBatchResponse> result,
                                        PublishBatchRequest) mutable {
          result = CheckCount(std::move(result), count);
          if (!result.ok()) {
            std::move(done)(result.status());
            return;
          }
          std::vector<PublishResponse> answers(
              std::make_move_iterator(result->mutable_results()->begin()),
              std::make_move_iterator(result->mutable_results()->end()));
          std::move(done)(std::move(answers));
        });
  }

 private:
  struct Queued {
    liveevents::v1::Event event;
    PublishCallback done;
    absl::Time deadline;  // Arrival plus timeout_.
    size_t bytes;
  };

  // The oldest queued events that fit in one PublishBatch (at least one, when any queued).
  std::vector<Queued> TakeBatchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<Queued> batch;
    size_t bytes = 0;
    while (!queued_.empty() && batch.size() < kMaxPublishBatchEvents) {
      const size_t next = queued_.front().bytes;
      if (!batch.empty() && bytes + next > kMaxPublishBatchBytes) break;
      bytes += next;
      batch.push_back(std::move(queued_.front()));
      queued_.pop_front();
    }
    return batch;
  }

  // Sends `batch` in one slot, which the completion hands on to the next batch or frees.
  void Send(std::vector<Queued> batch) {
    absl::Time deadline = absl::InfiniteFuture();
    PublishBatchRequest request;
    BatchSizes().Observe(static_cast<double>(batch.size()));
    request.mutable_events()->Reserve(static_cast<int>(batch.size()));
    std::vector<PublishCallback> dones;
    dones.reserve(batch.size());
    for (Queued& queued : batch) {
      deadline = std::min(deadline, queued.deadline);
      *request.add_events() = std::move(queued.event);
      dones.push_back(std::move(queued.done));
    }
    StartPublishBatchRpc(
        *stub_, {deadline, authorization_}, std::move(request),
        [self = shared_from_this(), dones = std::move(dones)](
            absl::StatusOr<PublishBatchResponse> result, PublishBatchRequest request) mutable {
          OnSent(std::move(self), std::move(dones), std::move(result), std::move(request));
        });
  }

  static void OnSent(std::shared_ptr<Coalescer> self, std::vector<PublishCallback> dones,
                     absl::StatusOr<PublishBatchResponse> result, PublishBatchRequest request) {
    // The next batch leaves before this one's callbacks run, so slow callers never hold it up.
    std::vector<Queued> next;
    {
      absl::MutexLock lock(&self->mu_);
      next = self->TakeBatchLocked();
      if (next.empty()) --self->in_flight_;
    }
    if (!next.empty()) self->Send(std::move(next));
    if ((absl::IsInvalidArgument(result.status()) && dones.size() > 1) ||
        absl::IsUnimplemented(result.status())) {
      // The service refuses a whole batch for one bad event; alone, every event gets its own
      // answer (and the good ones are journaled). A service older than PublishBatch gets them
      // one by one too.
      for (size_t i = 0; i < dones.size(); ++i) {
        liveevents::v1::PublishRequest alone;
        *alone.mutable_event() = std::move(*request.mutable_events(static_cast<int>(i)));
        StartPublishRpc(*self->stub_, {absl::Now() + self->timeout_, self->authorization_},
                        std::move(alone), std::move(dones[i]));
      }
      return;
    }
    // Callers may destroy the publisher as soon as they hear back; nothing here needs it now.
    self.reset();
    result = CheckCount(std::move(result), dones.size());
    for (size_t i = 0; i < dones.size(); ++i) {
      if (result.ok()) {
        std::move(dones[i])(std::move(*result->mutable_results(static_cast<int>(i))));
      } else {
        std::move(dones[i])(result.status());
      }
    }
  }

  const std::unique_ptr<liveevents::v1::LiveEvents::Stub> stub_;
  const absl::Duration timeout_;
  const std::string authorization_;  // Empty when no token is configured.
  const size_t max_in_flight_;

  absl::Mutex mu_;
  size_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  // Non-empty only while in_flight_ == max_in_flight_.
  std::deque<Queued> queued_ ABSL_GUARDED_BY(mu_);
};

GrpcEventPublisher::GrpcEventPublisher(std::shared_ptr<grpc::Channel> channel,
                                       absl::Duration timeout, std::string publish_token,
                                       size_t max_in_flight)
    : coalescer_(std::make_shared<Coalescer>(std::move(channel), timeout, std::move(publish_token),
                                             max_in_flight)) {}

GrpcEventPublisher::~GrpcEventPublisher() = default;

void GrpcEventPublisher::Publish(liveevents::v1::Event event, PublishCallback done) {
  coalescer_->Publish(std::move(event), std::move(done));
}

void GrpcEventPublisher::PublishBatch(std::vector<liveevents::v1::Event> events,
                                      BatchCallback done) {
  coalescer_->PublishBatch(std::move(events), std::move(done));
}

}  // namespace liveevents::gateway
