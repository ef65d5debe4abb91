#include "gateway/publish/grpc_event_publisher.h"

#include <utility>

#include "grpcpp/client_context.h"

namespace liveevents::gateway {
namespace {

// Everything one call needs must outlive Publish(): gRPC holds pointers to the context, request
// and response until the completion runs, which then takes ownership back and frees it.
struct PublishCall {
  grpc::ClientContext context;
  liveevents::v1::PublishRequest request;
  liveevents::v1::PublishResponse response;
  EventPublisher::PublishCallback done;
};

}  // namespace

GrpcEventPublisher::GrpcEventPublisher(std::shared_ptr<grpc::Channel> channel,
                                       absl::Duration timeout)
    : stub_(liveevents::v1::LiveEvents::NewStub(std::move(channel))), timeout_(timeout) {}

void GrpcEventPublisher::Publish(liveevents::v1::Event event, PublishCallback done) {
  auto* call = new PublishCall;
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  *call->request.mutable_event() = std::move(event);
  call->done = std::move(done);
  stub_->async()->Publish(
      &call->context, &call->request, &call->response, [call](grpc::Status status) {
        std::unique_ptr<PublishCall> owned(call);
        PublishCallback done = std::move(owned->done);
        absl::StatusOr<liveevents::v1::PublishResponse> result = std::move(owned->response);
        if (!status.ok()) {
          // absl and gRPC share the canonical code numbers.
          result = absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                                status.error_message());
        }
        // Free the call before answering: the caller may tear down the channel (or the whole
        // publisher) as soon as it hears back, and the context must not outlive them.
        owned.reset();
        std::move(done)(std::move(result));
      });
}

}  // namespace liveevents::gateway
