// The gateway's decisions about one HTTP request, independent of sockets: route, check the app,
// convert the callback, and either answer at once or hand back an Event to publish. Also builds
// every answer body, so that the JSON Tencent sees is defined in one place.
#ifndef LIVEEVENTS_GATEWAY_REQUEST_HANDLER_H_
#define LIVEEVENTS_GATEWAY_REQUEST_HANDLER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_set.h"
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
  std::string app_id;                          // SdkAppid as sent, for the log line.
  std::string command;                         // As far as known, for the log line.
};

class RequestHandler {
 public:
  struct Options {
    std::string callback_path = "/callback";
    absl::flat_hash_set<uint64_t> apps;  // Accepted SdkAppids; empty rejects every callback.
  };

  explicit RequestHandler(Options options);

  // Decides about one request. Thread-safe (the handler is immutable).
  HandleResult Handle(absl::string_view method, absl::string_view target, absl::string_view body,
                      int64_t received_time_ms) const;

  // The answer once Publish has finished.
  static HttpReply ReplyForPublish(const absl::StatusOr<liveevents::v1::PublishResponse>& result);

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
};

// One log line per request outcome: app id, command, HTTP status, ErrorCode and revision.
std::string RequestLogLine(absl::string_view app_id, absl::string_view command,
                           const HttpReply& reply, std::optional<uint64_t> revision);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_REQUEST_HANDLER_H_
