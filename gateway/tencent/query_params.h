// Splits a request target into its path and query, and reads the query parameters Tencent appends
// to the callback URL. Tencent's pages spell the keys differently (SdkAppid / SdkAppId / SDKAppID,
// CallbackCommand / WebhookCommand), so keys are matched case-insensitively.
#ifndef LIVEEVENTS_GATEWAY_TENCENT_QUERY_PARAMS_H_
#define LIVEEVENTS_GATEWAY_TENCENT_QUERY_PARAMS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace liveevents::gateway {

// A request target ("/callback?SdkAppid=1") split at the first '?'.
struct Target {
  absl::string_view path;
  absl::string_view query;  // Without the '?'; empty when there is none.
};
Target SplitTarget(absl::string_view target);

// Decodes %XX escapes and '+' (form encoding for a space). A malformed escape is kept literally,
// because a lenient reading of a query value is safer than rejecting the callback over it.
std::string PercentDecode(absl::string_view text);

// The decoded key/value pairs of a query string, in order. Thread-compatible.
class QueryParams {
 public:
  static QueryParams Parse(absl::string_view query);

  // The value of the first parameter whose key equals `key` ignoring ASCII case.
  std::optional<std::string> Get(absl::string_view key) const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

// The parameters of a Tencent Live callback URL (https://trtc.io/document/64412). Absent parameters
// are empty.
struct CallbackQuery {
  std::string sdk_app_id;
  std::string command;  // CallbackCommand, else WebhookCommand.
  // contenttype (always "json") is not kept: the body is parsed as JSON whatever it says.
  std::string client_ip;
  std::string opt_platform;
  std::string sign;
  std::string request_time;
};
CallbackQuery ParseCallbackQuery(absl::string_view query);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_TENCENT_QUERY_PARAMS_H_
