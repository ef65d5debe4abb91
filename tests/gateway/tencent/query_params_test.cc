#include "gateway/tencent/query_params.h"

#include "gtest/gtest.h"

namespace liveevents::gateway {
namespace {

TEST(QueryParamsTest, SplitsTargetAtFirstQuestionMark) {
  const Target target = SplitTarget("/callback?a=1?b");
  EXPECT_EQ(target.path, "/callback");
  EXPECT_EQ(target.query, "a=1?b");
  EXPECT_EQ(SplitTarget("/healthz").query, "");
}

TEST(QueryParamsTest, MatchesSdkAppIdSpellingsCaseInsensitively) {
  for (const char* key : {"SdkAppid", "SdkAppId", "SDKAppID", "sdkappid"}) {
    const CallbackQuery query = ParseCallbackQuery(std::string(key) + "=1400000001");
    EXPECT_EQ(query.sdk_app_id, "1400000001") << key;
  }
}

TEST(QueryParamsTest, AcceptsCallbackCommandOrWebhookCommand) {
  EXPECT_EQ(ParseCallbackQuery("CallbackCommand=Live.A").command, "Live.A");
  EXPECT_EQ(ParseCallbackQuery("WebhookCommand=Live.B").command, "Live.B");
  EXPECT_EQ(ParseCallbackQuery("webhookcommand=Live.B&CALLBACKCOMMAND=Live.A").command, "Live.A");
}

TEST(QueryParamsTest, ReadsEveryDocumentedParameter) {
  const CallbackQuery query = ParseCallbackQuery(
      "SdkAppid=1&CallbackCommand=Live.CallbackAfterCreateRoom&contenttype=JSON&ClientIP=10.0.0.1"
      "&OptPlatform=iOS&Sign=abc&RequestTime=1669872112");
  EXPECT_EQ(query.sdk_app_id, "1");
  EXPECT_EQ(query.command, "Live.CallbackAfterCreateRoom");
  EXPECT_EQ(query.client_ip, "10.0.0.1");
  EXPECT_EQ(query.opt_platform, "iOS");
  EXPECT_EQ(query.sign, "abc");
  EXPECT_EQ(query.request_time, "1669872112");
}

TEST(QueryParamsTest, PercentDecodesKeysAndValues) {
  const QueryParams params = QueryParams::Parse("Client%49P=%3A%3a1&x=a+b%20c&&empty=&flag");
  EXPECT_EQ(params.Get("ClientIP"), "::1");
  EXPECT_EQ(params.Get("x"), "a b c");
  EXPECT_EQ(params.Get("empty"), "");
  EXPECT_EQ(params.Get("flag"), "");
  EXPECT_EQ(params.Get("missing"), std::nullopt);
}

TEST(QueryParamsTest, KeepsMalformedEscapesLiterally) {
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("%41%42"), "AB");
}

TEST(QueryParamsTest, FirstOccurrenceWins) {
  EXPECT_EQ(QueryParams::Parse("a=1&A=2").Get("a"), "1");
}

}  // namespace
}  // namespace liveevents::gateway
