// One HTTP/1.1 connection: reads requests with limits and timeouts, hands each to the HttpHandler,
// and writes the answers in order (keep-alive and pipelining, one request at a time). Beast I/O
// only: what a request means is the handler's business. Modelled on Beast 1.74's
// http_server_async example; the same code serves plain TCP (HttpSession) and TLS
// (HttpsSession, which first completes a handshake within its own timeout).
#ifndef LIVEEVENTS_GATEWAY_HTTP_HTTP_SESSION_H_
#define LIVEEVENTS_GATEWAY_HTTP_HTTP_SESSION_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>

#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl/ssl_stream.hpp"
#include "gateway/http/http_handler.h"
#include "gateway/http/session_registry.h"

namespace liveevents::gateway {

struct SessionLimits {
  uint64_t max_body_bytes = 64 * 1024;
  uint32_t header_limit = 8 * 1024;
  // Time allowed for one whole request, from its first byte (or from accept) to its end.
  std::chrono::steady_clock::duration read_timeout = std::chrono::seconds(10);
  // Time a keep-alive connection may wait for the next request's first byte.
  std::chrono::steady_clock::duration idle_timeout = std::chrono::seconds(30);
  // HTTPS: time allowed for the TLS handshake, and for the closing close_notify exchange.
  std::chrono::steady_clock::duration handshake_timeout = std::chrono::seconds(5);
};

// `Stream` is boost::beast::tcp_stream or boost::beast::ssl_stream<tcp_stream> (the two
// instantiations in http_session.cc).
template <class Stream>
class BasicHttpSession : public RegisteredSession,
                         public std::enable_shared_from_this<BasicHttpSession<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, boost::beast::tcp_stream>;

  // `socket` must use a strand executor: every handler of this session runs on it. `handler`
  // and `limits` must outlive the session (the server guarantees it). `tls` is the TLS context
  // for an HttpsSession (null for HttpSession); the session keeps it alive, so a reload that
  // swaps the server's context leaves open connections as they are.
  BasicHttpSession(boost::asio::ip::tcp::socket&& socket,
                   std::shared_ptr<boost::asio::ssl::context> tls, HttpHandler& handler,
                   const SessionLimits& limits, std::shared_ptr<SessionRegistry> registry);
  ~BasicHttpSession() override;

  // Starts the handshake (HTTPS) and reading. Call once, after the session is owned by a
  // shared_ptr.
  void Run();
  // Finish the request in progress (if any), then close. Thread-safe.
  void Shutdown() override;

 private:
  static Stream MakeStream(boost::asio::ip::tcp::socket&& socket, boost::asio::ssl::context* tls);
  void DoHandshake();
  void OnHandshake(boost::beast::error_code ec);
  void DoRead();
  void OnIdleRead(boost::beast::error_code ec, size_t bytes);
  void DoReadRequest();
  void OnRead(boost::beast::error_code ec, size_t bytes);
  void HandleRequest();
  void DoWrite(HttpAnswer answer);
  void OnWrite(boost::beast::error_code ec, size_t bytes);
  void DoClose();
  void DoLingeringClose();
  // Ends the connection: close_notify (HTTPS), then TCP shutdown for sending; with `linger`,
  // reads and drops what the client still sends for a while (see kMaxDrainBytes).
  void CloseThen(bool linger);
  void ShutdownSend(bool linger);
  void OnDrain(boost::beast::error_code ec, size_t bytes);
  boost::beast::tcp_stream& tcp() { return boost::beast::get_lowest_layer(stream_); }

  const std::shared_ptr<boost::asio::ssl::context> tls_;  // Before stream_, which uses it.
  Stream stream_;
  HttpHandler& handler_;
  const SessionLimits& limits_;
  std::shared_ptr<SessionRegistry> registry_;

  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::string_body> response_;

  // State below is only touched on the session's strand.
  bool first_request_ = true;
  bool reading_ = false;  // A read is outstanding: Shutdown may cancel it.
  bool shutting_down_ = false;
  bool close_after_write_ = false;
  bool linger_after_write_ = false;
  unsigned request_version_ = 11;
  bool request_keep_alive_ = false;
  size_t drained_bytes_ = 0;
  char drain_buffer_[4096];
};

using HttpSession = BasicHttpSession<boost::beast::tcp_stream>;
using HttpsSession = BasicHttpSession<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_HTTP_HTTP_SESSION_H_
