// `livectl health`: the probes a container engine runs (Docker's HEALTHCHECK has no gRPC probe
// of its own), against the server's grpc.health.v1 or the gateway's /healthz.
#include "absl/strings/str_cat.h"
#include "client/callback_post.h"
#include "client/livectl_commands.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace liveevents::client {

int CheckHealth(const CommandContext& context) {
  auto stub = grpc::health::v1::Health::NewStub(context.channel);
  grpc::ClientContext call;
  call.set_deadline(absl::ToChronoTime(absl::Now() + context.timeout));
  grpc::health::v1::HealthCheckRequest request;  // "": the server as a whole.
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&call, request, &response);
  if (!status.ok()) {
    *context.err << "livectl: health: " << status.error_code() << ": " << status.error_message()
                 << std::endl;
    return kExitFailure;
  }
  *context.out << "{\"status\":\""
               << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status())
               << "\"}" << std::endl;
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? kExitOk
                                                                             : kExitFailure;
}

int CheckHttpHealth(const std::string& url, std::ostream& out, std::ostream& err) {
  const absl::StatusOr<HttpUrl> parsed = ParseHttpUrl(url);
  if (!parsed.ok()) {
    err << "livectl: health: " << parsed.status().message() << std::endl;
    return kExitUsage;
  }
  const absl::StatusOr<HttpReply> reply = Get(*parsed);
  if (!reply.ok()) {
    err << "livectl: health: " << reply.status() << std::endl;
    return kExitFailure;
  }
  out << reply->body << std::endl;
  return reply->status == 200 ? kExitOk : kExitFailure;
}

}  // namespace liveevents::client
