#include "gateway/publish/grpc_event_publisher.h"

#include <utility>

#include "common/grpc_status.h"
#include "common/token_file.h"
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
                                       absl::Duration timeout, std::string publish_token)
    : stub_(liveevents::v1::LiveEvents::NewStub(std::move(channel))),
      timeout_(timeout),
      authorization_(publish_token.empty() ? "" : BearerMetadataValue(publish_token)) {}

void GrpcEventPublisher::Publish(liveevents::v1::Event event, PublishCallback done) {
  auto* call = new PublishCall;
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  if (!authorization_.empty()) {
    call->context.AddMetadata(kAuthorizationMetadataKey, authorization_);
  }
  *call->request.mutable_event() = std::move(event);
  call->done = std::move(done);
  stub_->async()->Publish(
      &call->context, &call->request, &call->response, [call](grpc::Status status) {
        std::unique_ptr<PublishCall> owned(call);
        PublishCallback done = std::move(owned->done);
        absl::StatusOr<liveevents::v1::PublishResponse> result = std::move(owned->response);
        if (!status.ok()) result = FromGrpcStatus(status);
        // Free the call before answering: the caller may tear down the channel (or the whole
        // publisher) as soon as it hears back, and the context must not outlive them.
        owned.reset();
        std::move(done)(std::move(result));
      });
}

}  // namespace liveevents::gateway
