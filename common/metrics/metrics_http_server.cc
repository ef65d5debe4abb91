#include "common/metrics/metrics_http_server.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"

namespace liveevents::metrics {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto kTimeout = std::chrono::seconds(10);
constexpr int kMaxSessions = 8;
constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// One request and its answer; owns itself through the callbacks' shared_ptr.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // `open` counts the live sessions; all of them run on the server's one io thread.
  Session(tcp::socket socket, const Registry& registry, int& open)
      : stream_(std::move(socket)), registry_(registry), open_(open) {
    ++open_;
  }
  ~Session() { --open_; }

  void Run() {
    parser_.header_limit(8192);
    parser_.body_limit(0);  // A scrape has no body.
    stream_.expires_after(kTimeout);
    http::async_read(
        stream_, buffer_, parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

 private:
  void OnRead(beast::error_code ec) {
    if (ec) return;  // Closed, timed out or not HTTP: nothing to answer.
    const auto& request = parser_.get();
    response_.version(request.version());
    response_.keep_alive(false);
    response_.set(http::field::content_type, "text/plain; charset=utf-8");
    if (request.target() != "/metrics") {
      response_.result(http::status::not_found);
      response_.body() = "not found; metrics are at /metrics\n";
    } else if (request.method() != http::verb::get && request.method() != http::verb::head) {
      response_.result(http::status::method_not_allowed);
      response_.set(http::field::allow, "GET, HEAD");
      response_.body() = "use GET\n";
    } else {
      response_.result(http::status::ok);
      response_.set(http::field::content_type, kContentType);
      if (request.method() == http::verb::get) response_.body() = registry_.Render();
    }
    response_.prepare_payload();
    stream_.expires_after(kTimeout);
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code, size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  beast::tcp_stream stream_;
  const Registry& registry_;
  int& open_;
  beast::flat_buffer buffer_;
  http::request_parser<http::empty_body> parser_;
  http::response<http::string_body> response_;
};

}  // namespace

struct MetricsHttpServer::Impl {
  Impl(const Registry& registry) : registry(registry), acceptor(io) {}

  void DoAccept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        // Out of descriptors (EMFILE) and the like: an immediate retry would fail again at once
        // and spin this thread, so wait a little, as the gateway's listener does.
        retry.expires_after(std::chrono::milliseconds(100));
        retry.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec) DoAccept();
        });
        return;
      }
      // A scraper needs one connection; a crowd of them (or of idle clients) would hold
      // descriptors the processes' real listeners share, so beyond a few they are closed.
      if (open_sessions < kMaxSessions) {
        std::make_shared<Session>(std::move(socket), registry, open_sessions)->Run();
      }
      DoAccept();
    });
  }

  const Registry& registry;
  // Touched only on the io thread; declared before `io`, whose destruction ends the sessions.
  int open_sessions = 0;
  net::io_context io;
  tcp::acceptor acceptor;
  net::steady_timer retry{io};
};

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& address, const Registry& registry) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics_address \"", address, "\" is not host:port"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto impl = std::make_unique<Impl>(registry);
  beast::error_code ec;
  tcp::resolver resolver(impl->io);
  const auto results = resolver.resolve(host, address.substr(colon + 1), ec);
  if (ec || results.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics_address \"", address, "\": ", ec.message()));
  }
  const tcp::endpoint endpoint = *results.begin();
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, " (--metrics_address): ", ec.message()));
  }
  const tcp::endpoint bound = impl->acceptor.local_endpoint();
  const std::string bound_host = bound.address().to_string();
  std::unique_ptr<MetricsHttpServer> server(new MetricsHttpServer(std::move(impl)));
  server->address_ = absl::StrCat(
      bound.address().is_v6() ? absl::StrCat("[", bound_host, "]") : bound_host, ":", bound.port());
  server->impl_->DoAccept();
  server->thread_ = std::thread([raw = server->impl_.get()] { raw->io.run(); });
  return server;
}

MetricsHttpServer::MetricsHttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsHttpServer::~MetricsHttpServer() {
  impl_->io.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace liveevents::metrics
