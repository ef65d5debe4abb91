#include "gateway/tencent/tencent_reply.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gateway/tencent/callback_converter.h"
#include "nlohmann/json.hpp"

namespace liveevents::gateway {
namespace {

using nlohmann::json;

// Error messages can quote client input; replacing invalid UTF-8 keeps dump() from throwing and
// the answer valid JSON.
std::string Serialize(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

HttpReply Closing(HttpReply reply) {
  reply.close = true;
  return reply;
}

}  // namespace

HttpReply OkReply() {
  // Key order as in Tencent's samples; built by hand because it never varies.
  return HttpReply{200, kErrorNone, R"({"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0})",
                   "",  false,      ""};
}

HttpReply FailureReply(int http_status, ErrorCode code, absl::string_view info) {
  json body = json::object();
  body["ActionStatus"] = "FAIL";
  body["ErrorCode"] = static_cast<int>(code);
  body["ErrorInfo"] = std::string(info);
  return HttpReply{http_status, code, Serialize(body), "", false, std::string(info)};
}

HttpReply ReplyForPublish(const absl::StatusOr<liveevents::v1::PublishResponse>& result) {
  if (result.ok()) return OkReply();
  // The spooling publisher already turned an unreachable service into OK; what fails here (a
  // full spool, a rejected event) was not stored, so Tencent must not hear OK.
  return FailureReply(503, kErrorUnavailable,
                      absl::StrCat("event not stored: ", result.status().ToString()));
}

HttpReply ReplyForDecision(const liveevents::v1::Decision& decision) {
  if (decision.allow()) return OkReply();
  json body = json::object();
  body["ActionStatus"] = "OK";
  body["ErrorInfo"] = decision.reason();
  body["ErrorCode"] = decision.error_code();
  // The log line shows the deny code (validated on load to fit Tencent's small ranges).
  return HttpReply{
      200, static_cast<int>(decision.error_code()), Serialize(body), "", false, decision.reason()};
}

HttpReply ReplyForConversionError(const absl::Status& status) {
  switch (ClassifyConversionError(status)) {
    case ConversionError::kMalformedJson:
      return FailureReply(400, kErrorMalformedJson, status.message());
    case ConversionError::kFieldType:
      return FailureReply(400, kErrorFieldType, status.message());
    case ConversionError::kCommand:
      return FailureReply(400, kErrorCommand, status.message());
    case ConversionError::kTrtcCallback:
      return FailureReply(400, kErrorTrtcCallback, status.message());
    case ConversionError::kOther:
      break;
  }
  return FailureReply(500, kErrorInternal, status.message());
}

HttpReply ReplyForAuthenticationError(const absl::Status& status) {
  ErrorCode code = kErrorSignMismatch;
  if (status.code() == absl::StatusCode::kUnauthenticated) code = kErrorSignMissing;
  if (status.code() == absl::StatusCode::kOutOfRange) code = kErrorRequestTime;
  return FailureReply(401, code, status.message());
}

HttpReply BodyTooLargeReply(uint64_t limit) {
  return Closing(FailureReply(413, kErrorBodyTooLarge,
                              absl::StrCat("body exceeds the limit of ", limit, " bytes")));
}

HttpReply HeaderTooLargeReply() {
  return Closing(FailureReply(431, kErrorHeaderTooLarge, "request header too large"));
}

HttpReply BadHttpRequestReply(absl::string_view why) {
  return Closing(FailureReply(400, kErrorBadHttpRequest, absl::StrCat("bad HTTP request: ", why)));
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
