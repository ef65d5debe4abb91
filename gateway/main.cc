// liveevents-gateway: flags and wiring only. Receives Tencent Live callbacks over HTTP and
// publishes them to the LiveEvents service (see gateway/README.md).
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/client_credentials.h"
#include "common/flag_checks.h"
#include "common/flags_from_env.h"
#include "common/logging/log.h"
#include "common/metrics/metrics.h"
#include "common/metrics/metrics_http_server.h"
#include "common/token_file.h"
#include "gateway/apps/reloadable_app_registry.h"
#include "gateway/callback_exchange.h"
#include "gateway/http/http_server.h"
#include "gateway/publish/grpc_event_publisher.h"
#include "gateway/publish/service_channel.h"
#include "gateway/publish/spooling_publisher.h"
#include "gateway/request_handler.h"
#include "gateway/spool/event_spool.h"
#include "grpcpp/security/credentials.h"

ABSL_FLAG(std::string, http_address, "127.0.0.1:8080",
          "HTTP listen address host:port (port 0 picks one)");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain for HTTPS on --http_address (TLS 1.2+); empty serves plain "
          "HTTP (behind a load balancer that terminates TLS); reloaded on SIGHUP");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file; reloaded on SIGHUP");
ABSL_FLAG(absl::Duration, tls_handshake_timeout, absl::Seconds(5),
          "HTTPS: time a new connection gets to complete the TLS handshake");
ABSL_FLAG(std::string, service_address, "127.0.0.1:50051",
          "LiveEvents gRPC target: host:port, dns:///name:port or ipv4:a:port,b:port; calls go "
          "round_robin to the replicas whose health is SERVING");
ABSL_FLAG(std::string, publish_token_file, "",
          "file holding the token the service's --publish_token_file names; sent with every "
          "Publish as 'authorization: Bearer <token>'");
ABSL_FLAG(std::string, service_tls_ca_file, "",
          "TLS to --service_address: PEM CAs the service's certificate must chain to (empty with "
          "another --service_tls_* flag: the system roots)");
ABSL_FLAG(std::string, service_tls_cert_file, "",
          "mutual TLS: PEM client certificate presented to the service; its DNS name (or CN) must "
          "be in the service's --publishers");
ABSL_FLAG(std::string, service_tls_key_file, "",
          "mutual TLS: PEM private key of --service_tls_cert_file");
ABSL_FLAG(std::string, callback_path, "/callback", "URL path Tencent posts callbacks to");
ABSL_FLAG(std::vector<std::string>, apps, {},
          "Comma-separated accepted SdkAppids; empty rejects every callback with 403");
ABSL_FLAG(int, io_threads, 2, "HTTP io threads");
ABSL_FLAG(uint64_t, max_body_bytes, 65536, "Largest accepted request body; larger gets 413");
ABSL_FLAG(uint32_t, header_limit, 8192, "Largest accepted request header block, in bytes");
ABSL_FLAG(absl::Duration, read_timeout, absl::Seconds(10), "Time allowed for one whole request");
ABSL_FLAG(absl::Duration, idle_timeout, absl::Seconds(30), "Keep-alive idle time before closing");
ABSL_FLAG(uint32_t, max_connections, 1024, "Open connections beyond this are accepted and closed");
ABSL_FLAG(absl::Duration, publish_timeout, absl::Milliseconds(1500),
          "How long an event may wait for the service's answer, queueing included, before it is "
          "spooled");
ABSL_FLAG(uint32_t, publish_max_in_flight, 2,
          "PublishBatch calls in flight at once; events arriving meanwhile queue and go out as "
          "the next batch when one completes");
ABSL_FLAG(std::string, spool_dir, "spool",
          "Durable spool for events the service could not take; created if missing");
ABSL_FLAG(uint64_t, spool_max_bytes, uint64_t{256} << 20,
          "Spooled bytes beyond which callbacks are answered 503 (spool full)");
ABSL_FLAG(std::string, apps_file, "",
          "JSON file of apps with optional token and before-callback policy (gateway/README.md); "
          "joined with --apps; reloaded on SIGHUP");
ABSL_FLAG(absl::Duration, max_clock_skew, absl::Seconds(60),
          "How far RequestTime may be from now, either way, for apps with a token");
ABSL_FLAG(bool, access_log, false,
          "Log a line for every request; refused and failed requests are logged either way");
ABSL_FLAG(std::string, log_format, "text",
          "text (key=value) or json (one object per line); logs go to stderr");
ABSL_FLAG(std::string, log_level, "info", "lowest level logged: debug, info, warn, error or off");
ABSL_FLAG(std::string, metrics_address, "",
          "host:port serving Prometheus metrics at /metrics (port 0 picks one); empty: off");
ABSL_FLAG(absl::Duration, before_callback_budget, absl::Milliseconds(500),
          "Before-callbacks are answered after this long even if their Publish is still running");

namespace {

constexpr char kUsage[] =
    "receives Tencent Live callbacks over HTTP and publishes them to the "
    "LiveEvents service; see gateway/README.md.";

using liveevents::gateway::GrpcEventPublisher;
using liveevents::gateway::HttpServer;
using liveevents::gateway::RequestHandler;
using liveevents::logging::Level;
using liveevents::logging::Log;

// Values that parse but make no sense are refused at start, naming the flag.
absl::Status CheckFlags() {
  using liveevents::CheckNonNegative;
  using liveevents::CheckPositive;
  if (const std::string metrics = absl::GetFlag(FLAGS_metrics_address); !metrics.empty()) {
    if (absl::Status status = liveevents::CheckHostPort("metrics_address", metrics); !status.ok()) {
      return status;
    }
  }
  for (const absl::Status& status : {
           liveevents::CheckHostPort("http_address", absl::GetFlag(FLAGS_http_address)),
           liveevents::CheckAtLeast("io_threads", absl::GetFlag(FLAGS_io_threads), 1),
           liveevents::CheckAtLeast("max_connections", absl::GetFlag(FLAGS_max_connections), 1),
           CheckPositive("read_timeout", absl::GetFlag(FLAGS_read_timeout)),
           CheckPositive("idle_timeout", absl::GetFlag(FLAGS_idle_timeout)),
           CheckPositive("tls_handshake_timeout", absl::GetFlag(FLAGS_tls_handshake_timeout)),
           CheckPositive("publish_timeout", absl::GetFlag(FLAGS_publish_timeout)),
           CheckNonNegative("max_clock_skew", absl::GetFlag(FLAGS_max_clock_skew)),
           CheckNonNegative("before_callback_budget", absl::GetFlag(FLAGS_before_callback_budget)),
       }) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

bool ParseApps(const std::vector<std::string>& texts, RequestHandler::Options* options) {
  for (const std::string& text : texts) {
    uint64_t app = 0;
    if (!absl::SimpleAtoi(text, &app)) {
      std::fprintf(stderr, "--apps: \"%s\" is not a numeric SdkAppid\n", text.c_str());
      return false;
    }
    options->apps.insert(app);
  }
  if (options->apps.empty() && absl::GetFlag(FLAGS_apps_file).empty()) {
    Log(Level::kWarn, "config_warning",
        {{"message", "--apps is empty; every callback will be answered 403"}});
  }
  return true;
}

// SIGHUP: re-read --apps_file. Connections stay open; requests in flight finish with the old
// registry. Messages carry counts and file positions only, never a token.
void ReloadApps(liveevents::gateway::ReloadableAppRegistry& apps) {
  absl::StatusOr<std::string> summary = apps.Reload();
  if (summary.ok()) {
    Log(Level::kInfo, "apps_reloaded", {{"apps", *summary}});
  } else {
    Log(Level::kError, "apps_not_reloaded",
        {{"reason", summary.status()}, {"message", "keeping the previous apps"}});
  }
}

// --tls_cert_file/--tls_key_file: HTTPS, or plain HTTP when both are empty.
absl::StatusOr<std::shared_ptr<liveevents::gateway::ReloadableTlsContext>> TlsFromFlags() {
  const std::string cert = absl::GetFlag(FLAGS_tls_cert_file);
  const std::string key = absl::GetFlag(FLAGS_tls_key_file);
  if (cert.empty() && key.empty()) return nullptr;
  if (cert.empty() || key.empty()) {
    return absl::InvalidArgumentError("--tls_cert_file and --tls_key_file go together");
  }
  return liveevents::gateway::ReloadableTlsContext::Create(cert, key);
}

// SIGHUP, with TLS: re-read the certificate and key for new connections.
void ReloadTls(liveevents::gateway::ReloadableTlsContext* tls) {
  if (tls == nullptr) return;
  if (absl::Status status = tls->Reload(); status.ok()) {
    Log(Level::kInfo, "tls_reloaded");
  } else {
    Log(Level::kError, "tls_not_reloaded",
        {{"reason", status}, {"message", "keeping the previous certificate"}});
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Abseil's Mutex deadlock detection (on in Debian's build) records every lock order in a
  // global graph: a measurable cost on the hot path. The tests keep it on, so a lock-order
  // cycle still shows up there.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (absl::Status flags = liveevents::PrepareFlags(argc, argv, kUsage); !flags.ok()) {
    std::fprintf(stderr, "liveevents-gateway: %s\n", std::string(flags.message()).c_str());
    return 2;
  }
  absl::ParseCommandLine(argc, argv);
  if (absl::Status flags = CheckFlags(); !flags.ok()) {
    std::fprintf(stderr, "liveevents-gateway: %s\n", std::string(flags.message()).c_str());
    return 2;
  }
  if (absl::Status logs = liveevents::logging::Init(absl::GetFlag(FLAGS_log_format),
                                                    absl::GetFlag(FLAGS_log_level));
      !logs.ok()) {
    std::fprintf(stderr, "liveevents-gateway: %s\n", std::string(logs.message()).c_str());
    return 2;
  }
  // The effective configuration: flag values only (token files are named, never read out).
  std::vector<liveevents::logging::Field> config = liveevents::logging::EffectiveFlags();
  config.insert(config.begin(),
                {{"binary", "liveevents-gateway"}, {"version", LIVEEVENTS_VERSION}});
  Log(Level::kInfo, "start", config);

  // Block the stop signals before any thread exists (ours or gRPC's), so that only sigwait below
  // receives them. A shell starts background jobs with SIGINT ignored, and an ignored signal is
  // discarded rather than left pending, so the disposition is reset to a handler first.
  std::signal(SIGINT, [](int) {});
  std::signal(SIGTERM, [](int) {});
  std::signal(SIGHUP, [](int) {});  // nohup ignores it; SIGHUP means "reload apps and TLS".
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  RequestHandler::Options handler_options;
  handler_options.callback_path = absl::GetFlag(FLAGS_callback_path);
  if (!ParseApps(absl::GetFlag(FLAGS_apps), &handler_options)) return 2;
  absl::StatusOr<std::unique_ptr<liveevents::gateway::ReloadableAppRegistry>> created_apps =
      liveevents::gateway::ReloadableAppRegistry::Create(
          {absl::GetFlag(FLAGS_apps_file), handler_options.apps});
  if (!created_apps.ok()) {
    std::fprintf(stderr, "--apps_file: %s\n", created_apps.status().ToString().c_str());
    return 2;
  }
  const std::shared_ptr<liveevents::gateway::ReloadableAppRegistry> apps = *std::move(created_apps);
  Log(Level::kInfo, "apps_loaded", {{"apps", apps->Get()->Summary()}});
  handler_options.registry = apps;
  handler_options.max_clock_skew = absl::GetFlag(FLAGS_max_clock_skew);
  const RequestHandler handler(std::move(handler_options));

  std::string publish_token;
  if (const std::string path = absl::GetFlag(FLAGS_publish_token_file); !path.empty()) {
    absl::StatusOr<std::string> token = liveevents::ReadTokenFile(path);
    if (!token.ok()) {
      std::fprintf(stderr, "--publish_token_file: %s\n", token.status().ToString().c_str());
      return 2;
    }
    publish_token = *std::move(token);
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      liveevents::MakeClientCredentials(
          {absl::GetFlag(FLAGS_service_tls_ca_file), absl::GetFlag(FLAGS_service_tls_cert_file),
           absl::GetFlag(FLAGS_service_tls_key_file)},
          "service_tls_");
  if (!credentials.ok()) {
    std::fprintf(stderr, "%s\n", std::string(credentials.status().message()).c_str());
    return 2;
  }
  GrpcEventPublisher publisher(
      liveevents::gateway::MakeServiceChannel(absl::GetFlag(FLAGS_service_address), *credentials),
      absl::GetFlag(FLAGS_publish_timeout), std::move(publish_token),
      std::max<uint32_t>(absl::GetFlag(FLAGS_publish_max_in_flight), 1));
  liveevents::gateway::EventSpool::Options spool_options;
  spool_options.dir = absl::GetFlag(FLAGS_spool_dir);
  spool_options.max_bytes = absl::GetFlag(FLAGS_spool_max_bytes);
  absl::StatusOr<std::unique_ptr<liveevents::gateway::EventSpool>> spool =
      liveevents::gateway::EventSpool::Open(spool_options);
  if (!spool.ok()) {
    std::fprintf(stderr, "--spool_dir: %s\n", spool.status().ToString().c_str());
    return 1;
  }
  // Publish failures go to the spool and are answered OK; see gateway/publish/spooling_publisher.h.
  liveevents::gateway::SpoolingPublisher spooling(publisher, **spool);

  HttpServer::Options server_options;
  server_options.address = absl::GetFlag(FLAGS_http_address);
  server_options.io_threads = absl::GetFlag(FLAGS_io_threads);
  server_options.max_connections = absl::GetFlag(FLAGS_max_connections);
  server_options.limits.max_body_bytes = absl::GetFlag(FLAGS_max_body_bytes);
  server_options.limits.header_limit = absl::GetFlag(FLAGS_header_limit);
  server_options.limits.read_timeout = absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_read_timeout));
  server_options.limits.idle_timeout = absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_idle_timeout));
  server_options.limits.handshake_timeout =
      absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_tls_handshake_timeout));
  absl::StatusOr<std::shared_ptr<liveevents::gateway::ReloadableTlsContext>> tls = TlsFromFlags();
  if (!tls.ok()) {
    std::fprintf(stderr, "%s\n", std::string(tls.status().message()).c_str());
    return 2;
  }
  server_options.tls = *tls;
  liveevents::gateway::CallbackExchange::Options exchange_options;
  exchange_options.log_successes = absl::GetFlag(FLAGS_access_log);
  exchange_options.before_callback_budget =
      absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_before_callback_budget));
  liveevents::gateway::CallbackExchange exchange(handler, spooling, std::move(exchange_options));

  // Read at scrape time, on the metrics thread.
  liveevents::metrics::Registry& registry = liveevents::metrics::DefaultRegistry();
  const liveevents::metrics::CallbackRegistration spool_events =
      registry.AddCallbackGauge("liveevents_gateway_spool_events",
                                "Events waiting for the service: queued for the spool or in it",
                                [&spooling] { return static_cast<double>(spooling.pending()); });
  const liveevents::metrics::CallbackRegistration spool_bytes = registry.AddCallbackGauge(
      "liveevents_gateway_spool_bytes", "Bytes of spooled records not yet acknowledged",
      [spool = spool->get()] { return static_cast<double>(spool->bytes()); });
  std::unique_ptr<liveevents::metrics::MetricsHttpServer> metrics_server;
  if (const std::string address = absl::GetFlag(FLAGS_metrics_address); !address.empty()) {
    auto started = liveevents::metrics::MetricsHttpServer::Start(address, registry);
    if (!started.ok()) {
      std::fprintf(stderr, "%s\n", started.status().ToString().c_str());
      return 1;
    }
    metrics_server = *std::move(started);
  }

  HttpServer server(server_options, exchange);
  if (absl::Status status = server.Start(); !status.ok()) {
    std::fprintf(stderr, "cannot listen on %s: %s\n", server_options.address.c_str(),
                 status.ToString().c_str());
    return 1;
  }
  const auto endpoint = server.local_endpoint();
  // absl::StrCat rather than "[" + std::string: GCC 12 at -O3 reports a false -Wrestrict inside
  // the inlined operator+(const char*, std::string&&), which breaks the Release build.
  const std::string address = endpoint.address().to_string();
  const std::string host = endpoint.address().is_v6() ? absl::StrCat("[", address, "]") : address;
  std::printf("listening %s %s:%u\n", server_options.tls != nullptr ? "https" : "http",
              host.c_str(), static_cast<unsigned>(endpoint.port()));
  if (metrics_server != nullptr) {
    std::printf("listening metrics %s\n", metrics_server->address().c_str());
  }
  std::fflush(stdout);
  Log(Level::kInfo, "listening",
      {{server_options.tls != nullptr ? "https" : "http", absl::StrCat(host, ":", endpoint.port())},
       {"metrics", metrics_server != nullptr ? metrics_server->address() : "off"}});

  int signal = 0;
  for (;;) {
    sigwait(&stop_signals, &signal);
    if (signal != SIGHUP) break;
    // Blocking file I/O is fine here: this thread serves no requests.
    ReloadApps(*apps);
    ReloadTls(server_options.tls.get());
  }
  Log(Level::kInfo, "shutdown", {{"signal", signal}});
  server.Stop();
  server.Wait();
  spooling.Stop();  // After the server: every answered event is stored by now.
  Log(Level::kInfo, "stopped", {{"spooled_events", spooling.pending()}});
  return 0;
}
