#include "gateway/publish/service_channel.h"

#include <utility>

#include "common/publish_limits.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/channel_arguments.h"

namespace liveevents::gateway {

// healthCheckConfig: the channel watches each address's grpc.health.v1 status of the LiveEvents
// service (a Redis replica turns it NOT_SERVING while Redis is away) and picks only SERVING ones,
// so an unhealthy replica costs no failed call. When none is SERVING a call fails UNAVAILABLE at
// once (no wait_for_ready) and the gateway spools.
// retryPolicy: a replica killed between the pick and the answer (or one that just turned
// unhealthy) answers UNAVAILABLE; the retry is picked again, so it goes to another replica. Three
// attempts within the call's own deadline; retries are safe because the service deduplicates.
const char* ServiceChannelConfig() {
  return R"({
  "loadBalancingConfig": [{"round_robin": {}}],
  "healthCheckConfig": {"serviceName": "liveevents.v1.LiveEvents"},
  "methodConfig": [{
    "name": [{"service": "liveevents.v1.LiveEvents", "method": "Publish"},
             {"service": "liveevents.v1.LiveEvents", "method": "PublishBatch"}],
    "retryPolicy": {
      "maxAttempts": 3,
      "initialBackoff": "0.05s",
      "maxBackoff": "0.5s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
})";
}

std::shared_ptr<grpc::Channel> MakeServiceChannel(
    const std::string& target, std::shared_ptr<grpc::ChannelCredentials> credentials) {
  grpc::ChannelArguments args;
  // gRPC's reconnect backoff starts at 1 s and grows to 2 minutes by default; capped at the
  // spool drainer's own backoff (half a second), the spool starts draining within about that
  // long of the service's return. A connection attempt twice a second to a missing service is
  // cheap.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  args.SetServiceConfigJSON(ServiceChannelConfig());
  // Retries are on by default since gRPC 1.40; say so for older libraries and for readers.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
  // gRPC retries only calls whose messages fit its per-call retry buffer (256 KiB by default);
  // a spool drain batch may be up to kMaxPublishBatchBytes, and must be retried too.
  args.SetInt(GRPC_ARG_PER_RPC_RETRY_BUFFER_SIZE, static_cast<int>(2 * kMaxPublishBatchBytes));
  return grpc::CreateCustomChannel(target, std::move(credentials), args);
}

}  // namespace liveevents::gateway
