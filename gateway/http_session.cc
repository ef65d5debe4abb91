#include "gateway/http_session.h"

#include <cstdio>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/post.hpp"
#include "gateway/session_registry.h"

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

HttpSession::HttpSession(net::ip::tcp::socket&& socket, const RequestHandler& handler,
                         EventPublisher& publisher, const SessionLimits& limits,
                         std::shared_ptr<SessionRegistry> registry)
    : stream_(std::move(socket)),
      budget_timer_(stream_.get_executor()),
      handler_(handler),
      publisher_(publisher),
      limits_(limits),
      registry_(std::move(registry)) {}

HttpSession::~HttpSession() { registry_->Remove(this); }

void HttpSession::Run() {
  // The socket was accepted onto this session's strand; start there.
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&HttpSession::DoRead, shared_from_this()));
}

void HttpSession::Shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->shutting_down_ = true;
    // A session waiting for a request has nothing in flight: stop it now. One that is handling a
    // request finishes it and closes after writing the answer.
    if (self->reading_) self->stream_.cancel();
  });
}

void HttpSession::DoRead() {
  if (shutting_down_) return DoClose();
  parser_.emplace();
  parser_->body_limit(limits_.max_body_bytes);
  parser_->header_limit(limits_.header_limit);
  reading_ = true;
  if (first_request_ || buffer_.size() > 0) return DoReadRequest();
  // Keep-alive: wait up to the idle timeout for the next request to begin, then give the whole
  // request the read timeout. A pipelined request already in buffer_ skips the wait.
  stream_.expires_after(limits_.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&HttpSession::OnIdleRead, shared_from_this()));
}

void HttpSession::OnIdleRead(beast::error_code ec, size_t bytes) {
  if (ec) {
    // eof (the client closed an idle connection), timeout and cancel are all normal endings.
    reading_ = false;
    return DoClose();
  }
  buffer_.commit(bytes);
  DoReadRequest();
}

void HttpSession::DoReadRequest() {
  first_request_ = false;
  stream_.expires_after(limits_.read_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::OnRead, shared_from_this()));
}

void HttpSession::OnRead(beast::error_code ec, size_t /*bytes*/) {
  reading_ = false;
  if (!ec) return HandleRequest();
  log_app_.clear();
  log_command_.clear();
  if (parser_->is_header_done()) {
    request_version_ = parser_->get().version();
  }
  request_keep_alive_ = false;
  if (ec == http::error::body_limit) {
    return DoWrite(RequestHandler::BodyTooLarge(limits_.max_body_bytes), std::nullopt);
  }
  if (ec == http::error::header_limit) {
    return DoWrite(RequestHandler::HeaderTooLarge(), std::nullopt);
  }
  // end_of_stream (closed between requests), partial_message (closed mid-request), timeouts,
  // cancellation and resets leave nobody to answer.
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec.category() != http::make_error_code(http::error::bad_method).category()) {
    return DoClose();
  }
  DoWrite(RequestHandler::BadHttpRequest(ec.message()), std::nullopt);
}

void HttpSession::HandleRequest() {
  const auto& request = parser_->get();
  request_version_ = request.version();
  request_keep_alive_ = request.keep_alive();
  if (const std::string framing = UnsupportedFraming(request); !framing.empty()) {
    log_app_.clear();
    log_command_.clear();
    return DoWrite(RequestHandler::BadHttpRequest(framing), std::nullopt);
  }
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  HandleResult result = handler_.Handle(ToStd(request.method_string()), ToStd(request.target()),
                                        request.body(), now_ms);
  log_app_ = std::move(result.app_id);
  log_command_ = std::move(result.command);
  ++request_id_;
  if (result.reply.has_value()) return DoWrite(std::move(*result.reply), std::nullopt);
  awaiting_answer_ = true;
  decision_ = std::move(result.decision);
  if (decision_.has_value()) StartBudget();
  Publish(std::move(*result.event));
}

void HttpSession::Publish(liveevents::v1::Event event) {
  // The completion arrives on a gRPC thread. It only posts back to this session's strand; the
  // tracked-work executor keeps the io_context running (and a graceful stop waiting) meanwhile,
  // also for a before-callback whose answer is already written.
  auto work = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
  // A before-callback may be answered before this completes; its log line then needs its own
  // labels, since log_app_ and log_command_ move on to the next request.
  std::string label;
  if (decision_.has_value()) {
    label = absl::StrCat("app=", absl::CHexEscape(log_app_),
                         " command=", absl::CHexEscape(log_command_));
  }
  publisher_.Publish(std::move(event),
                     [self = shared_from_this(), work, id = request_id_, label = std::move(label)](
                         absl::StatusOr<liveevents::v1::PublishResponse> result) mutable {
                       net::post(work, [self = std::move(self), id, label = std::move(label),
                                        result = std::move(result)]() mutable {
                         self->OnPublished(id, label, std::move(result));
                       });
                     });
}

void HttpSession::StartBudget() {
  budget_timer_.expires_after(limits_.before_callback_budget);
  budget_timer_.async_wait([self = shared_from_this(), id = request_id_](beast::error_code ec) {
    if (!ec) self->OnBudgetSpent(id);  // operation_aborted: the publish finished first.
  });
}

void HttpSession::OnBudgetSpent(uint64_t request_id) {
  // A cancel cannot recall a completion already queued, hence the checks.
  if (request_id != request_id_ || !awaiting_answer_ || !decision_.has_value()) return;
  awaiting_answer_ = false;
  std::fprintf(stderr, "before-callback answered before its publish finished (budget spent)\n");
  DoWrite(RequestHandler::ReplyForDecision(*decision_), std::nullopt);
}

void HttpSession::OnPublished(uint64_t request_id, const std::string& label,
                              absl::StatusOr<liveevents::v1::PublishResponse> result) {
  if (request_id != request_id_ || !awaiting_answer_) {
    // A before-callback answered on budget; its publish finished in the background.
    const std::string outcome = result.ok() ? absl::StrCat("stored, revision=", result->revision())
                                            : absl::StrCat("FAILED: ", result.status().ToString());
    std::fprintf(stderr, "background publish %s: %s\n", label.c_str(), outcome.c_str());
    return;
  }
  awaiting_answer_ = false;
  std::optional<uint64_t> revision;
  if (result.ok()) revision = result->revision();
  if (!decision_.has_value()) return DoWrite(RequestHandler::ReplyForPublish(result), revision);
  budget_timer_.cancel();
  if (!result.ok()) {
    // Tencent still gets the decision: a 503 would block the gift (fail-closed) for a failure
    // that has nothing to do with the policy.
    std::fprintf(stderr, "before-callback publish failed, answering the decision anyway: %s\n",
                 result.status().ToString().c_str());
  }
  DoWrite(RequestHandler::ReplyForDecision(*decision_), revision);
}

void HttpSession::DoWrite(HttpReply reply, std::optional<uint64_t> revision) {
  std::fprintf(stderr, "%s\n", RequestLogLine(log_app_, log_command_, reply, revision).c_str());
  response_ = {};
  response_.version(request_version_);
  response_.result(static_cast<unsigned>(reply.status));
  response_.set(http::field::server, "liveevents-gateway");
  response_.set(http::field::content_type, "application/json");
  if (!reply.allow.empty()) response_.set(http::field::allow, reply.allow);
  response_.body() = std::move(reply.body);
  // The registry's flag covers a stop whose Shutdown() post has not reached this session yet.
  response_.keep_alive(request_keep_alive_ && !reply.close && !shutting_down_ &&
                       !registry_->stopping());
  response_.prepare_payload();
  close_after_write_ = !response_.keep_alive();
  linger_after_write_ = reply.close;
  stream_.expires_after(limits_.read_timeout);
  http::async_write(stream_, response_,
                    beast::bind_front_handler(&HttpSession::OnWrite, shared_from_this()));
}

void HttpSession::OnWrite(beast::error_code ec, size_t /*bytes*/) {
  if (ec) return;  // The peer is gone; dropping the last reference closes the socket.
  if (linger_after_write_) return DoLingeringClose();
  if (close_after_write_ || shutting_down_) return DoClose();
  DoRead();  // The next (possibly pipelined) request, strictly after this answer.
}

void HttpSession::DoClose() {
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  // Errors here mean the peer already went away; the destructor closes the socket either way.
}

void HttpSession::DoLingeringClose() {
  beast::error_code ec;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  if (ec) return;
  stream_.expires_after(limits_.read_timeout);
  stream_.async_read_some(net::buffer(drain_buffer_),
                          beast::bind_front_handler(&HttpSession::OnDrain, shared_from_this()));
}

void HttpSession::OnDrain(beast::error_code ec, size_t bytes) {
  drained_bytes_ += bytes;
  if (ec || drained_bytes_ > kMaxDrainBytes || shutting_down_) return;
  stream_.async_read_some(net::buffer(drain_buffer_),
                          beast::bind_front_handler(&HttpSession::OnDrain, shared_from_this()));
}

}  // namespace liveevents::gateway
