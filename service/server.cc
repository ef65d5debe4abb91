#include "service/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <climits>

#include "absl/strings/str_cat.h"
#include "common/metrics/grpc_server_metrics.h"
#include "grpc/health/v1/health.pb.h"
#include "service/redis_event_store.h"
#include "service/service_metrics.h"

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

}  // namespace

Server::Server(std::unique_ptr<EventStore> store, std::unique_ptr<redis::RedisEventLog> redis_log,
               const ServerOptions& options)
    : hub_(options.progress_interval), waiter_(hub_), worker_(options.catch_up_threads) {
  if (redis_log != nullptr) {
    auto journal = std::make_unique<RedisJournal>(std::move(redis_log), waiter_, options.journal,
                                                  *options.redis);
    store_ = std::make_unique<RedisEventStore>(*journal);
    journal_ = std::move(journal);
  } else {
    store_ = std::move(store);
    journal_ = std::make_unique<Journal>(*store_, waiter_, options.journal);
  }
  service_ = std::make_unique<LiveEventsService>(
      *journal_, *store_, hub_, worker_, waiter_, options.subscribe,
      PublishAuthorizer(options.publish_token, options.publishers));
}

void Server::SetServing(bool serving) {
  absl::MutexLock lock(&health_mu_);
  if ((shut_down_ && serving) || grpc_server_ == nullptr) return;
  grpc::HealthCheckServiceInterface* health = grpc_server_->GetHealthCheckService();
  health->SetServingStatus(serving);
  health->SetServingStatus(kServiceName, serving);
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options,
                                                      std::unique_ptr<EventStore> store) {
  // gRPC's health service has no C++ descriptors of its own; touching ours links them in, so
  // reflection can describe grpc.health.v1.Health.
  grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  if (!options.publishers.empty() && !options.tls.mutual()) {
    return absl::InvalidArgumentError(
        "--publishers needs client certificates: set --grpc_client_ca_file (and TLS)");
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(options.tls);
  if (!credentials.ok()) return credentials.status();
  std::unique_ptr<redis::RedisEventLog> redis_log;
  if (options.redis.has_value()) {
    absl::StatusOr<std::unique_ptr<redis::RedisEventLog>> log =
        redis::RedisEventLog::Create(options.redis->log);
    if (!log.ok()) return log.status();
    redis_log = *std::move(log);
  }
  std::unique_ptr<Server> server(new Server(std::move(store), std::move(redis_log), options));
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.grpc_address, *credentials, &server->port_);
  builder.RegisterService(server->service_.get());
  ApplyTransportOptions(options.transport, builder);
  if (options.metrics) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(std::make_unique<metrics::GrpcServerMetricsFactory>(
        metrics::DefaultRegistry(),
        std::vector<std::string>{kServiceName, "grpc.health.v1.Health",
                                 "grpc.reflection.v1alpha.ServerReflection"}));
    builder.experimental().SetInterceptorCreators(std::move(creators));
    server->RegisterMetricCallbacks();
  }
  server->grpc_server_ = builder.BuildAndStart();
  if (server->grpc_server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.grpc_address));
  }
  server->SetServing(false);  // Until the journal is loaded.
  Server* raw = server.get();
  server->journal_->SetHealthListener([raw](bool serving) { raw->SetServing(serving); });
  if (absl::Status status = server->journal_->Recover(); !status.ok()) {
    server->grpc_server_->Shutdown();
    return status;
  }
  server->SetServing(true);
  return server;
}

void Server::RegisterMetricCallbacks() {
  GetServiceMetrics();  // Its families show (at 0) from the start, for rate() and alerts.
  metrics::Registry& registry = metrics::DefaultRegistry();
  metric_callbacks_.push_back(registry.AddCallbackGauge(
      "liveevents_journal_head_revision", "Newest revision applied by this replica's journal",
      [this] { return static_cast<double>(journal_->AppliedRevision()); }));
  metric_callbacks_.push_back(registry.AddCallbackGauge(
      "liveevents_journal_oldest_revision",
      "Oldest revision still stored (older ones are compacted away; 0 when empty)",
      [this] { return static_cast<double>(store_->OldestRevision()); }));
  metric_callbacks_.push_back(
      registry.AddCallbackGauge("liveevents_subscribers", "Open Subscribe streams",
                                [this] { return static_cast<double>(hub_.Size()); }));
}

Server::~Server() {
  Shutdown(absl::Seconds(5));
  metric_callbacks_.clear();  // Before the parts they read are destroyed.
}

std::shared_ptr<grpc::Channel> Server::InProcessChannel() {
  return grpc_server_->InProcessChannel(grpc::ChannelArguments());
}

void Server::Shutdown(absl::Duration deadline) {
  {
    absl::MutexLock lock(&health_mu_);
    // A server that never listened (Start failed) has nothing to stop.
    if (shut_down_ || grpc_server_ == nullptr) return;
  }
  SetServing(false);
  {
    absl::MutexLock lock(&health_mu_);
    shut_down_ = true;
  }
  hub_.Drain();
  waiter_.Stop();  // Reads waiting for a revision finish with UNAVAILABLE.
  // The worker keeps running while gRPC shuts down: draining streams that are catching up
  // finish from it.
  if (grpc_server_ != nullptr) grpc_server_->Shutdown(absl::ToChronoTime(absl::Now() + deadline));
  worker_.Stop();
  journal_->Shutdown();
}

}  // namespace liveevents::service
