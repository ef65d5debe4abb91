// Range checks name the flag and the value they refuse.
#include "common/flag_checks.h"

#include <gtest/gtest.h>

#include <cmath>

namespace liveevents {
namespace {

TEST(FlagChecksTest, HostPortNeedsAPortFromZeroTo65535) {
  for (const char* good : {"127.0.0.1:0", "0.0.0.0:65535", "[::]:50051", "localhost:8080"}) {
    EXPECT_TRUE(CheckHostPort("grpc_address", good).ok()) << good;
  }
  for (const char* bad : {"127.0.0.1:70000", "127.0.0.1:-1", "127.0.0.1:", ":80", "localhost",
                          "127.0.0.1:80x", "127.0.0.1:000080"}) {
    const absl::Status status = CheckHostPort("grpc_address", bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(status.message().find("--grpc_address"), absl::string_view::npos) << status;
  }
}

TEST(FlagChecksTest, RangesNameTheFlagAndTheValue) {
  EXPECT_TRUE(CheckPositive("wait", absl::Milliseconds(1)).ok());
  EXPECT_EQ(CheckPositive("wait", absl::ZeroDuration()).message(),
            "--wait must be positive: got 0");
  EXPECT_TRUE(CheckNonNegative("wait", absl::ZeroDuration()).ok());
  EXPECT_EQ(CheckNonNegative("wait", absl::Seconds(-1)).message(),
            "--wait must not be negative: got -1s");
  EXPECT_TRUE(CheckNonNegative("hours", 0.0).ok());
  EXPECT_FALSE(CheckNonNegative("hours", -0.5).ok());
  EXPECT_FALSE(CheckNonNegative("hours", std::nan("")).ok());
  EXPECT_TRUE(CheckAtLeast("threads", 1, 1).ok());
  EXPECT_EQ(CheckAtLeast("threads", 0, 1).message(), "--threads must be at least 1: got 0");
}

}  // namespace
}  // namespace liveevents
