#include "gateway/http/http_session.h"

#include <openssl/ssl.h>

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/post.hpp"
#include "gateway/http/session_registry.h"

namespace liveevents::gateway {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

constexpr size_t kReadChunk = 4096;
// After an answer that closes a request we could not read to its end (a 413 with the body still
// arriving), the rest of the input is read and dropped for a while. Closing with unread data
// would send a RST, and the client could lose the answer before reading it.
constexpr size_t kMaxDrainBytes = 1024 * 1024;

absl::string_view ToStd(beast::string_view text) { return {text.data(), text.size()}; }

// Why the request's body framing cannot be trusted, or "" when it can. Beast decodes chunked only
// when it is the final transfer coding and otherwise reads a request as having no body, so with
// "chunked, gzip" the chunk bytes would be parsed as the next request (request smuggling). RFC 9112
// §6.1: such a request gets 400 and the connection is closed. We decode no other coding, so
// anything but exactly "chunked" is refused the same way.
std::string UnsupportedFraming(const http::request<http::string_body>& request) {
  int codings = 0;
  bool only_chunked = true;
  std::string value;  // All Transfer-Encoding fields, joined, for the message.
  for (const auto& field : request) {
    if (field.name() != http::field::transfer_encoding) continue;
    if (!value.empty()) value += ", ";
    value.append(field.value().data(), field.value().size());
    for (const auto& coding : http::token_list(field.value())) {
      ++codings;
      if (!beast::iequals(coding, "chunked")) only_chunked = false;
    }
  }
  if (value.empty() || (codings == 1 && only_chunked)) return "";
  return absl::StrCat("Transfer-Encoding \"", absl::CHexEscape(value),
                      "\" is not supported (only \"chunked\")");
}

}  // namespace

template <class Stream>
Stream BasicHttpSession<Stream>::MakeStream(net::ip::tcp::socket&& socket, net::ssl::context* tls) {
  if constexpr (kTls) {
    return Stream(std::move(socket), *tls);
  } else {
    return Stream(std::move(socket));
  }
}

template <class Stream>
BasicHttpSession<Stream>::BasicHttpSession(net::ip::tcp::socket&& socket,
                                           std::shared_ptr<net::ssl::context> tls,
                                           HttpHandler& handler, const SessionLimits& limits,
                                           std::shared_ptr<SessionRegistry> registry)
    : tls_(std::move(tls)),
      stream_(MakeStream(std::move(socket), tls_.get())),
      handler_(handler),
      limits_(limits),
      registry_(std::move(registry)) {}

template <class Stream>
BasicHttpSession<Stream>::~BasicHttpSession() {
  registry_->Remove(this);
}

template <class Stream>
void BasicHttpSession<Stream>::Run() {
  // The socket was accepted onto this session's strand; start there.
  net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (kTls) {
      self->DoHandshake();
    } else {
      self->DoRead();
    }
  });
}

template <class Stream>
void BasicHttpSession<Stream>::Shutdown() {
  net::post(stream_.get_executor(), [self = this->shared_from_this()] {
    self->shutting_down_ = true;
    // A session waiting for a request (or a handshake) has nothing in flight: stop it now. One
    // that is handling a request finishes it and closes after writing the answer.
    if (self->reading_) self->tcp().cancel();
  });
}

template <class Stream>
void BasicHttpSession<Stream>::DoHandshake() {
  if constexpr (kTls) {
    reading_ = true;
    // A client that connects and sends nothing (or trickles a ClientHello) is cut off here,
    // before it can hold a connection for the whole read timeout.
    tcp().expires_after(limits_.handshake_timeout);
    stream_.async_handshake(
        net::ssl::stream_base::server,
        beast::bind_front_handler(&BasicHttpSession::OnHandshake, this->shared_from_this()));
  }
}

template <class Stream>
void BasicHttpSession<Stream>::OnHandshake(beast::error_code ec) {
  reading_ = false;
  // Plaintext, garbage, an old protocol version or a timeout: nothing to answer over TLS.
  // Dropping the last reference closes the socket. Not logged: anyone can cause it, at any rate.
  if (ec) return;
  DoRead();
}

template <class Stream>
void BasicHttpSession<Stream>::DoRead() {
  if (shutting_down_) return DoClose();
  parser_.emplace();
  parser_->body_limit(limits_.max_body_bytes);
  parser_->header_limit(limits_.header_limit);
  reading_ = true;
  if (first_request_ || buffer_.size() > 0) return DoReadRequest();
  // Keep-alive: wait up to the idle timeout for the next request to begin, then give the whole
  // request the read timeout. A pipelined request already in buffer_ skips the wait.
  tcp().expires_after(limits_.idle_timeout);
  stream_.async_read_some(
      buffer_.prepare(kReadChunk),
      beast::bind_front_handler(&BasicHttpSession::OnIdleRead, this->shared_from_this()));
}

template <class Stream>
void BasicHttpSession<Stream>::OnIdleRead(beast::error_code ec, size_t bytes) {
  if (ec) {
    // eof (the client closed an idle connection), timeout and cancel are all normal endings.
    reading_ = false;
    return DoClose();
  }
  buffer_.commit(bytes);
  DoReadRequest();
}

template <class Stream>
void BasicHttpSession<Stream>::DoReadRequest() {
  first_request_ = false;
  tcp().expires_after(limits_.read_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&BasicHttpSession::OnRead, this->shared_from_this()));
}

template <class Stream>
void BasicHttpSession<Stream>::OnRead(beast::error_code ec, size_t /*bytes*/) {
  reading_ = false;
  if (!ec) return HandleRequest();
  if (parser_->is_header_done()) {
    request_version_ = parser_->get().version();
  }
  request_keep_alive_ = false;
  if (ec == http::error::body_limit) {
    return DoWrite(
        handler_.Refuse({HttpRefusal::Kind::kBodyTooLarge, ec.message(), limits_.max_body_bytes}));
  }
  if (ec == http::error::header_limit) {
    return DoWrite(handler_.Refuse({HttpRefusal::Kind::kHeaderTooLarge, ec.message()}));
  }
  // end_of_stream (closed between requests), partial_message (closed mid-request), timeouts,
  // cancellation and resets leave nobody to answer.
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec.category() != http::make_error_code(http::error::bad_method).category()) {
    return DoClose();
  }
  const std::string detail = ec.message();
  DoWrite(handler_.Refuse({HttpRefusal::Kind::kBadRequest, detail}));
}

template <class Stream>
void BasicHttpSession<Stream>::HandleRequest() {
  const auto& request = parser_->get();
  request_version_ = request.version();
  request_keep_alive_ = request.keep_alive();
  if (const std::string framing = UnsupportedFraming(request); !framing.empty()) {
    return DoWrite(handler_.Refuse({HttpRefusal::Kind::kBadRequest, framing}));
  }
  // The answer may come from another thread (a gRPC completion): it only posts back to this
  // session's strand. The tracked-work executor keeps the io_context running meanwhile.
  auto work = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
  handler_.Handle(HttpRequest{ToStd(request.method_string()), ToStd(request.target()),
                              request.body(), stream_.get_executor()},
                  [self = this->shared_from_this(), work](HttpAnswer answer) mutable {
                    net::post(work, [self = std::move(self), answer = std::move(answer)]() mutable {
                      self->DoWrite(std::move(answer));
                    });
                  });
}

template <class Stream>
void BasicHttpSession<Stream>::DoWrite(HttpAnswer answer) {
  response_ = {};
  response_.version(request_version_);
  response_.result(static_cast<unsigned>(answer.status));
  response_.set(http::field::server, "liveevents-gateway");
  response_.set(http::field::content_type, "application/json");
  if (!answer.allow.empty()) response_.set(http::field::allow, answer.allow);
  response_.body() = std::move(answer.body);
  // The registry's flag covers a stop whose Shutdown() post has not reached this session yet.
  response_.keep_alive(request_keep_alive_ && !answer.close && !shutting_down_ &&
                       !registry_->stopping());
  response_.prepare_payload();
  close_after_write_ = !response_.keep_alive();
  linger_after_write_ = answer.close;
  tcp().expires_after(limits_.read_timeout);
  http::async_write(
      stream_, response_,
      beast::bind_front_handler(&BasicHttpSession::OnWrite, this->shared_from_this()));
}

template <class Stream>
void BasicHttpSession<Stream>::OnWrite(beast::error_code ec, size_t /*bytes*/) {
  if (ec) return;  // The peer is gone; dropping the last reference closes the socket.
  if (linger_after_write_) return DoLingeringClose();
  if (close_after_write_ || shutting_down_) return DoClose();
  DoRead();  // The next (possibly pipelined) request, strictly after this answer.
}

template <class Stream>
void BasicHttpSession<Stream>::DoClose() {
  CloseThen(/*linger=*/false);
}

template <class Stream>
void BasicHttpSession<Stream>::DoLingeringClose() {
  CloseThen(/*linger=*/true);
}

template <class Stream>
void BasicHttpSession<Stream>::CloseThen(bool linger) {
  if constexpr (kTls) {
    // Our close_notify, so the client can tell our end from a truncation; bounded, as a client
    // may not read it. Marking the client's close_notify as received makes OpenSSL send ours
    // and finish without waiting for an answer that idle keep-alive clients never send (a
    // graceful stop would otherwise wait the whole timeout).
    SSL_set_shutdown(stream_.native_handle(), SSL_RECEIVED_SHUTDOWN);
    tcp().expires_after(limits_.handshake_timeout);
    stream_.async_shutdown([self = this->shared_from_this(), linger](beast::error_code) {
      self->ShutdownSend(linger);
    });
  } else {
    ShutdownSend(linger);
  }
}

template <class Stream>
void BasicHttpSession<Stream>::ShutdownSend(bool linger) {
  beast::error_code ec;
  tcp().socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  // Errors mean the peer already went away; the destructor closes the socket either way.
  if (ec || !linger) return;
  // Below TLS: what still arrives (the rest of a refused body) is dropped unread.
  tcp().expires_after(limits_.read_timeout);
  tcp().async_read_some(
      net::buffer(drain_buffer_),
      beast::bind_front_handler(&BasicHttpSession::OnDrain, this->shared_from_this()));
}

template <class Stream>
void BasicHttpSession<Stream>::OnDrain(beast::error_code ec, size_t bytes) {
  drained_bytes_ += bytes;
  if (ec || drained_bytes_ > kMaxDrainBytes || shutting_down_) return;
  tcp().async_read_some(
      net::buffer(drain_buffer_),
      beast::bind_front_handler(&BasicHttpSession::OnDrain, this->shared_from_this()));
}

template class BasicHttpSession<beast::tcp_stream>;
template class BasicHttpSession<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace liveevents::gateway
