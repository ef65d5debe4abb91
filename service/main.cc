// liveevents-server: flags and wiring only; see server.h.
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/flag_checks.h"
#include "common/flags_from_env.h"
#include "common/logging/log.h"
#include "common/metrics/metrics.h"
#include "common/metrics/metrics_http_server.h"
#include "common/token_file.h"
#include "service/server.h"
#include "service/store/memory_event_store.h"
#include "service/store/sqlite_event_store.h"

ABSL_FLAG(std::string, grpc_address, "127.0.0.1:50051", "host:port of the gRPC listener");
ABSL_FLAG(std::string, store, "sqlite",
          "journal store: sqlite (durable, the default), memory, or redis (several replicas "
          "share one Redis; see docs/scaling.md)");
ABSL_FLAG(std::string, redis_address, "127.0.0.1:6379", "--store=redis: host:port of Redis");
ABSL_FLAG(std::string, redis_password_file, "",
          "--store=redis: file holding the Redis password (AUTH), trailing whitespace trimmed");
ABSL_FLAG(std::string, redis_key_prefix, "liveevents",
          "--store=redis: prefix (and Redis Cluster hash tag) of this deployment's keys");
ABSL_FLAG(int, redis_wait_replicas, 0,
          "--store=redis: acknowledge a Publish only after this many Redis replicas have it "
          "(WAIT)");
ABSL_FLAG(uint64_t, redis_checkpoint_events, 10000,
          "--store=redis: save the state to Redis every this many events");
ABSL_FLAG(std::string, data_dir, "data", "folder of the sqlite store (journal.db)");
ABSL_FLAG(absl::Duration, progress_interval, absl::Seconds(5),
          "how often idle subscribers receive a progress heartbeat");
ABSL_FLAG(int, subscriber_queue, 1024,
          "events a subscriber may have waiting before it is ended as a slow consumer");
ABSL_FLAG(uint64_t, retain_events, 1000000, "keep at least this many newest events");
ABSL_FLAG(double, retain_hours, 24, "keep every event younger than this");
ABSL_FLAG(double, retain_finished_hours, 24,
          "keep destroyed rooms and ended battles queryable this long");
ABSL_FLAG(absl::Duration, member_reorder_horizon, absl::Minutes(10),
          "how long an offline room member's fact time is kept, behind the room's newest "
          "EventTime, to recognise a late older Online as stale");
ABSL_FLAG(absl::Duration, battle_grace, absl::Seconds(60),
          "a STARTED battle with no EndBattle this long after start_time + duration is marked "
          "overdue with one journaled LiveEvents.BattleOverdue event");
ABSL_FLAG(std::string, publish_token_file, "",
          "file holding the token Publish requires as 'authorization: Bearer <token>' "
          "(trailing whitespace trimmed); empty lets every client publish");
ABSL_FLAG(std::string, log_format, "text",
          "text (key=value) or json (one object per line); logs go to stderr");
ABSL_FLAG(std::string, log_level, "info", "lowest level logged: debug, info, warn, error or off");
ABSL_FLAG(std::string, metrics_address, "",
          "host:port serving Prometheus metrics at /metrics (port 0 picks one); empty: off");
ABSL_FLAG(std::string, grpc_tls_cert_file, "",
          "PEM certificate chain of the gRPC listener; empty serves plaintext");
ABSL_FLAG(std::string, grpc_tls_key_file, "", "PEM private key of --grpc_tls_cert_file");
ABSL_FLAG(std::string, grpc_client_ca_file, "",
          "PEM CA certificates that sign client certificates (mutual TLS); needs "
          "--grpc_tls_cert_file");
ABSL_FLAG(bool, grpc_require_client_cert, true,
          "with --grpc_client_ca_file: refuse clients without a certificate; false lets them "
          "query and Subscribe (Publish still needs one when --publishers is set)");
ABSL_FLAG(std::vector<std::string>, publishers, {},
          "client-certificate identities (DNS subject alternative name, or CN without one) "
          "allowed to Publish; others get PERMISSION_DENIED; needs --grpc_client_ca_file");
ABSL_FLAG(absl::Duration, shutdown_deadline, absl::Seconds(5),
          "how long calls in flight get when the server stops");
ABSL_FLAG(absl::Duration, keepalive_time, absl::Minutes(1),
          "ping a client connection idle this long (finds peers gone without a FIN)");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(20),
          "close a connection whose keepalive ping is not answered within this");
ABSL_FLAG(absl::Duration, keepalive_min_client_interval, absl::Seconds(10),
          "clients may send keepalive pings this often, also with no call open; more often "
          "gets GOAWAY");
ABSL_FLAG(absl::Duration, max_connection_age, absl::Minutes(30),
          "send GOAWAY to a connection this old (gRPC jitters it by 10% either way) so that "
          "clients reconnect and a load balancer can spread long Subscribe streams; 0 never");
ABSL_FLAG(absl::Duration, max_connection_age_grace, absl::Minutes(1),
          "after GOAWAY, calls get this long before the connection closes; Subscribe streams "
          "then end and resume on a new connection; 0 waits forever");
ABSL_FLAG(int, max_receive_message_bytes, 4 << 20,
          "largest request accepted (PublishBatch included); larger is RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_concurrent_streams, 1024,
          "calls (Subscribe streams included) open at once on one client connection; the "
          "client queues further calls");

namespace {

constexpr char kUsage[] =
    "the LiveEvents gRPC service (journal, state, Subscribe); see "
    "docs/operations.md.";

using liveevents::logging::Level;
using liveevents::logging::Log;
using liveevents::service::EventStore;

absl::StatusOr<std::unique_ptr<EventStore>> OpenStore() {
  const std::string kind = absl::GetFlag(FLAGS_store);
  if (kind == "redis") return nullptr;  // The server opens Redis (ServerOptions::redis).
  if (kind == "memory") return std::make_unique<liveevents::service::MemoryEventStore>();
  if (kind != "sqlite") {
    return absl::InvalidArgumentError("--store must be sqlite, memory or redis");
  }
  const std::filesystem::path dir = absl::GetFlag(FLAGS_data_dir);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create ", dir.string(), ": ", error.message()));
  }
  auto store = liveevents::service::SqliteEventStore::Open((dir / "journal.db").string());
  if (!store.ok()) return store.status();
  return std::unique_ptr<EventStore>(std::move(*store));
}

// True for addresses only this machine can reach.
bool IsLoopback(const std::string& address) {
  const std::string host = address.substr(0, address.rfind(':'));
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" ||
         host.rfind("127.", 0) == 0;
}

// Values that parse but make no sense are refused at start, naming the flag.
absl::Status CheckFlags() {
  using liveevents::CheckAtLeast;
  using liveevents::CheckNonNegative;
  if (const std::string metrics = absl::GetFlag(FLAGS_metrics_address); !metrics.empty()) {
    if (absl::Status status = liveevents::CheckHostPort("metrics_address", metrics); !status.ok()) {
      return status;
    }
  }
  for (const absl::Status& status : {
           liveevents::CheckHostPort("grpc_address", absl::GetFlag(FLAGS_grpc_address)),
           liveevents::CheckPositive("progress_interval", absl::GetFlag(FLAGS_progress_interval)),
           CheckAtLeast("subscriber_queue", absl::GetFlag(FLAGS_subscriber_queue), 1),
           CheckNonNegative("retain_hours", absl::GetFlag(FLAGS_retain_hours)),
           CheckNonNegative("retain_finished_hours", absl::GetFlag(FLAGS_retain_finished_hours)),
           CheckNonNegative("member_reorder_horizon", absl::GetFlag(FLAGS_member_reorder_horizon)),
           CheckNonNegative("battle_grace", absl::GetFlag(FLAGS_battle_grace)),
           CheckNonNegative("shutdown_deadline", absl::GetFlag(FLAGS_shutdown_deadline)),
           CheckNonNegative("keepalive_time", absl::GetFlag(FLAGS_keepalive_time)),
           CheckNonNegative("keepalive_timeout", absl::GetFlag(FLAGS_keepalive_timeout)),
           CheckNonNegative("keepalive_min_client_interval",
                            absl::GetFlag(FLAGS_keepalive_min_client_interval)),
           CheckNonNegative("max_connection_age", absl::GetFlag(FLAGS_max_connection_age)),
           CheckNonNegative("max_connection_age_grace",
                            absl::GetFlag(FLAGS_max_connection_age_grace)),
           // Room for a gateway's largest PublishBatch (kMaxPublishBatchBytes) and its framing:
           // less would refuse every large batch and wedge the gateways' spools.
           CheckAtLeast("max_receive_message_bytes", absl::GetFlag(FLAGS_max_receive_message_bytes),
                        2 << 20),
           CheckAtLeast("max_concurrent_streams", absl::GetFlag(FLAGS_max_concurrent_streams), 0),
       }) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<liveevents::service::RedisJournalOptions> RedisOptionsFromFlags() {
  liveevents::service::RedisJournalOptions options;
  auto address = liveevents::service::redis::ParseRedisAddress(absl::GetFlag(FLAGS_redis_address));
  if (!address.ok()) return address.status();
  options.log.connection.address = *address;
  // Short: Publish must fail fast while Redis is away, so that gateways spool.
  options.log.connection.connect_timeout = absl::Milliseconds(500);
  options.log.connection.command_timeout = absl::Seconds(2);
  if (const std::string path = absl::GetFlag(FLAGS_redis_password_file); !path.empty()) {
    absl::StatusOr<std::string> password = liveevents::ReadTokenFile(path);
    if (!password.ok()) return password.status();
    options.log.connection.password = *password;
  }
  options.log.key_prefix = absl::GetFlag(FLAGS_redis_key_prefix);
  options.log.wait_replicas = absl::GetFlag(FLAGS_redis_wait_replicas);
  options.checkpoint_events = std::max<uint64_t>(1, absl::GetFlag(FLAGS_redis_checkpoint_events));
  return options;
}

absl::StatusOr<liveevents::service::ServerOptions> OptionsFromFlags() {
  liveevents::service::ServerOptions options;
  if (const std::string path = absl::GetFlag(FLAGS_publish_token_file); !path.empty()) {
    absl::StatusOr<std::string> token = liveevents::ReadTokenFile(path);
    if (!token.ok()) return token.status();
    options.publish_token = *token;
  }
  options.grpc_address = absl::GetFlag(FLAGS_grpc_address);
  options.metrics = !absl::GetFlag(FLAGS_metrics_address).empty();
  options.publishers = absl::GetFlag(FLAGS_publishers);
  options.tls.cert_file = absl::GetFlag(FLAGS_grpc_tls_cert_file);
  options.tls.key_file = absl::GetFlag(FLAGS_grpc_tls_key_file);
  options.tls.client_ca_file = absl::GetFlag(FLAGS_grpc_client_ca_file);
  options.tls.require_client_cert = absl::GetFlag(FLAGS_grpc_require_client_cert);
  options.progress_interval = absl::GetFlag(FLAGS_progress_interval);
  options.subscribe.max_queue = absl::GetFlag(FLAGS_subscriber_queue);
  options.journal.retain_events = absl::GetFlag(FLAGS_retain_events);
  options.journal.retain_for = absl::Hours(absl::GetFlag(FLAGS_retain_hours));
  options.journal.retain_finished_for = absl::Hours(absl::GetFlag(FLAGS_retain_finished_hours));
  options.journal.member_reorder_horizon = absl::GetFlag(FLAGS_member_reorder_horizon);
  options.journal.battle_grace = absl::GetFlag(FLAGS_battle_grace);
  liveevents::service::GrpcTransportOptions& transport = options.transport;
  transport.keepalive_time = absl::GetFlag(FLAGS_keepalive_time);
  transport.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout);
  transport.min_client_ping_interval = absl::GetFlag(FLAGS_keepalive_min_client_interval);
  transport.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  transport.max_connection_age_grace = absl::GetFlag(FLAGS_max_connection_age_grace);
  transport.max_receive_message_bytes = absl::GetFlag(FLAGS_max_receive_message_bytes);
  transport.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  if (absl::GetFlag(FLAGS_store) == "redis") {
    absl::StatusOr<liveevents::service::RedisJournalOptions> redis = RedisOptionsFromFlags();
    if (!redis.ok()) return redis.status();
    options.redis = *std::move(redis);
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  // Abseil's Mutex deadlock detection (on in Debian's build) records every lock order in a
  // global graph: a measurable cost on the hot path. The tests keep it on, so a lock-order
  // cycle still shows up there.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (absl::Status flags = liveevents::PrepareFlags(argc, argv, kUsage); !flags.ok()) {
    std::cerr << "liveevents-server: " << flags.message() << "\n";
    return 2;
  }
  absl::ParseCommandLine(argc, argv);
  if (absl::Status flags = CheckFlags(); !flags.ok()) {
    std::cerr << "liveevents-server: " << flags.message() << "\n";
    return 2;
  }
  if (absl::Status logs = liveevents::logging::Init(absl::GetFlag(FLAGS_log_format),
                                                    absl::GetFlag(FLAGS_log_level));
      !logs.ok()) {
    std::cerr << "liveevents-server: " << logs.message() << "\n";
    return 2;
  }
  // The effective configuration: flag values only (password and token files are named, never
  // read out).
  std::vector<liveevents::logging::Field> config = liveevents::logging::EffectiveFlags();
  config.insert(config.begin(), {{"binary", "liveevents-server"}, {"version", LIVEEVENTS_VERSION}});
  Log(Level::kInfo, "start", config);
  // A shell starts background jobs with SIGINT ignored, and an ignored signal never reaches
  // sigwait: restore the defaults, then block the stop signals in every thread (gRPC's
  // included) so that only main receives them.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto store = OpenStore();
  if (!store.ok()) {
    std::cerr << "liveevents-server: " << store.status() << "\n";
    return 1;
  }
  const absl::StatusOr<liveevents::service::ServerOptions> parsed = OptionsFromFlags();
  if (!parsed.ok()) {
    std::cerr << "liveevents-server: " << parsed.status() << "\n";
    return 1;
  }
  const liveevents::service::ServerOptions& options = *parsed;
  if (options.publish_token.empty() && options.publishers.empty() &&
      !IsLoopback(options.grpc_address)) {
    Log(Level::kWarn, "config_warning",
        {{"grpc_address", options.grpc_address},
         {"message",
          "reachable beyond this machine and any client may Publish; set --publish_token_file "
          "or --publishers (with mutual TLS)"}});
  }
  auto server = liveevents::service::Server::Start(options, std::move(*store));
  if (!server.ok()) {
    std::cerr << "liveevents-server: " << server.status() << "\n";
    return 1;
  }
  std::unique_ptr<liveevents::metrics::MetricsHttpServer> metrics_server;
  if (options.metrics) {
    auto started = liveevents::metrics::MetricsHttpServer::Start(
        absl::GetFlag(FLAGS_metrics_address), liveevents::metrics::DefaultRegistry());
    if (!started.ok()) {
      std::cerr << "liveevents-server: " << started.status() << "\n";
      return 1;
    }
    metrics_server = *std::move(started);
  }
  const std::string& address = options.grpc_address;
  std::cout << "listening grpc " << address.substr(0, address.rfind(':')) << ":"
            << (*server)->port() << std::endl;
  if (metrics_server != nullptr) {
    std::cout << "listening metrics " << metrics_server->address() << std::endl;
  }
  Log(Level::kInfo, "listening",
      {{"grpc", absl::StrCat(address.substr(0, address.rfind(':')), ":", (*server)->port())},
       {"metrics", metrics_server != nullptr ? metrics_server->address() : "off"}});
  int received = 0;
  sigwait(&signals, &received);
  Log(Level::kInfo, "shutdown", {{"signal", received}});
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_deadline));
  metrics_server.reset();  // Before the server, whose parts it reads.
  Log(Level::kInfo, "stopped");
  return 0;
}
