#include "common/logging/log_rate_limiter.h"

#include <gtest/gtest.h>

namespace liveevents::logging {
namespace {

TEST(LogRateLimiterTest, LetsABurstThroughThenCountsWhatItDrops) {
  absl::Time now = absl::FromUnixSeconds(1000);
  LogRateLimiter limiter({.lines_per_second = 1, .burst = 3, .clock = [&now] { return now; }});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Admit("bad_request"), 0u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter.Admit("bad_request"), std::nullopt);
  // Other keys have buckets of their own.
  EXPECT_EQ(limiter.Admit("bad_signature"), 0u);
  now += absl::Seconds(1);
  EXPECT_EQ(limiter.Admit("bad_request"), 5u);  // The line let through reports the dropped.
  EXPECT_EQ(limiter.Admit("bad_request"), std::nullopt);
  now += absl::Seconds(10);  // Refills up to the burst only.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit("bad_request").has_value());
  EXPECT_EQ(limiter.Admit("bad_request"), std::nullopt);
}

}  // namespace
}  // namespace liveevents::logging
