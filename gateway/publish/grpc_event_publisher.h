// EventPublisher over gRPC: LiveEvents.Publish through the callback client, so publishing never
// blocks the HTTP io threads.
#ifndef LIVEEVENTS_GATEWAY_PUBLISH_GRPC_EVENT_PUBLISHER_H_
#define LIVEEVENTS_GATEWAY_PUBLISH_GRPC_EVENT_PUBLISHER_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gateway/publish/event_publisher.h"
#include "grpcpp/channel.h"
#include "liveevents/v1/live_events.grpc.pb.h"

namespace liveevents::gateway {

class GrpcEventPublisher : public EventPublisher {
 public:
  // Every call gets a deadline of `timeout` from the moment it starts. A non-empty
  // `publish_token` is sent as `authorization: Bearer <token>` (the server's
  // --publish_token_file).
  GrpcEventPublisher(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout,
                     std::string publish_token = "");

  // Thread-safe. `done` runs on a gRPC callback thread.
  void Publish(liveevents::v1::Event event, PublishCallback done) override;

 private:
  std::unique_ptr<liveevents::v1::LiveEvents::Stub> stub_;
  absl::Duration timeout_;
  std::string authorization_;  // Empty when no token is configured.
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_PUBLISH_GRPC_EVENT_PUBLISHER_H_
