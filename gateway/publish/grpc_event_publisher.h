// EventPublisher over gRPC with adaptive coalescing: while `max_in_flight` PublishBatch calls
// are under way, new events queue; each time a call completes, what queued meanwhile goes out
// as the next batch (up to kMaxPublishBatchEvents and kMaxPublishBatchBytes). No timers: a lone
// event goes out at once, and batches grow only as far as the service is slow to answer. Each
// event's callback gets its own answer; an error of a batch goes to every event in it, except
// INVALID_ARGUMENT, after which each event is sent again alone (as a unary Publish) so that one
// bad event cannot fail the webhooks that happened to share its batch. UNIMPLEMENTED (a service
// older than PublishBatch) is answered the same way, so gateways may be upgraded first; the spool
// drainer's PublishBatch has no such fallback, so spooled events wait for the upgraded service.
#ifndef LIVEEVENTS_GATEWAY_PUBLISH_GRPC_EVENT_PUBLISHER_H_
#define LIVEEVENTS_GATEWAY_PUBLISH_GRPC_EVENT_PUBLISHER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gateway/publish/event_publisher.h"
#include "grpcpp/channel.h"

namespace liveevents::gateway {

class GrpcEventPublisher : public EventPublisher {
 public:
  // No event waits longer than `timeout` for its answer, queueing included: a batch's deadline
  // is its oldest event's arrival plus `timeout`. A non-empty `publish_token` is sent as
  // `authorization: Bearer <token>` (the server's --publish_token_file). `max_in_flight` >= 1.
  GrpcEventPublisher(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout,
                     std::string publish_token = "", size_t max_in_flight = 2);
  // Calls still in flight finish and answer on their own; what queued behind them is sent.
  ~GrpcEventPublisher() override;

  // Thread-safe. `done` runs on a gRPC callback thread.
  void Publish(liveevents::v1::Event event, PublishCallback done) override;

  // Sends `events` as one PublishBatch now (outside the coalescing queue), with a deadline of
  // `timeout`. At most kMaxPublishBatchEvents. Thread-safe; `done` runs on a gRPC thread.
  void PublishBatch(std::vector<liveevents::v1::Event> events, BatchCallback done) override;

 private:
  class Coalescer;

  // Shared with the calls in flight, which may outlive this object.
  std::shared_ptr<Coalescer> coalescer_;
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_PUBLISH_GRPC_EVENT_PUBLISHER_H_
