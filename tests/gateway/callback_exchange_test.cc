// CallbackExchange without sockets: an io_context runs the budget timer and the answer
// callbacks, a fake publisher answers or holds the Publish, a fake clock and log are injected.
// Every wait is bounded by run_for; nothing sleeps.
#include "gateway/callback_exchange.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio/io_context.hpp"
#include "common/logging/log.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/gateway/publish/fake_event_publisher.h"

namespace liveevents::gateway {
namespace {

namespace net = boost::asio;

constexpr char kOkBody[] = R"({"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0})";
constexpr char kTarget[] = "/callback?SdkAppid=1400000001";
constexpr char kCreateRoom[] =
    R"({"CallbackCommand":"Live.CallbackAfterCreateRoom","RoomInfo":{"RoomId":"r1"}})";
constexpr char kGift[] =
    R"({"CallbackCommand":"Live.CallbackBeforeSendGift","RoomId":"r","GiftWater":{"GiftId":"g"}})";
constexpr auto kBound = std::chrono::seconds(10);

class CallbackExchangeTest : public ::testing::Test {
 protected:
  CallbackExchangeTest() {
    RequestHandler::Options options;
    options.apps = {1400000001};
    handler_.emplace(std::move(options));
  }

  CallbackExchange& Exchange(std::chrono::steady_clock::duration budget,
                             bool log_successes = true) {
    CallbackExchange::Options options;
    options.before_callback_budget = budget;
    options.log_successes = log_successes;
    options.clock = [] { return absl::FromUnixMillis(1700000000123); };
    options.log = [this](absl::string_view line) {
      absl::MutexLock lock(&mu_);
      log_.emplace_back(line);
    };
    exchange_.emplace(*handler_, publisher_, std::move(options));
    return *exchange_;
  }

  // An exchange that logs as in production: structured lines through common/logging, refusals
  // rate-limited.
  CallbackExchange& StructuredExchange() {
    CallbackExchange::Options options;
    options.clock = [] { return absl::FromUnixMillis(1700000000123); };
    exchange_.emplace(*handler_, publisher_, std::move(options));
    return *exchange_;
  }

  // Starts one exchange; the answer lands in answer_ (on whichever thread gives it).
  void Start(const std::string& body, const std::string& target = kTarget) {
    exchange_->Handle(HttpRequest{"POST", target, body, ioc_.get_executor()},
                      [this](HttpAnswer answer) {
                        absl::MutexLock lock(&mu_);
                        ++answers_;
                        answer_ = std::move(answer);
                      });
  }

  // Runs the io_context until the answer arrived (bounded).
  std::optional<HttpAnswer> Answer() {
    const auto deadline = std::chrono::steady_clock::now() + kBound;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        absl::MutexLock lock(&mu_);
        if (answer_.has_value()) return answer_;
      }
      ioc_.restart();
      ioc_.run_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

  std::vector<std::string> Log() {
    absl::MutexLock lock(&mu_);
    return log_;
  }

  net::io_context ioc_;
  FakeEventPublisher publisher_;
  std::optional<RequestHandler> handler_;
  std::optional<CallbackExchange> exchange_;
  absl::Mutex mu_;
  std::optional<HttpAnswer> answer_ ABSL_GUARDED_BY(mu_);
  int answers_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> log_ ABSL_GUARDED_BY(mu_);
};

TEST_F(CallbackExchangeTest, AnswersOkOnceThePublishSucceeded) {
  Exchange(std::chrono::milliseconds(500));
  Start(kCreateRoom);
  const std::optional<HttpAnswer> answer = Answer();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, kOkBody);
  ASSERT_EQ(publisher_.events().size(), 1u);
  EXPECT_EQ(publisher_.events()[0].received_time_ms(), 1700000000123);
  ASSERT_EQ(Log().size(), 1u);
  EXPECT_EQ(Log()[0],
            "request app=1400000001 command=Live.CallbackAfterCreateRoom status=200 code=0 "
            "revision=1");
}

TEST_F(CallbackExchangeTest, ByDefaultLogsOnlyRequestsThatWereNotOk) {
  Exchange(std::chrono::milliseconds(500), /*log_successes=*/false);
  Start(kCreateRoom);
  ASSERT_TRUE(Answer().has_value());
  EXPECT_TRUE(Log().empty());
  {
    absl::MutexLock lock(&mu_);
    answer_.reset();
  }
  Start("{");
  const std::optional<HttpAnswer> refused = Answer();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 400);
  ASSERT_EQ(Log().size(), 1u);
  EXPECT_TRUE(absl::StrContains(Log()[0], "status=400")) << Log()[0];
}

TEST_F(CallbackExchangeTest, AnswersRefusedRequestsAtOnceWithoutPublishing) {
  Exchange(std::chrono::milliseconds(500));
  Start("{");
  const std::optional<HttpAnswer> answer = Answer();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 400);
  EXPECT_TRUE(publisher_.events().empty());
}

TEST_F(CallbackExchangeTest, AfterCallbackWaitsForThePublishAndAnswers503OnFailure) {
  Exchange(std::chrono::milliseconds(1));
  publisher_.HoldAnswers();
  Start(kCreateRoom);
  ASSERT_TRUE(publisher_.WaitForHeld(1));
  ioc_.restart();
  ioc_.poll();  // Whatever is ready runs; an after-callback has no budget timer to fire.
  {
    absl::MutexLock lock(&mu_);
    EXPECT_FALSE(answer_.has_value());
  }
  publisher_.FailWith(absl::UnavailableError("service down"));
  publisher_.ReleaseAnswers();
  const std::optional<HttpAnswer> answer = Answer();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 503);
}

TEST_F(CallbackExchangeTest, AnswersTheDecisionOnBudgetAndLogsTheBackgroundPublish) {
  Exchange(std::chrono::milliseconds(5));
  publisher_.HoldAnswers();
  Start(kGift);
  const std::optional<HttpAnswer> answer = Answer();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, kOkBody);
  publisher_.ReleaseAnswers();  // Completes now, after the answer: logged, not answered twice.
  const std::vector<std::string> log = Log();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0], "before-callback answered before its publish finished (budget spent)");
  EXPECT_EQ(log[2],
            "background publish app=1400000001 command=Live.CallbackBeforeSendGift: stored, "
            "revision=1");
  ioc_.restart();
  ioc_.poll();
  absl::MutexLock lock(&mu_);
  EXPECT_EQ(answers_, 1);
}

TEST_F(CallbackExchangeTest, AnswersTheDecisionWhenThePublishFailsWithinTheBudget) {
  Exchange(std::chrono::seconds(30));
  publisher_.FailWith(absl::UnavailableError("service down"));
  Start(kGift);
  const std::optional<HttpAnswer> answer = Answer();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, kOkBody);
  // The cancelled 30 s timer does not keep the io_context busy.
  ioc_.restart();
  ioc_.run_for(kBound);  // Returns as soon as nothing is left to run.
  EXPECT_TRUE(ioc_.stopped());
}

TEST_F(CallbackExchangeTest, RendersRefusalsAsClosingTencentAnswers) {
  CallbackExchange& exchange = Exchange(std::chrono::milliseconds(500));
  const HttpAnswer too_large =
      exchange.Refuse({HttpRefusal::Kind::kBodyTooLarge, "body limit exceeded", 1024});
  EXPECT_EQ(too_large.status, 413);
  EXPECT_TRUE(too_large.close);
  EXPECT_NE(too_large.body.find("1024 bytes"), std::string::npos);
  EXPECT_EQ(exchange.Refuse({HttpRefusal::Kind::kHeaderTooLarge, "header limit exceeded"}).status,
            431);
  const HttpAnswer bad = exchange.Refuse({HttpRefusal::Kind::kBadRequest, "bad method"});
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(bad.close);
  EXPECT_EQ(Log().size(), 3u);
}

// The JSON lines common/logging writes to stderr while `run` runs (level warn), each parsed;
// a line that is not valid JSON fails the test.
template <typename Run>
std::vector<nlohmann::json> JsonLogLines(Run run) {
  EXPECT_TRUE(logging::Init("json", "warn").ok());
  ::testing::internal::CaptureStderr();
  run();
  const std::string text = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(logging::Init("text", "info").ok());
  std::vector<nlohmann::json> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(parsed.is_object()) << "not a JSON object: " << line;
    if (parsed.is_object()) lines.push_back(std::move(parsed));
  }
  return lines;
}

TEST_F(CallbackExchangeTest, LogsTheClientsBytesInAReasonEscapedAndCut) {
  StructuredExchange();
  // The query's command (invalid UTF-8 and an ESC) differs from the body's: the reason quotes
  // both. Then a body command long enough to push the reason past the bound.
  const std::string target = absl::StrCat(kTarget, "&CallbackCommand=%FF%1B[2J&x=1");
  const std::string long_command(1000, 'A');
  const std::vector<nlohmann::json> lines = JsonLogLines([&] {
    Start(kCreateRoom, target);
    Start(absl::StrCat(R"({"CallbackCommand":")", long_command, R"("})"), target);
  });
  ASSERT_EQ(lines.size(), 2u);
  const std::string reason = lines[0].value("reason", "");
  EXPECT_TRUE(absl::StrContains(reason, "differs from")) << reason;
  // The invalid byte is replaced, the ESC hex-escaped: neither reaches the log raw.
  EXPECT_TRUE(absl::StrContains(reason, "\xef\xbf\xbd\\x1b[2J")) << reason;
  const std::string cut = lines[1].value("reason", "");
  // Cut at 256 bytes of the reason (more than 1000 here), before escaping.
  EXPECT_LT(cut.size(), 300u) << cut;
  EXPECT_TRUE(absl::EndsWith(cut, "AAA...")) << cut;
}

TEST_F(CallbackExchangeTest, RefusalsWithTheLevelOffDoNotSpendTheLogBudget) {
  StructuredExchange();
  const HttpRefusal refusal{HttpRefusal::Kind::kBadRequest, "bad", 0};
  ASSERT_TRUE(logging::Init("json", "off").ok());
  // More than the limiter's burst: had they been counted, the next line would be held back or
  // say "suppressed".
  for (int i = 0; i < 50; ++i) exchange_->Refuse(refusal);
  const std::vector<nlohmann::json> lines = JsonLogLines([&] { exchange_->Refuse(refusal); });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].value("event", ""), "request");
  EXPECT_FALSE(lines[0].contains("suppressed")) << lines[0].dump();
}

}  // namespace
}  // namespace liveevents::gateway
