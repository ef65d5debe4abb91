// The seam between the HTTP layer and what the gateway does with a request: a session reads one
// request, hands it to an HttpHandler, and writes the answer it gets back. The HTTP layer knows
// nothing of Tencent, publishing or logging; the handler knows nothing of sockets.
#ifndef LIVEEVENTS_GATEWAY_HTTP_HTTP_HANDLER_H_
#define LIVEEVENTS_GATEWAY_HTTP_HTTP_HANDLER_H_

#include <cstdint>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/strings/string_view.h"
#include "boost/asio/any_io_executor.hpp"

namespace liveevents::gateway {

// One HTTP answer. The Content-Type is always application/json.
struct HttpAnswer {
  int status = 200;
  std::string body;
  std::string allow;   // The Allow header (a 405); empty otherwise.
  bool close = false;  // The request framing is lost (limits, bad HTTP): close after answering.
};

// One complete request. The views are valid only during HttpHandler::Handle.
struct HttpRequest {
  absl::string_view method;
  absl::string_view target;
  absl::string_view body;
  // The session's strand. Timers and completions of this request may run on it; work tracked on
  // it keeps a graceful stop waiting.
  boost::asio::any_io_executor executor;
};

// A request the HTTP parser refused before it was complete.
struct HttpRefusal {
  enum class Kind { kBadRequest, kBodyTooLarge, kHeaderTooLarge };
  Kind kind = Kind::kBadRequest;
  absl::string_view detail;  // What was wrong (kBadRequest).
  uint64_t body_limit = 0;   // The limit that was exceeded (kBodyTooLarge).
};

class HttpHandler {
 public:
  using AnswerCallback = absl::AnyInvocable<void(HttpAnswer) &&>;

  virtual ~HttpHandler() = default;

  // Handles one request and calls `answer` exactly once, on any thread, possibly before
  // returning. Must not block. Thread-safe.
  virtual void Handle(const HttpRequest& request, AnswerCallback answer) = 0;
  // The answer to a refused request; the session closes the connection after writing it.
  // Thread-safe.
  virtual HttpAnswer Refuse(const HttpRefusal& refusal) = 0;
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_HTTP_HTTP_HANDLER_H_
