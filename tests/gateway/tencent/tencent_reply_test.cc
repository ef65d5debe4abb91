// The answers Tencent sees, rendered without a handler. These tests keep their RequestHandlerTest
// names from before the rendering moved out of RequestHandler.
#include "gateway/tencent/tencent_reply.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace liveevents::gateway {
namespace {

using nlohmann::json;

json BodyOf(const HttpReply& reply) { return json::parse(reply.body, nullptr, false); }

TEST(RequestHandlerTest, AnswersOkOrUnavailableAfterPublish) {
  liveevents::v1::PublishResponse response;
  response.set_revision(5);
  const HttpReply ok = ReplyForPublish(response);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0})");
  const HttpReply down = ReplyForPublish(absl::DeadlineExceededError("deadline exceeded"));
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(BodyOf(down)["ErrorCode"], kErrorUnavailable);
}

TEST(RequestHandlerTest, KeepsFailureBodyValidJsonWhateverTheMessage) {
  const HttpReply reply =
      FailureReply(400, kErrorFieldType, "quote \" backslash \\ newline \n bad \xff");
  const json body = BodyOf(reply);
  EXPECT_EQ(body["ActionStatus"], "FAIL");
  EXPECT_EQ(body["ErrorCode"], kErrorFieldType);
}

TEST(RequestHandlerTest, MarksLimitAnswersToCloseTheConnection) {
  EXPECT_EQ(BodyTooLargeReply(10).status, 413);
  EXPECT_TRUE(BodyTooLargeReply(10).close);
  EXPECT_EQ(BodyOf(BodyTooLargeReply(10))["ErrorCode"], kErrorBodyTooLarge);
  EXPECT_EQ(HeaderTooLargeReply().status, 431);
  EXPECT_EQ(BadHttpRequestReply("bad").status, 400);
}

TEST(RequestHandlerTest, EscapesClientTextInLogLine) {
  const std::string line = RequestLogLine("1\nforged", "Live.X\n", OkReply(), uint64_t{7});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("revision=7"), std::string::npos);
  EXPECT_NE(line.find("status=200"), std::string::npos);
}

TEST(TencentReplyTest, MapsConversionAndAuthenticationErrorsToTheirCodes) {
  EXPECT_EQ(ReplyForConversionError(absl::InvalidArgumentError("untagged")).status, 500);
  const HttpReply missing = ReplyForAuthenticationError(absl::UnauthenticatedError("no Sign"));
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.error_code, kErrorSignMissing);
  EXPECT_EQ(ReplyForAuthenticationError(absl::OutOfRangeError("late")).error_code,
            kErrorRequestTime);
  EXPECT_EQ(ReplyForAuthenticationError(absl::PermissionDeniedError("bad")).error_code,
            kErrorSignMismatch);
}

}  // namespace
}  // namespace liveevents::gateway
