#include "service/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <climits>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.pb.h"

namespace liveevents::service {
namespace {

constexpr char kServiceName[] = "liveevents.v1.LiveEvents";

int Milliseconds(absl::Duration duration) {
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(duration), INT_MAX));
}

void ApplyTransportOptions(const GrpcTransportOptions& options, grpc::ServerBuilder& builder) {
  const auto set_ms = [&builder](const char* arg, absl::Duration value) {
    if (value > absl::ZeroDuration()) builder.AddChannelArgument(arg, Milliseconds(value));
  };
  set_ms(GRPC_ARG_KEEPALIVE_TIME_MS, options.keepalive_time);
  set_ms(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, options.keepalive_timeout);
  if (options.min_client_ping_interval > absl::ZeroDuration()) {
    set_ms(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, options.min_client_ping_interval);
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  }
  set_ms(GRPC_ARG_MAX_CONNECTION_AGE_MS, options.max_connection_age);
  set_ms(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, options.max_connection_age_grace);
  if (options.max_receive_message_bytes > 0) {
    builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  }
  if (options.max_concurrent_streams > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options.max_concurrent_streams);
  }
}

void SetServing(grpc::Server& server, bool serving) {
  grpc::HealthCheckServiceInterface* health = server.GetHealthCheckService();
  health->SetServingStatus(serving);
  health->SetServingStatus(kServiceName, serving);
}

}  // namespace

Server::Server(std::unique_ptr<EventStore> store, const ServerOptions& options)
    : store_(std::move(store)),
      hub_(options.progress_interval),
      journal_(*store_, hub_, options.journal),
      worker_(options.catch_up_threads),
      service_(journal_, *store_, hub_, worker_, options.subscribe,
               PublishAuthorizer(options.publish_token)) {}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options,
                                                      std::unique_ptr<EventStore> store) {
  // gRPC's health service has no C++ descriptors of its own; touching ours links them in, so
  // reflection can describe grpc.health.v1.Health.
  grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  std::unique_ptr<Server> server(new Server(std::move(store), options));
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.grpc_address, grpc::InsecureServerCredentials(), &server->port_);
  builder.RegisterService(&server->service_);
  ApplyTransportOptions(options.transport, builder);
  server->grpc_server_ = builder.BuildAndStart();
  if (server->grpc_server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.grpc_address));
  }
  SetServing(*server->grpc_server_, false);  // Until the journal is loaded.
  if (absl::Status status = server->journal_.Recover(); !status.ok()) {
    server->grpc_server_->Shutdown();
    return status;
  }
  SetServing(*server->grpc_server_, true);
  return server;
}

Server::~Server() { Shutdown(absl::Seconds(5)); }

std::shared_ptr<grpc::Channel> Server::InProcessChannel() {
  return grpc_server_->InProcessChannel(grpc::ChannelArguments());
}

void Server::Shutdown(absl::Duration deadline) {
  // A server that never listened (Start failed) has nothing to stop.
  if (shut_down_ || grpc_server_ == nullptr) return;
  shut_down_ = true;
  SetServing(*grpc_server_, false);
  hub_.Drain();
  // The worker keeps running while gRPC shuts down: draining streams that are catching up
  // finish from it.
  grpc_server_->Shutdown(absl::ToChronoTime(absl::Now() + deadline));
  worker_.Stop();
  journal_.Shutdown();
}

}  // namespace liveevents::service
