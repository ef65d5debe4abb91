#include "gateway/http/http_server.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "boost/asio/post.hpp"
#include "boost/asio/strand.hpp"
#include "common/logging/log.h"

namespace liveevents::gateway {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Accept errors such as EMFILE repeat at once; a short pause keeps the loop from spinning.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);

absl::Status FromBeast(const beast::error_code& ec, absl::string_view what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", ec.message()));
}

// "host:port", "[v6]:port"; port may be 0. Resolves host names.
absl::StatusOr<tcp::endpoint> ResolveListenAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("address \"", address, "\" has no :port"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  uint32_t port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("address \"", address, "\" has a bad port"));
  }
  beast::error_code ec;
  const net::ip::address ip = net::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (!ec) return tcp::endpoint(ip, static_cast<uint16_t>(port));
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve \"", host, "\": ", ec.message()));
  }
  return results.begin()->endpoint();
}

}  // namespace

HttpServer::HttpServer(Options options, HttpHandler& handler)
    : options_(std::move(options)),
      handler_(handler),
      ioc_(options_.io_threads),
      acceptor_(net::make_strand(ioc_)),
      accept_retry_(acceptor_.get_executor()) {}

HttpServer::~HttpServer() {
  Stop();
  Wait();
}

absl::Status HttpServer::Start() {
  absl::StatusOr<tcp::endpoint> endpoint = ResolveListenAddress(options_.address);
  if (!endpoint.ok()) return endpoint.status();
  beast::error_code ec;
  acceptor_.open(endpoint->protocol(), ec);
  if (ec) return FromBeast(ec, "open");
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return FromBeast(ec, "set_option");
  acceptor_.bind(*endpoint, ec);
  if (ec) return FromBeast(ec, absl::StrCat("bind ", options_.address));
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return FromBeast(ec, "listen");
  local_endpoint_ = acceptor_.local_endpoint(ec);
  if (ec) return FromBeast(ec, "local_endpoint");
  DoAccept();
  const int threads = options_.io_threads > 0 ? options_.io_threads : 1;
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  return absl::OkStatus();
}

void HttpServer::Stop() {
  // On the acceptor's strand, so that no accept completes between closing and telling sessions.
  net::post(acceptor_.get_executor(), [this] {
    if (stopping_) return;
    stopping_ = true;
    beast::error_code ec;
    acceptor_.close(ec);
    accept_retry_.cancel();
    registry_->ShutdownAll();
  });
}

void HttpServer::Wait() {
  // run() returns once nothing is left: no accept, no session I/O, no answer still pending
  // (the handler keeps work tracked on the session's executor until it answered).
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void HttpServer::DoAccept() {
  // Each connection gets its own strand, so its handlers never run concurrently.
  acceptor_.async_accept(net::make_strand(ioc_),
                         beast::bind_front_handler(&HttpServer::OnAccept, this));
}

void HttpServer::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopping_ || ec == net::error::operation_aborted) return;
  if (ec) {
    logging::Log(logging::Level::kError, "accept_failed", {{"reason", ec.message()}});
    accept_retry_.expires_after(kAcceptRetryDelay);
    accept_retry_.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && !stopping_) DoAccept();
    });
    return;
  }
  if (registry_->size() >= options_.max_connections) {
    // Accepting and closing tells the client at once, instead of leaving it in the backlog.
    beast::error_code ignored;
    socket.close(ignored);
  } else {
    StartSession(std::move(socket));
  }
  DoAccept();
}

void HttpServer::StartSession(tcp::socket socket) {
  if (options_.tls != nullptr) {
    auto session = std::make_shared<HttpsSession>(std::move(socket), options_.tls->Get(), handler_,
                                                  options_.limits, registry_);
    registry_->Add(session);
    session->Run();
  } else {
    auto session = std::make_shared<HttpSession>(std::move(socket), nullptr, handler_,
                                                 options_.limits, registry_);
    registry_->Add(session);
    session->Run();
  }
}

}  // namespace liveevents::gateway
