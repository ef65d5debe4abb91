#include "gateway/publish/publish_rpc.h"

#include <memory>
#include <utility>

#include "common/grpc_status.h"
#include "common/token_file.h"
#include "grpcpp/client_context.h"

namespace liveevents::gateway {
namespace {

// Everything one call needs must outlive the start: gRPC holds pointers to the context, request
// and response until the completion runs, which then takes ownership back and frees it.
template <typename Request, typename Response, typename Done>
struct Call {
  grpc::ClientContext context;
  Request request;
  Response response;
  Done done;
};

template <typename Request, typename Response, typename Done>
Call<Request, Response, Done>* NewCall(const RpcOptions& options, Request request, Done done) {
  auto* call = new Call<Request, Response, Done>;
  call->context.set_deadline(absl::ToChronoTime(options.deadline));
  if (!options.authorization.empty()) {
    call->context.AddMetadata(kAuthorizationMetadataKey, options.authorization);
  }
  call->request = std::move(request);
  call->done = std::move(done);
  return call;
}

}  // namespace

void StartPublishRpc(liveevents::v1::LiveEvents::Stub& stub, const RpcOptions& options,
                     liveevents::v1::PublishRequest request, PublishRpcDone done) {
  using PublishCall =
      Call<liveevents::v1::PublishRequest, liveevents::v1::PublishResponse, PublishRpcDone>;
  PublishCall* call = NewCall<liveevents::v1::PublishRequest, liveevents::v1::PublishResponse>(
      options, std::move(request), std::move(done));
  stub.async()->Publish(
      &call->context, &call->request, &call->response, [call](grpc::Status status) {
        std::unique_ptr<PublishCall> owned(call);
        PublishRpcDone done = std::move(owned->done);
        absl::StatusOr<liveevents::v1::PublishResponse> result = std::move(owned->response);
        if (!status.ok()) result = FromGrpcStatus(status);
        // Free the call before answering: the caller may tear down the
        // channel as soon as it hears back, and the context must not outlive
        // it.
        owned.reset();
        std::move(done)(std::move(result));
      });
}

void StartPublishBatchRpc(liveevents::v1::LiveEvents::Stub& stub, const RpcOptions& options,
                          liveevents::v1::PublishBatchRequest request, PublishBatchRpcDone done) {
  using BatchCall = Call<liveevents::v1::PublishBatchRequest, liveevents::v1::PublishBatchResponse,
                         PublishBatchRpcDone>;
  BatchCall* call =
      NewCall<liveevents::v1::PublishBatchRequest, liveevents::v1::PublishBatchResponse>(
          options, std::move(request), std::move(done));
  stub.async()->PublishBatch(
      &call->context, &call->request, &call->response, [call](grpc::Status status) {
        std::unique_ptr<BatchCall> owned(call);
        PublishBatchRpcDone done = std::move(owned->done);
        liveevents::v1::PublishBatchRequest request = std::move(owned->request);
        absl::StatusOr<liveevents::v1::PublishBatchResponse> result = std::move(owned->response);
        if (!status.ok()) result = FromGrpcStatus(status);
        owned.reset();  // As in StartPublishRpc.
        std::move(done)(std::move(result), std::move(request));
      });
}

}  // namespace liveevents::gateway
