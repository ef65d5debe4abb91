// The two LiveEvents calls the gateway makes, on the gRPC callback client, with the call state
// on the heap: unary Publish and PublishBatch. GrpcEventPublisher decides what to send; these
// only send it.
#ifndef LIVEEVENTS_GATEWAY_PUBLISH_PUBLISH_RPC_H_
#define LIVEEVENTS_GATEWAY_PUBLISH_PUBLISH_RPC_H_

#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "liveevents/v1/live_events.grpc.pb.h"

namespace liveevents::gateway {

// What every call carries: its deadline, and the `authorization` metadata value (none when
// empty).
struct RpcOptions {
  absl::Time deadline;
  const std::string& authorization;
};

using PublishRpcDone =
    absl::AnyInvocable<void(absl::StatusOr<liveevents::v1::PublishResponse> result) &&>;
// Gets the request back, so a caller can resend its events.
using PublishBatchRpcDone =
    absl::AnyInvocable<void(absl::StatusOr<liveevents::v1::PublishBatchResponse> result,
                            liveevents::v1::PublishBatchRequest request) &&>;

// Start the call and return at once; `done` runs exactly once on a gRPC thread, after the call's
// state is freed (so it may tear down the stub, the channel or the caller). `stub` need only
// outlive the start. Thread-safe.
void StartPublishRpc(liveevents::v1::LiveEvents::Stub& stub, const RpcOptions& options,
                     liveevents::v1::PublishRequest request, PublishRpcDone done);
void StartPublishBatchRpc(liveevents::v1::LiveEvents::Stub& stub, const RpcOptions& options,
                          liveevents::v1::PublishBatchRequest request, PublishBatchRpcDone done);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_PUBLISH_PUBLISH_RPC_H_
