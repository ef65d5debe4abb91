// libFuzzer target over the gateway's whole per-request decision: RequestHandler::Handle (routing,
// app check, query parsing, JSON to Event conversion, before-callback policy), then a publish
// through a fake that completes at once, then the answer. Input format: the first line is the
// request target ("/callback?SdkAppid=1400000001&..."), optionally preceded by a method and a
// space ("GET /healthz"; POST otherwise); everything after the first '\n' is the body.
//
// Besides crashes and sanitizer reports it checks the promises the rest of the gateway relies on:
// exactly one of reply/event, answers that are JSON objects with a consistent ErrorCode, no 500
// (an "unexpected conversion failure" is a converter bug), events that survive a protobuf round
// trip (proto3 strings must be UTF-8, or the service refuses the Publish), and single-line logs.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/publish/event_publisher.h"
#include "gateway/request_handler.h"
#include "google/protobuf/util/message_differencer.h"
#include "nlohmann/json.hpp"

namespace liveevents::gateway {
namespace {

using liveevents::v1::Event;
using liveevents::v1::PublishResponse;

constexpr uint64_t kAppId = 1400000001;
constexpr int64_t kReceivedMs = 1700000000123;

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "request_handler_fuzz: invariant broken: %s\n", what);
  std::abort();
}

// Answers every Publish immediately, on the caller's thread, like a publisher whose RPC finished
// before Publish returned (which EventPublisher allows). `fail` picks the error path.
class ImmediatePublisher : public EventPublisher {
 public:
  void Publish(Event event, PublishCallback done) override {
    if (fail_) {
      std::move(done)(absl::UnavailableError("fuzz: service unavailable"));
      return;
    }
    PublishResponse response;
    response.set_revision(++revision_);
    std::move(done)(std::move(response));
  }
  void set_fail(bool fail) { fail_ = fail; }

 private:
  bool fail_ = false;
  uint64_t revision_ = 0;
};

void CheckReply(const HttpReply& reply) {
  const int s = reply.status;
  Check(s == 200 || s == 400 || s == 401 || s == 403 || s == 404 || s == 405 || s == 413 ||
            s == 431 || s == 503,
        "HTTP status outside the documented set (500 means an unexpected conversion failure)");
  Check((s == 405) == !reply.allow.empty(), "Allow header exactly on 405 answers");
  const nlohmann::json body = nlohmann::json::parse(reply.body, nullptr, false);
  Check(!body.is_discarded() && body.is_object(), "answer body is a JSON object");
  if (body.contains("status")) return;  // GET /healthz.
  Check(body.contains("ActionStatus") && body["ActionStatus"].is_string(), "ActionStatus");
  Check(body.contains("ErrorCode") && body["ErrorCode"].is_number_integer(), "ErrorCode");
  Check(body.contains("ErrorInfo") && body["ErrorInfo"].is_string(), "ErrorInfo");
  Check(body["ErrorCode"].get<int64_t>() == reply.error_code, "body ErrorCode matches the reply's");
  Check(s == 200 || body["ActionStatus"] == "FAIL", "non-200 answers say FAIL");
}

void CheckEvent(const Event& event, absl::string_view body) {
  Check(event.sdk_app_id() == kAppId, "event carries the accepted app id");
  Check(event.raw_body() == body, "raw_body is the body, byte for byte");
  Check(!event.command().empty(), "event has a command");
  Check(event.payload_case() != Event::PAYLOAD_NOT_SET, "event has a payload");
  std::string wire;
  Check(event.SerializeToString(&wire), "event serializes");
  Event parsed;
  Check(parsed.ParseFromString(wire), "event parses back (proto3 strings must be valid UTF-8)");
  Check(google::protobuf::util::MessageDifferencer::Equals(event, parsed), "round trip is exact");
}

void CheckLogLine(const HandleResult& result, const HttpReply& reply) {
  const std::string line = RequestLogLine(result.app_id, result.command, reply, std::nullopt);
  Check(line.find('\n') == std::string::npos && line.find('\r') == std::string::npos,
        "log line cannot be split by client text");
}

const RequestHandler& Handler() {
  static const RequestHandler* handler = [] {
    RequestHandler::Options options;
    options.apps = {kAppId};
    return new RequestHandler(std::move(options));
  }();
  return *handler;
}

void FuzzOne(absl::string_view input) {
  const size_t newline = input.find('\n');
  const absl::string_view first_line = input.substr(0, newline);
  const absl::string_view body =
      newline == absl::string_view::npos ? absl::string_view() : input.substr(newline + 1);
  absl::string_view method = "POST";
  absl::string_view target = first_line;
  if (const size_t space = first_line.find(' '); space != absl::string_view::npos) {
    method = first_line.substr(0, space);
    target = first_line.substr(space + 1);
  }

  HandleResult result = Handler().Handle(method, target, body, kReceivedMs);
  Check(result.reply.has_value() != result.event.has_value(), "exactly one of reply and event");
  if (result.reply.has_value()) {
    Check(!result.decision.has_value(), "a decision only comes with an event");
    CheckReply(*result.reply);
    CheckLogLine(result, *result.reply);
    return;
  }
  CheckEvent(*result.event, body);

  ImmediatePublisher publisher;
  publisher.set_fail(body.size() % 5 == 0);  // Cheap, input-driven choice of the failure path.
  std::optional<HttpReply> reply;
  const std::optional<liveevents::v1::Decision> decision = result.decision;
  publisher.Publish(std::move(*result.event), [&](absl::StatusOr<PublishResponse> answer) {
    reply = decision.has_value() ? ReplyForDecision(*decision) : ReplyForPublish(answer);
  });
  Check(reply.has_value(), "publish completed");
  CheckReply(*reply);
  CheckLogLine(result, *reply);
}

}  // namespace
}  // namespace liveevents::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  liveevents::gateway::FuzzOne(absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
