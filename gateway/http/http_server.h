// The gateway's HTTP (or HTTPS) listener: owns the io_context and its threads, accepts connections
// onto per-connection strands, enforces the connection cap, and stops gracefully.
#ifndef LIVEEVENTS_GATEWAY_HTTP_HTTP_SERVER_H_
#define LIVEEVENTS_GATEWAY_HTTP_HTTP_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "gateway/http/http_handler.h"
#include "gateway/http/http_session.h"
#include "gateway/http/session_registry.h"
#include "gateway/http/tls_context.h"

namespace liveevents::gateway {

class HttpServer {
 public:
  struct Options {
    std::string address = "127.0.0.1:8080";
    int io_threads = 2;
    size_t max_connections = 1024;  // Beyond it, new connections are accepted and closed.
    SessionLimits limits;
    // Set: HTTPS with this context (each connection takes the one current at its accept).
    std::shared_ptr<ReloadableTlsContext> tls;
  };

  // `handler` must outlive the server.
  HttpServer(Options options, HttpHandler& handler);
  // Stops and waits.
  ~HttpServer();

  // Binds, listens and starts the io threads. Call once.
  absl::Status Start();
  // The bound endpoint (the real port when the address had port 0). Valid after Start().
  boost::asio::ip::tcp::endpoint local_endpoint() const { return local_endpoint_; }
  uint16_t port() const { return local_endpoint_.port(); }

  // Stops accepting; sessions finish the request they are handling, then close. Idempotent and
  // thread-safe; does not block.
  void Stop();
  // Blocks until every session has ended and the io threads have exited. Call after Stop().
  void Wait();

 private:
  void DoAccept();
  void OnAccept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);
  void StartSession(boost::asio::ip::tcp::socket socket);

  const Options options_;
  HttpHandler& handler_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;  // On its own strand.
  boost::asio::steady_timer accept_retry_;
  boost::asio::ip::tcp::endpoint local_endpoint_;
  std::shared_ptr<SessionRegistry> registry_ = std::make_shared<SessionRegistry>();
  bool stopping_ = false;  // On the acceptor's strand.
  std::vector<std::thread> threads_;
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_HTTP_HTTP_SERVER_H_
