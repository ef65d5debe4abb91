#include "client/reconnect_policy.h"

#include <gtest/gtest.h>

namespace liveevents::client {
namespace {

TEST(BackoffDelayTest, DoublesFromInitialUpToMaxWithoutJitter) {
  const BackoffPolicy policy{absl::Milliseconds(100), absl::Seconds(5), 0.2};
  struct Case {
    int attempt;
    absl::Duration want;
  };
  const Case cases[] = {
      {0, absl::Milliseconds(100)},  {1, absl::Milliseconds(200)}, {2, absl::Milliseconds(400)},
      {5, absl::Milliseconds(3200)}, {6, absl::Seconds(5)},        {7, absl::Seconds(5)},
      {1000, absl::Seconds(5)},
  };
  for (const Case& c : cases) {
    // random01 = 0 removes no jitter: the delay is the full exponential step.
    EXPECT_EQ(BackoffDelay(c.attempt, policy, 0.0), c.want) << "attempt " << c.attempt;
  }
}

TEST(BackoffDelayTest, JitterRemovesUpToItsFraction) {
  const BackoffPolicy policy{absl::Milliseconds(100), absl::Seconds(5), 0.2};
  struct Case {
    int attempt;
    double random01;
    absl::Duration want;
  };
  const Case cases[] = {
      {0, 0.5, absl::Milliseconds(90)},    {0, 1.0, absl::Milliseconds(80)},
      {10, 0.5, absl::Milliseconds(4500)}, {10, 1.0, absl::Seconds(4)},
      {0, -3.0, absl::Milliseconds(100)},  // Out-of-range draws are clamped.
      {0, 7.0, absl::Milliseconds(80)},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(BackoffDelay(c.attempt, policy, c.random01), c.want)
        << "attempt " << c.attempt << " random " << c.random01;
  }
}

// The default is full jitter: anywhere from the whole step down to nothing.
TEST(BackoffDelayTest, DefaultJitterIsFull) {
  const BackoffPolicy policy{absl::Milliseconds(100), absl::Seconds(5)};
  EXPECT_EQ(BackoffDelay(2, policy, 0.0), absl::Milliseconds(400));
  EXPECT_EQ(BackoffDelay(2, policy, 0.5), absl::Milliseconds(200));
  EXPECT_EQ(BackoffDelay(2, policy, 1.0), absl::ZeroDuration());
}

TEST(BackoffDelayTest, DegeneratePoliciesStayNonNegative) {
  EXPECT_EQ(BackoffDelay(3, {absl::ZeroDuration(), absl::Seconds(1), 0.2}, 0.5),
            absl::ZeroDuration());
  EXPECT_EQ(BackoffDelay(0, {absl::Seconds(2), absl::Seconds(1), 0.0}, 0.5), absl::Seconds(2));
  EXPECT_EQ(BackoffDelay(0, {-absl::Seconds(1), absl::Seconds(1), 0.0}, 0.5), absl::ZeroDuration());
  EXPECT_EQ(BackoffDelay(2, {absl::Seconds(1), absl::Seconds(10), 5.0}, 1.0), absl::ZeroDuration());
}

TEST(DecideStreamEndTest, RetriesTransientEndsAndSurfacesTheRest) {
  struct Case {
    absl::StatusCode code;
    StreamEndAction want;
  };
  const Case cases[] = {
      {absl::StatusCode::kOk, StreamEndAction::kReconnect},
      {absl::StatusCode::kUnavailable, StreamEndAction::kReconnect},
      {absl::StatusCode::kResourceExhausted, StreamEndAction::kReconnect},
      {absl::StatusCode::kInternal, StreamEndAction::kReconnect},
      {absl::StatusCode::kDeadlineExceeded, StreamEndAction::kReconnect},
      {absl::StatusCode::kAborted, StreamEndAction::kReconnect},
      {absl::StatusCode::kCancelled, StreamEndAction::kReconnect},
      {absl::StatusCode::kFailedPrecondition, StreamEndAction::kResnapshot},
      {absl::StatusCode::kOutOfRange, StreamEndAction::kTerminate},
      {absl::StatusCode::kInvalidArgument, StreamEndAction::kTerminate},
      {absl::StatusCode::kNotFound, StreamEndAction::kTerminate},
      {absl::StatusCode::kPermissionDenied, StreamEndAction::kTerminate},
      {absl::StatusCode::kUnauthenticated, StreamEndAction::kTerminate},
      {absl::StatusCode::kUnimplemented, StreamEndAction::kTerminate},
      {absl::StatusCode::kUnknown, StreamEndAction::kTerminate},
      {absl::StatusCode::kDataLoss, StreamEndAction::kTerminate},
      {absl::StatusCode::kAlreadyExists, StreamEndAction::kTerminate},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DecideStreamEnd(c.code), c.want) << absl::StatusCodeToString(c.code);
  }
}

}  // namespace
}  // namespace liveevents::client
