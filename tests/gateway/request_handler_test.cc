#include "gateway/request_handler.h"

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/apps/signature.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/temp_path.h"

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

// --- Authentication and before-callback policy (apps file) ---

constexpr char kToken[] = "xxxxyyyy";
constexpr char kAppsFile[] = R"({"apps": [
  {"sdk_app_id": 1400000001, "token": "xxxxyyyy",
   "policy": {"deny_gift_ids": ["rocket"], "deny_senders": ["troll"],
              "gift_deny_code": 102150, "message_deny_code": 10150}},
  {"sdk_app_id": 1400000002, "policy": {"deny_senders": ["troll"], "message_deny_code": 2}}
]})";
const std::string kNowSeconds = absl::StrCat(kNowMs / 1000);

std::string WriteAppsFile(const std::string& name, const std::string& text) {
  // Unique to the running test and process: ctest -j runs tests side by side.
  const std::string path = liveevents::testing::UniqueTempPath(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  EXPECT_TRUE(out.good());
  return path;
}

std::shared_ptr<ReloadableAppRegistry> MakeRegistry(const std::string& path) {
  absl::StatusOr<std::unique_ptr<ReloadableAppRegistry>> registry =
      ReloadableAppRegistry::Create({path, {1400000003}});
  EXPECT_TRUE(registry.ok()) << registry.status();
  return registry.ok() ? std::shared_ptr<ReloadableAppRegistry>(*std::move(registry)) : nullptr;
}

RequestHandler MakeAuthHandler(std::shared_ptr<ReloadableAppRegistry> registry) {
  RequestHandler::Options options;
  options.registry = std::move(registry);
  return RequestHandler(options);
}

std::string SignedTarget(const std::string& time, const std::string& sign) {
  return absl::StrCat("/callback?SdkAppid=1400000001&RequestTime=", time, "&Sign=", sign);
}

struct AuthCase {
  const char* name;
  std::string target;
  int error_code;
  std::string info;
};

TEST(RequestHandlerAuthTest, RejectsUnauthenticatedRequestsWith401AndNoEvent) {
  const RequestHandler handler = MakeAuthHandler(MakeRegistry(WriteAppsFile("a1.json", kAppsFile)));
  const std::string stale = absl::StrCat(kNowMs / 1000 - 75);
  const std::string future = absl::StrCat(kNowMs / 1000 + 61);
  const std::vector<AuthCase> cases = {
      {"unsigned", "/callback?SdkAppid=1400000001", kErrorSignMissing, "Sign is missing"},
      {"no time", "/callback?SdkAppid=1400000001&Sign=" + ComputeCallbackSign(kToken, kNowSeconds),
       kErrorSignMissing, "RequestTime is missing"},
      {"wrong sign", SignedTarget(kNowSeconds, ComputeCallbackSign("other", kNowSeconds)),
       kErrorSignMismatch, "Sign does not match"},
      {"stale", SignedTarget(stale, ComputeCallbackSign(kToken, stale)), kErrorRequestTime,
       "RequestTime is 75 s in the past (max 60 s)"},
      {"future", SignedTarget(future, ComputeCallbackSign(kToken, future)), kErrorRequestTime,
       "RequestTime is 61 s in the future (max 60 s)"},
      {"not a number", SignedTarget("abc", ComputeCallbackSign(kToken, "abc")), kErrorRequestTime,
       "RequestTime \"abc\" is not a Unix time in seconds"},
  };
  for (const AuthCase& c : cases) {
    SCOPED_TRACE(c.name);
    const HandleResult result = handler.Handle("POST", c.target, kCreateRoom, kNowMs);
    ASSERT_TRUE(result.reply.has_value());
    EXPECT_FALSE(result.event.has_value());
    EXPECT_EQ(result.reply->status, 401);
    const json body = BodyOf(*result.reply);
    EXPECT_EQ(body["ActionStatus"], "FAIL");
    EXPECT_EQ(body["ErrorCode"], c.error_code);
    EXPECT_EQ(body["ErrorInfo"], c.info);
  }
}

TEST(RequestHandlerAuthTest, AcceptsCorrectlySignedRequestsAndAppsWithoutToken) {
  const RequestHandler handler = MakeAuthHandler(MakeRegistry(WriteAppsFile("a2.json", kAppsFile)));
  const std::string sign = ComputeCallbackSign(kToken, kNowSeconds);
  for (const std::string& target :
       {SignedTarget(kNowSeconds, sign), SignedTarget(kNowSeconds, absl::AsciiStrToUpper(sign)),
        std::string("/callback?SdkAppid=1400000002"),
        std::string("/callback?SdkAppid=1400000003")}) {
    SCOPED_TRACE(target);
    const HandleResult result = handler.Handle("POST", target, kCreateRoom, kNowMs);
    EXPECT_FALSE(result.reply.has_value());
    EXPECT_TRUE(result.event.has_value());
    EXPECT_FALSE(result.decision.has_value());  // Not a before-callback.
  }
}

struct DecisionCase {
  const char* name;
  std::string app;
  std::string body;
  bool allow;
  int64_t code;
};

TEST(RequestHandlerAuthTest, DecidesBeforeCallbacksByTheAppsPolicy) {
  const RequestHandler handler = MakeAuthHandler(MakeRegistry(WriteAppsFile("a3.json", kAppsFile)));
  const std::string signed_query = absl::StrCat("&RequestTime=", kNowSeconds,
                                                "&Sign=", ComputeCallbackSign(kToken, kNowSeconds));
  const std::string rocket =
      R"({"CallbackCommand":"Live.CallbackBeforeSendGift","RoomId":"r","GiftWater":{"From_Account":"a","GiftId":"rocket"}})";
  const std::string rose =
      R"({"CallbackCommand":"Live.CallbackBeforeSendGift","RoomId":"r","GiftWater":{"From_Account":"a","GiftId":"rose"}})";
  const std::string troll_msg =
      R"({"CallbackCommand":"Group.CallbackBeforeSendMsg","GroupId":"g","From_Account":"troll"})";
  const std::vector<DecisionCase> cases = {
      {"denied gift", "1400000001" + signed_query, rocket, false, 102150},
      {"allowed gift", "1400000001" + signed_query, rose, true, 0},
      {"denied message", "1400000001" + signed_query, troll_msg, false, 10150},
      {"dropped message", "1400000002", troll_msg, false, 2},
      {"default policy", "1400000003", rocket, true, 0},
  };
  for (const DecisionCase& c : cases) {
    SCOPED_TRACE(c.name);
    const HandleResult result =
        handler.Handle("POST", "/callback?SdkAppid=" + c.app, c.body, kNowMs);
    ASSERT_TRUE(result.event.has_value());
    ASSERT_TRUE(result.decision.has_value());
    EXPECT_EQ(result.decision->allow(), c.allow);
    EXPECT_EQ(result.decision->error_code(), c.code);
    const liveevents::v1::Decision& recorded = result.event->has_before_send_gift()
                                                   ? result.event->before_send_gift().decision()
                                                   : result.event->before_send_msg().decision();
    EXPECT_EQ(recorded.allow(), c.allow);
    EXPECT_EQ(recorded.error_code(), c.code);
    const HttpReply reply = ReplyForDecision(*result.decision);
    EXPECT_EQ(reply.status, 200);
    const json body = BodyOf(reply);
    EXPECT_EQ(body["ActionStatus"], "OK");
    EXPECT_EQ(body["ErrorCode"], c.code);
    EXPECT_EQ(body["ErrorInfo"].get<std::string>().empty(), c.allow);
  }
}

TEST(RequestHandlerAuthTest, SeesTheReloadedAppsFile) {
  // The same Reload() the gateway's SIGHUP handler calls.
  const std::string path = WriteAppsFile("a4.json", R"({"apps": [{"sdk_app_id": 1400000001}]})");
  const std::shared_ptr<ReloadableAppRegistry> registry = MakeRegistry(path);
  const RequestHandler handler = MakeAuthHandler(registry);
  const std::string target = "/callback?SdkAppid=1400000001";
  EXPECT_TRUE(handler.Handle("POST", target, kCreateRoom, kNowMs).event.has_value());

  WriteAppsFile("a4.json", kAppsFile);  // Now the app has a token.
  ASSERT_TRUE(registry->Reload().ok());
  const HandleResult unsigned_now = handler.Handle("POST", target, kCreateRoom, kNowMs);
  ASSERT_TRUE(unsigned_now.reply.has_value());
  EXPECT_EQ(unsigned_now.reply->status, 401);

  WriteAppsFile("a4.json", "{ broken");
  EXPECT_FALSE(registry->Reload().ok());  // Logged by the caller; the token stays in force.
  EXPECT_EQ(handler.Handle("POST", target, kCreateRoom, kNowMs).reply->status, 401);
}

}  // namespace
}  // namespace liveevents::gateway
