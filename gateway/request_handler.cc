#include "gateway/request_handler.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/apps/before_callback_policy.h"
#include "gateway/apps/signature.h"
#include "gateway/tencent/callback_converter.h"
#include "gateway/tencent/query_params.h"

namespace liveevents::gateway {
namespace {

constexpr absl::string_view kHealthPath = "/healthz";

// The 401 for an app with a token whose request is not authentic (Tencent's Sign check,
// https://trtc.io/document/64412), or nullopt.
std::optional<HttpReply> AuthenticationFailure(const AppConfig& app, const CallbackQuery& params,
                                               int64_t received_time_ms, absl::Duration max_skew) {
  if (app.token.empty()) return std::nullopt;
  const absl::Status status =
      VerifyCallbackSignature(app.token, SignedRequest{params.sign, params.request_time},
                              absl::FromUnixMillis(received_time_ms), max_skew);
  if (status.ok()) return std::nullopt;
  return ReplyForAuthenticationError(status);
}

std::shared_ptr<const ReloadableAppRegistry> RegistryOf(const RequestHandler::Options& options) {
  if (options.registry != nullptr) return options.registry;
  return ReloadableAppRegistry::ForApps(options.apps);
}

}  // namespace

RequestHandler::RequestHandler(Options options)
    : options_(std::move(options)), registry_(RegistryOf(options_)) {}

HandleResult RequestHandler::Handle(absl::string_view method, absl::string_view target,
                                    absl::string_view body, int64_t received_time_ms) const {
  const Target split = SplitTarget(target);
  HandleResult result;
  if (split.path == kHealthPath) {
    if (method != "GET") {
      result.reply = FailureReply(405, kErrorMethodNotAllowed, "use GET for /healthz");
      result.reply->allow = "GET";
      return result;
    }
    result.reply = HttpReply{200, kErrorNone, R"({"status":"ok"})", "", false, ""};
    return result;
  }
  if (split.path != options_.callback_path) {
    result.reply = FailureReply(404, kErrorNotFound, absl::StrCat("no such path: ", split.path));
    return result;
  }
  if (method != "POST") {
    result.reply = FailureReply(405, kErrorMethodNotAllowed,
                                absl::StrCat("method ", method, " not allowed; use POST"));
    result.reply->allow = "POST";
    return result;
  }
  return HandleCallback(split.query, body, received_time_ms);
}

HandleResult RequestHandler::HandleCallback(absl::string_view query, absl::string_view body,
                                            int64_t received_time_ms) const {
  const CallbackQuery params = ParseCallbackQuery(query);
  HandleResult result;
  result.app_id = params.sdk_app_id;
  result.command = params.command;
  // Held for the whole request: a reload swaps in a new registry and leaves this one alone.
  const std::shared_ptr<const AppRegistry> registry = registry_->Get();
  uint64_t app_id = 0;
  const AppConfig* app = nullptr;
  if (absl::SimpleAtoi(params.sdk_app_id, &app_id)) app = registry->Find(app_id);
  if (app == nullptr) {
    result.reply =
        FailureReply(403, kErrorForbiddenApp,
                     params.sdk_app_id.empty()
                         ? "SdkAppid is missing"
                         : absl::StrCat("SdkAppid ", params.sdk_app_id, " is not accepted"));
    return result;
  }
  // Before the body is even parsed: an unauthenticated request gets nothing but the 401.
  result.reply = AuthenticationFailure(*app, params, received_time_ms, options_.max_clock_skew);
  if (result.reply.has_value()) return result;
  absl::StatusOr<liveevents::v1::Event> event = ConvertCallback(CallbackInput{
      app_id, params.command, body, received_time_ms, params.client_ip, params.opt_platform});
  if (!event.ok()) {
    result.reply = ReplyForConversionError(event.status());
    return result;
  }
  result.command = event->command();
  result.decision = ApplyBeforeCallbackPolicy(app->policy, &*event);
  result.event = std::move(*event);
  return result;
}

}  // namespace liveevents::gateway
