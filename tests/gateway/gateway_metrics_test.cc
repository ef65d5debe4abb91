#include "gateway/gateway_metrics.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace liveevents::gateway {
namespace {

TEST(GatewayMetricsTest, OutcomeOfReplyByErrorCode) {
  struct Case {
    int error_code;
    std::optional<RequestOutcome> outcome;
  };
  for (const Case& c : {
           Case{kErrorNone, std::nullopt},  // /healthz
           Case{kErrorSignMissing, RequestOutcome::kBadSignature},
           Case{kErrorSignMismatch, RequestOutcome::kBadSignature},
           Case{kErrorRequestTime, RequestOutcome::kBadSignature},
           Case{kErrorForbiddenApp, RequestOutcome::kRejected},
           Case{kErrorUnavailable, RequestOutcome::kRejected},
           Case{kErrorMalformedJson, RequestOutcome::kBadRequest},
           Case{kErrorNotFound, RequestOutcome::kBadRequest},
           Case{kErrorBodyTooLarge, RequestOutcome::kBadRequest},
       }) {
    HttpReply reply;
    reply.error_code = c.error_code;
    EXPECT_EQ(OutcomeOfReply(reply), c.outcome) << c.error_code;
  }
}

TEST(GatewayMetricsTest, OutcomeOfPublishByResponse) {
  liveevents::v1::PublishResponse response;
  response.set_revision(5);
  EXPECT_EQ(OutcomeOfPublish(response), RequestOutcome::kOk);
  response.set_stale(true);
  EXPECT_EQ(OutcomeOfPublish(response), RequestOutcome::kStale);
  response.set_duplicate(true);
  EXPECT_EQ(OutcomeOfPublish(response), RequestOutcome::kDuplicate);
  EXPECT_EQ(OutcomeOfPublish(liveevents::v1::PublishResponse()), RequestOutcome::kSpooled);
  EXPECT_EQ(OutcomeOfPublish(absl::ResourceExhaustedError("spool full")),
            RequestOutcome::kRejected);
}

TEST(GatewayMetricsTest, UnknownCommandsShareOneLabel) {
  metrics::Registry registry;
  GatewayMetrics metrics(registry);
  metrics.CountRequest("Live.CallbackAfterCreateRoom", RequestOutcome::kOk);
  metrics.CountRequest("Made.Up1", RequestOutcome::kBadRequest);
  metrics.CountRequest("Made.Up2", RequestOutcome::kBadRequest);
  const std::string text = registry.Render();
  EXPECT_TRUE(absl::StrContains(
      text,
      "liveevents_gateway_requests_total{command=\"Live.CallbackAfterCreateRoom\",outcome=\"ok\"} "
      "1\n"));
  EXPECT_TRUE(absl::StrContains(
      text, "liveevents_gateway_requests_total{command=\"unknown\",outcome=\"bad_request\"} 2\n"));
  EXPECT_FALSE(absl::StrContains(text, "Made.Up"));
}

}  // namespace
}  // namespace liveevents::gateway
