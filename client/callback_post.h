// `livectl post`'s building blocks: sending a Tencent-style webhook to the gateway by hand, the
// way Tencent's backend would (query parameters, optional Sign), for smoke tests and replaying
// captured callbacks. The URL, query and signature parts are pure and tested directly; PostJson
// is a plain synchronous Boost.Beast HTTP/1.1 client, fine for a CLI.
#ifndef LIVEEVENTS_CLIENT_CALLBACK_POST_H_
#define LIVEEVENTS_CLIENT_CALLBACK_POST_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace liveevents::client {

struct HttpUrl {
  std::string host;
  std::string port;    // "80" when the URL names none.
  std::string target;  // Path plus any query, "/" when empty.
};

// Parses "http://host[:port][/path][?query]". Only plain http: the CLI talks to a gateway on a
// trusted network or loopback. Thread-safe (pure).
absl::StatusOr<HttpUrl> ParseHttpUrl(absl::string_view url);

// The query parameters Tencent appends to the configured callback URL (SdkAppid,
// CallbackCommand, contenttype, ClientIP, OptPlatform, and Sign/RequestTime when signed).
struct CallbackQuery {
  uint64_t sdk_app_id = 0;
  std::string command;
  std::string client_ip = "127.0.0.1";
  std::string opt_platform = "RESTAPI";
  std::string token;  // When non-empty, RequestTime and Sign (the gateway's ComputeCallbackSign).
  int64_t request_time = 0;  // Unix seconds, signed together with the token.
};

// `target` with the callback query appended (after '&' if it already has a query), values
// percent-encoded. Thread-safe (pure).
std::string BuildCallbackTarget(absl::string_view target, const CallbackQuery& query);

// The body's "CallbackCommand" string; NOT_FOUND when the body has none, INVALID_ARGUMENT when it
// is not a JSON object. Thread-safe (pure).
absl::StatusOr<std::string> CommandFromBody(absl::string_view body);

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

// POSTs `body` as application/json to url.host:url.port at `target` and reads the reply.
// Network failures come back as UNAVAILABLE. Blocking; thread-safe (no shared state).
absl::StatusOr<HttpReply> PostJson(const HttpUrl& url, const std::string& target, std::string body);

// GETs url.target (a health endpoint); like PostJson otherwise.
absl::StatusOr<HttpReply> Get(const HttpUrl& url);

}  // namespace liveevents::client

#endif  // LIVEEVENTS_CLIENT_CALLBACK_POST_H_
