// The gateway's decisions about one HTTP request, independent of sockets: route, check the app
// and its Sign, convert the callback, decide before-callbacks, and either answer at once or hand
// back an Event to publish. Also builds every answer body, so that the JSON Tencent sees is
// defined in one place.
#ifndef LIVEEVENTS_GATEWAY_REQUEST_HANDLER_H_
#define LIVEEVENTS_GATEWAY_REQUEST_HANDLER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/reloadable_app_registry.h"
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
};

// What to do with a request: exactly one of `reply` and `event` is set.
struct HandleResult {
  std::optional<HttpReply> reply;
  std::optional<liveevents::v1::Event> event;  // Publish it, then answer with ReplyForPublish.
  // Set with `event` for the before-callbacks: answer ReplyForDecision(*decision) once the
  // publish is done or the before-callback budget is spent, whichever comes first, and whatever
  // the publish outcome (Tencent needs the decision within 2 s; the event is already recorded).
  std::optional<liveevents::v1::Decision> decision;
  std::string app_id;   // SdkAppid as sent, for the log line.
  std::string command;  // As far as known, for the log line.
};

class RequestHandler {
 public:
  struct Options {
    std::string callback_path = "/callback";
    // Accepted SdkAppids (no token, allow-all policy); empty rejects every callback. Used only
    // when `registry` is null.
    absl::flat_hash_set<uint64_t> apps;
    // The accepted apps with their tokens and policies, reloadable (--apps_file plus --apps).
    std::shared_ptr<const ReloadableAppRegistry> registry;
    // How far RequestTime may be from the receive time, either way, for apps with a token.
    absl::Duration max_clock_skew = absl::Seconds(60);
  };

  explicit RequestHandler(Options options);

  // Decides about one request; `received_time_ms` is also the "now" of the Sign's time window.
  // Thread-safe (the handler is immutable; the registry is read through an atomic snapshot).
  HandleResult Handle(absl::string_view method, absl::string_view target, absl::string_view body,
                      int64_t received_time_ms) const;

  // The answer once Publish has finished.
  static HttpReply ReplyForPublish(const absl::StatusOr<liveevents::v1::PublishResponse>& result);
  // The answer to a before-callback: ActionStatus OK with ErrorCode 0 when allowed, else the
  // decision's deny code with its reason as ErrorInfo. Always HTTP 200: Tencent reads a non-200
  // as a failed callback, not as a deny.
  static HttpReply ReplyForDecision(const liveevents::v1::Decision& decision);

  // Answers for requests the HTTP parser already refused.
  static HttpReply BodyTooLarge(uint64_t limit);
  static HttpReply HeaderTooLarge();
  static HttpReply BadHttpRequest(absl::string_view why);

  // {"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0} with HTTP 200.
  static HttpReply Ok();
  // {"ActionStatus":"FAIL","ErrorCode":code,"ErrorInfo":info} with the given HTTP status.
  static HttpReply Failure(int http_status, ErrorCode code, absl::string_view info);

 private:
  HandleResult HandleCallback(absl::string_view query, absl::string_view body,
                              int64_t received_time_ms) const;

  Options options_;
  std::shared_ptr<const ReloadableAppRegistry> registry_;  // Never null.
};

// One log line per request outcome: app id, command, HTTP status, ErrorCode and revision.
std::string RequestLogLine(absl::string_view app_id, absl::string_view command,
                           const HttpReply& reply, std::optional<uint64_t> revision);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_REQUEST_HANDLER_H_
