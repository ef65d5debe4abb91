// The gateway's channel to the LiveEvents service: any gRPC target (`host:port`,
// `dns:///live-events:50051`, `ipv4:10.0.0.1:50051,10.0.0.2:50051`), balanced round_robin over
// every address it resolves to, skipping replicas whose health says NOT_SERVING, and retrying a
// call that failed UNAVAILABLE (on another replica) before the gateway spools it. Publishing
// twice is harmless: the service answers a retry as a duplicate of the first.
#ifndef LIVEEVENTS_GATEWAY_PUBLISH_SERVICE_CHANNEL_H_
#define LIVEEVENTS_GATEWAY_PUBLISH_SERVICE_CHANNEL_H_

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"

namespace liveevents::gateway {

// The service config MakeServiceChannel sets: round_robin, client-side health checking of
// `liveevents.v1.LiveEvents`, and a retry policy for UNAVAILABLE. Exposed for tests and docs.
const char* ServiceChannelConfig();

// A channel to `target` with ServiceChannelConfig(), a reconnect backoff capped at 500 ms (gRPC's
// default grows to 2 minutes; the cap lets the spool drain within a second of a replica's return)
// and a retry buffer that holds the largest PublishBatch.
// Connects lazily; never fails here (a bad target fails the calls). Thread-safe.
std::shared_ptr<grpc::Channel> MakeServiceChannel(
    const std::string& target, std::shared_ptr<grpc::ChannelCredentials> credentials);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_PUBLISH_SERVICE_CHANNEL_H_
