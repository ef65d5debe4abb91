#include "gateway/request_handler.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/before_callback_policy.h"
#include "gateway/callback_converter.h"
#include "gateway/query_params.h"
#include "gateway/signature.h"
#include "nlohmann/json.hpp"

namespace liveevents::gateway {
namespace {

using nlohmann::json;

constexpr absl::string_view kHealthPath = "/healthz";

// Error messages can quote client input; replacing invalid UTF-8 keeps dump() from throwing and
// the answer valid JSON.
std::string Serialize(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

HttpReply ConversionFailure(const absl::Status& status) {
  switch (ClassifyConversionError(status)) {
    case ConversionError::kMalformedJson:
      return RequestHandler::Failure(400, kErrorMalformedJson, status.message());
    case ConversionError::kFieldType:
      return RequestHandler::Failure(400, kErrorFieldType, status.message());
    case ConversionError::kCommand:
      return RequestHandler::Failure(400, kErrorCommand, status.message());
    case ConversionError::kTrtcCallback:
      return RequestHandler::Failure(400, kErrorTrtcCallback, status.message());
    case ConversionError::kOther:
      break;
  }
  return RequestHandler::Failure(500, kErrorInternal, status.message());
}

// The 401 for an app with a token whose request is not authentic (spec §4), or nullopt.
std::optional<HttpReply> AuthenticationFailure(const AppConfig& app, const CallbackQuery& params,
                                               int64_t received_time_ms, absl::Duration max_skew) {
  if (app.token.empty()) return std::nullopt;
  const absl::Status status =
      VerifyCallbackSignature(app.token, SignedRequest{params.sign, params.request_time},
                              absl::FromUnixMillis(received_time_ms), max_skew);
  if (status.ok()) return std::nullopt;
  ErrorCode code = kErrorSignMismatch;
  if (status.code() == absl::StatusCode::kUnauthenticated) code = kErrorSignMissing;
  if (status.code() == absl::StatusCode::kOutOfRange) code = kErrorRequestTime;
  return RequestHandler::Failure(401, code, status.message());
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
      result.reply = Failure(405, kErrorMethodNotAllowed, "use GET for /healthz");
      result.reply->allow = "GET";
      return result;
    }
    result.reply = HttpReply{200, kErrorNone, R"({"status":"ok"})", "", false};
    return result;
  }
  if (split.path != options_.callback_path) {
    result.reply = Failure(404, kErrorNotFound, absl::StrCat("no such path: ", split.path));
    return result;
  }
  if (method != "POST") {
    result.reply = Failure(405, kErrorMethodNotAllowed,
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
    result.reply = Failure(403, kErrorForbiddenApp,
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
    result.reply = ConversionFailure(event.status());
    return result;
  }
  result.command = event->command();
  result.decision = ApplyBeforeCallbackPolicy(app->policy, &*event);
  result.event = std::move(*event);
  return result;
}

HttpReply RequestHandler::ReplyForPublish(
    const absl::StatusOr<liveevents::v1::PublishResponse>& result) {
  if (result.ok()) return Ok();
  // The spooling publisher already turned an unreachable service into OK; what fails here (a
  // full spool, a rejected event) was not stored, so Tencent must not hear OK.
  return Failure(503, kErrorUnavailable,
                 absl::StrCat("event not stored: ", result.status().ToString()));
}

HttpReply RequestHandler::ReplyForDecision(const liveevents::v1::Decision& decision) {
  if (decision.allow()) return Ok();
  json body = json::object();
  body["ActionStatus"] = "OK";
  body["ErrorInfo"] = decision.reason();
  body["ErrorCode"] = decision.error_code();
  // The log line shows the deny code (validated on load to fit Tencent's small ranges).
  return HttpReply{200, static_cast<int>(decision.error_code()), Serialize(body), "", false};
}

HttpReply RequestHandler::BodyTooLarge(uint64_t limit) {
  HttpReply reply =
      Failure(413, kErrorBodyTooLarge, absl::StrCat("body exceeds the limit of ", limit, " bytes"));
  reply.close = true;
  return reply;
}

HttpReply RequestHandler::HeaderTooLarge() {
  HttpReply reply = Failure(431, kErrorHeaderTooLarge, "request header too large");
  reply.close = true;
  return reply;
}

HttpReply RequestHandler::BadHttpRequest(absl::string_view why) {
  HttpReply reply = Failure(400, kErrorBadHttpRequest, absl::StrCat("bad HTTP request: ", why));
  reply.close = true;
  return reply;
}

HttpReply RequestHandler::Ok() {
  // Key order as in Tencent's samples; built by hand because it never varies.
  return HttpReply{200, kErrorNone, R"({"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0})", "",
                   false};
}

HttpReply RequestHandler::Failure(int http_status, ErrorCode code, absl::string_view info) {
  json body = json::object();
  body["ActionStatus"] = "FAIL";
  body["ErrorCode"] = static_cast<int>(code);
  body["ErrorInfo"] = std::string(info);
  return HttpReply{http_status, code, Serialize(body), "", false};
}

std::string RequestLogLine(absl::string_view app_id, absl::string_view command,
                           const HttpReply& reply, std::optional<uint64_t> revision) {
  // Both come from the client: escape them so a crafted query cannot forge log lines.
  return absl::StrCat("request app=", app_id.empty() ? "-" : absl::CHexEscape(app_id),
                      " command=", command.empty() ? "-" : absl::CHexEscape(command),
                      " status=", reply.status, " code=", static_cast<int>(reply.error_code),
                      " revision=", revision.has_value() ? absl::StrCat(*revision) : "-");
}

}  // namespace liveevents::gateway
