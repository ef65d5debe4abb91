// liveevents-gateway: flags and wiring only. Receives Tencent Live callbacks over HTTP and
// publishes them to the LiveEvents service (see gateway/README.md).
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "gateway/grpc_event_publisher.h"
#include "gateway/http_server.h"
#include "gateway/request_handler.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

ABSL_FLAG(std::string, http_address, "127.0.0.1:8080",
          "HTTP listen address host:port (port 0 picks one)");
ABSL_FLAG(std::string, service_address, "127.0.0.1:50051", "LiveEvents gRPC service address");
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
          "Deadline of each Publish call");

namespace {

using liveevents::gateway::GrpcEventPublisher;
using liveevents::gateway::HttpServer;
using liveevents::gateway::RequestHandler;

bool ParseApps(const std::vector<std::string>& texts, RequestHandler::Options* options) {
  for (const std::string& text : texts) {
    uint64_t app = 0;
    if (!absl::SimpleAtoi(text, &app)) {
      std::fprintf(stderr, "--apps: \"%s\" is not a numeric SdkAppid\n", text.c_str());
      return false;
    }
    options->apps.insert(app);
  }
  if (options->apps.empty()) {
    std::fprintf(stderr, "warning: --apps is empty; every callback will be answered 403\n");
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);

  // Block the stop signals before any thread exists (ours or gRPC's), so that only sigwait below
  // receives them. A shell starts background jobs with SIGINT ignored, and an ignored signal is
  // discarded rather than left pending, so the disposition is reset to a handler first.
  std::signal(SIGINT, [](int) {});
  std::signal(SIGTERM, [](int) {});
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  RequestHandler::Options handler_options;
  handler_options.callback_path = absl::GetFlag(FLAGS_callback_path);
  if (!ParseApps(absl::GetFlag(FLAGS_apps), &handler_options)) return 2;
  const RequestHandler handler(std::move(handler_options));

  GrpcEventPublisher publisher(
      grpc::CreateChannel(absl::GetFlag(FLAGS_service_address), grpc::InsecureChannelCredentials()),
      absl::GetFlag(FLAGS_publish_timeout));

  HttpServer::Options server_options;
  server_options.address = absl::GetFlag(FLAGS_http_address);
  server_options.io_threads = absl::GetFlag(FLAGS_io_threads);
  server_options.max_connections = absl::GetFlag(FLAGS_max_connections);
  server_options.limits.max_body_bytes = absl::GetFlag(FLAGS_max_body_bytes);
  server_options.limits.header_limit = absl::GetFlag(FLAGS_header_limit);
  server_options.limits.read_timeout = absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_read_timeout));
  server_options.limits.idle_timeout = absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_idle_timeout));

  HttpServer server(server_options, handler, publisher);
  if (absl::Status status = server.Start(); !status.ok()) {
    std::fprintf(stderr, "cannot listen on %s: %s\n", server_options.address.c_str(),
                 status.ToString().c_str());
    return 1;
  }
  const auto endpoint = server.local_endpoint();
  const std::string host = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                                      : endpoint.address().to_string();
  std::printf("listening http %s:%u\n", host.c_str(), static_cast<unsigned>(endpoint.port()));
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::fprintf(stderr, "signal %d: stopping\n", signal);
  server.Stop();
  server.Wait();
  return 0;
}
