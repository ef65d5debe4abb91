// The answers Tencent sees: the ErrorCode of every kind of failure, the
// {"ActionStatus","ErrorCode","ErrorInfo"} bodies and the HTTP status each one goes with, defined
// in one place. Pure functions; the codes are listed in gateway/README.md.
#ifndef LIVEEVENTS_GATEWAY_TENCENT_TENCENT_REPLY_H_
#define LIVEEVENTS_GATEWAY_TENCENT_TENCENT_REPLY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "liveevents/v1/events.pb.h"
#include "liveevents/v1/live_events.pb.h"

namespace liveevents::gateway {

// The ErrorCode values of FAIL answers, one per kind of failure (listed in gateway/README.md).
enum ErrorCode : int {
  kErrorNone = 0,
  kErrorBadHttpRequest = 4000,
  kErrorMalformedJson = 4001,
  kErrorFieldType = 4002,
  kErrorForbiddenApp = 4003,
  kErrorNotFound = 4004,
  kErrorMethodNotAllowed = 4005,
  kErrorCommand = 4006,
  kErrorTrtcCallback = 4007,
  kErrorSignMissing = 4010,   // HTTP 401: the app has a token, Sign or RequestTime is absent.
  kErrorSignMismatch = 4011,  // HTTP 401: Sign is not SHA-256(token + RequestTime).
  kErrorRequestTime = 4012,   // HTTP 401: RequestTime unparseable or outside --max_clock_skew.
  kErrorBodyTooLarge = 4013,
  kErrorHeaderTooLarge = 4031,
  kErrorInternal = 5000,
  kErrorUnavailable = 5003,
};

// One HTTP answer. The Content-Type is always application/json.
struct HttpReply {
  int status = 200;
  int error_code = kErrorNone;  // For the log line; the body carries it too.
  std::string body;
  std::string allow;   // The Allow header of a 405; empty otherwise.
  bool close = false;  // The request framing is lost (limits, bad HTTP): close after answering.
  std::string info;    // The ErrorInfo of a FAIL answer, for the log line.
};

// {"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0} with HTTP 200.
HttpReply OkReply();
// {"ActionStatus":"FAIL","ErrorCode":code,"ErrorInfo":info} with the given HTTP status.
HttpReply FailureReply(int http_status, ErrorCode code, absl::string_view info);

// The answer once Publish has finished.
HttpReply ReplyForPublish(const absl::StatusOr<liveevents::v1::PublishResponse>& result);
// The answer to a before-callback: ActionStatus OK with ErrorCode 0 when allowed, else the
// decision's deny code with its reason as ErrorInfo. Always HTTP 200: Tencent reads a non-200
// as a failed callback, not as a deny.
HttpReply ReplyForDecision(const liveevents::v1::Decision& decision);
// The 400 (or 500 for an unexpected failure) for a non-OK status of ConvertCallback.
HttpReply ReplyForConversionError(const absl::Status& status);
// The 401 for a non-OK status of VerifyCallbackSignature (UNAUTHENTICATED: missing,
// OUT_OF_RANGE: RequestTime, anything else: mismatch).
HttpReply ReplyForAuthenticationError(const absl::Status& status);

// Answers for requests the HTTP parser already refused; each closes the connection.
HttpReply BodyTooLargeReply(uint64_t limit);
HttpReply HeaderTooLargeReply();
HttpReply BadHttpRequestReply(absl::string_view why);

// One log line per request outcome: app id, command, HTTP status, ErrorCode and revision.
std::string RequestLogLine(absl::string_view app_id, absl::string_view command,
                           const HttpReply& reply, std::optional<uint64_t> revision);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_TENCENT_TENCENT_REPLY_H_
