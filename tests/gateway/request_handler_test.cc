#include "gateway/request_handler.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace liveevents::gateway {
namespace {

using nlohmann::json;

constexpr int64_t kNowMs = 1700000000000;
const char kCreateRoom[] =
    R"({"CallbackCommand":"Live.CallbackAfterCreateRoom","RoomInfo":{"RoomId":"r1"}})";

RequestHandler MakeHandler() {
  RequestHandler::Options options;
  options.apps = {1400000001};
  return RequestHandler(options);
}

json BodyOf(const HttpReply& reply) {
  const json body = json::parse(reply.body, nullptr, false);
  EXPECT_FALSE(body.is_discarded()) << reply.body;
  return body;
}

struct StatusCase {
  const char* name;
  std::string method;
  std::string target;
  std::string body;
  int status;
  int error_code;
};

TEST(RequestHandlerTest, MapsEachFailureToItsStatusAndErrorCode) {
  const RequestHandler handler = MakeHandler();
  const std::string ok_target = "/callback?SdkAppid=1400000001";
  const std::vector<StatusCase> cases = {
      {"other path", "POST", "/other", kCreateRoom, 404, kErrorNotFound},
      {"get callback", "GET", ok_target, "", 405, kErrorMethodNotAllowed},
      {"no app", "POST", "/callback", kCreateRoom, 403, kErrorForbiddenApp},
      {"wrong app", "POST", "/callback?SdkAppid=7", kCreateRoom, 403, kErrorForbiddenApp},
      {"non-numeric app", "POST", "/callback?SdkAppid=abc", kCreateRoom, 403, kErrorForbiddenApp},
      {"bad json", "POST", ok_target, "{", 400, kErrorMalformedJson},
      {"wrong type", "POST", ok_target,
       R"({"CallbackCommand":"Live.CallbackAfterCreateRoom","RoomInfo":{"RoomId":1}})", 400,
       kErrorFieldType},
      {"mismatch", "POST", ok_target + "&CallbackCommand=Live.CallbackAfterDestroyRoom",
       kCreateRoom, 400, kErrorCommand},
      {"trtc", "POST", ok_target, R"({"EventGroupId":1})", 400, kErrorTrtcCallback},
      {"healthz post", "POST", "/healthz", "", 405, kErrorMethodNotAllowed},
  };
  for (const StatusCase& c : cases) {
    SCOPED_TRACE(c.name);
    const HandleResult result = handler.Handle(c.method, c.target, c.body, kNowMs);
    ASSERT_TRUE(result.reply.has_value());
    EXPECT_FALSE(result.event.has_value());
    EXPECT_EQ(result.reply->status, c.status);
    const json body = BodyOf(*result.reply);
    EXPECT_EQ(body["ActionStatus"], "FAIL");
    EXPECT_EQ(body["ErrorCode"], c.error_code);
    EXPECT_FALSE(body["ErrorInfo"].get<std::string>().empty());
  }
}

TEST(RequestHandlerTest, ReturnsEventForAcceptedCallback) {
  const HandleResult result =
      MakeHandler().Handle("POST", "/callback?sdkappid=1400000001&ClientIP=1.2.3.4&OptPlatform=iOS",
                           kCreateRoom, kNowMs);
  ASSERT_FALSE(result.reply.has_value());
  ASSERT_TRUE(result.event.has_value());
  EXPECT_EQ(result.event->sdk_app_id(), 1400000001u);
  EXPECT_EQ(result.event->client_ip(), "1.2.3.4");
  EXPECT_EQ(result.event->opt_platform(), "iOS");
  EXPECT_EQ(result.event->received_time_ms(), kNowMs);
  EXPECT_EQ(result.command, "Live.CallbackAfterCreateRoom");
  EXPECT_EQ(result.app_id, "1400000001");
}

TEST(RequestHandlerTest, RejectsEveryAppWhenNoneConfigured) {
  const RequestHandler handler{RequestHandler::Options{}};
  const HandleResult result = handler.Handle("POST", "/callback?SdkAppid=1", kCreateRoom, kNowMs);
  ASSERT_TRUE(result.reply.has_value());
  EXPECT_EQ(result.reply->status, 403);
}

TEST(RequestHandlerTest, RecordsAllowDecisionOnBeforeCallbacks) {
  const RequestHandler handler = MakeHandler();
  const HandleResult gift =
      handler.Handle("POST", "/callback?SdkAppid=1400000001",
                     R"({"CallbackCommand":"Live.CallbackBeforeSendGift","RoomId":"r"})", kNowMs);
  ASSERT_TRUE(gift.event.has_value());
  EXPECT_TRUE(gift.event->before_send_gift().decision().allow());
  const HandleResult msg =
      handler.Handle("POST", "/callback?SdkAppid=1400000001",
                     R"({"CallbackCommand":"Group.CallbackBeforeSendMsg","GroupId":"g"})", kNowMs);
  ASSERT_TRUE(msg.event.has_value());
  EXPECT_TRUE(msg.event->before_send_msg().decision().allow());
  EXPECT_EQ(msg.event->before_send_msg().decision().error_code(), 0);
}

TEST(RequestHandlerTest, AnswersHealthz) {
  const HandleResult result = MakeHandler().Handle("GET", "/healthz", "", kNowMs);
  ASSERT_TRUE(result.reply.has_value());
  EXPECT_EQ(result.reply->status, 200);
  EXPECT_EQ(result.reply->body, R"({"status":"ok"})");
}

TEST(RequestHandlerTest, AnswersOkOrUnavailableAfterPublish) {
  liveevents::v1::PublishResponse response;
  response.set_revision(5);
  const HttpReply ok = RequestHandler::ReplyForPublish(response);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0})");
  const HttpReply down =
      RequestHandler::ReplyForPublish(absl::DeadlineExceededError("deadline exceeded"));
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(BodyOf(down)["ErrorCode"], kErrorUnavailable);
}

TEST(RequestHandlerTest, KeepsFailureBodyValidJsonWhateverTheMessage) {
  const HttpReply reply =
      RequestHandler::Failure(400, kErrorFieldType, "quote \" backslash \\ newline \n bad \xff");
  const json body = BodyOf(reply);
  EXPECT_EQ(body["ActionStatus"], "FAIL");
  EXPECT_EQ(body["ErrorCode"], kErrorFieldType);
}

TEST(RequestHandlerTest, MarksLimitAnswersToCloseTheConnection) {
  EXPECT_EQ(RequestHandler::BodyTooLarge(10).status, 413);
  EXPECT_TRUE(RequestHandler::BodyTooLarge(10).close);
  EXPECT_EQ(BodyOf(RequestHandler::BodyTooLarge(10))["ErrorCode"], kErrorBodyTooLarge);
  EXPECT_EQ(RequestHandler::HeaderTooLarge().status, 431);
  EXPECT_EQ(RequestHandler::BadHttpRequest("bad").status, 400);
}

TEST(RequestHandlerTest, EscapesClientTextInLogLine) {
  const std::string line =
      RequestLogLine("1\nforged", "Live.X\n", RequestHandler::Ok(), uint64_t{7});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("revision=7"), std::string::npos);
  EXPECT_NE(line.find("status=200"), std::string::npos);
}

}  // namespace
}  // namespace liveevents::gateway
