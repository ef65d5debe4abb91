// The request limits as table tests: page sizes, id lengths, error quoting, resume points and
// the page byte budget.
#include "service/core/request_limits.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace liveevents::service {
namespace {

TEST(RequestLimitsTest, PageSizeDefaultsClampsAndRefusesNegatives) {
  struct Case {
    int64_t requested;
    int want;  // -1: INVALID_ARGUMENT.
  };
  const std::vector<Case> cases = {
      {0, 100},           {1, 1},   {99, 99},       {100, 100},      {1000, 1000}, {1001, 1000},
      {2147483647, 1000}, {-1, -1}, {-1000000, -1}, {INT64_MIN, -1},
  };
  for (const Case& c : cases) {
    absl::StatusOr<int> size = PageSize(c.requested, "page_size");
    if (c.want < 0) {
      EXPECT_EQ(size.status().code(), absl::StatusCode::kInvalidArgument) << c.requested;
      EXPECT_NE(size.status().message().find("page_size"), absl::string_view::npos);
    } else {
      ASSERT_TRUE(size.ok()) << c.requested;
      EXPECT_EQ(*size, c.want) << c.requested;
    }
  }
}

TEST(RequestLimitsTest, IdsUpToTheLimitPassAndLongerOnesAreRefusedWithAShortMessage) {
  EXPECT_TRUE(CheckIdLength("", "room_id").ok());
  EXPECT_TRUE(CheckIdLength(std::string(kMaxIdBytes, 'r'), "room_id").ok());
  const std::string huge(1 << 20, 'r');
  absl::Status status = CheckIdLength(huge, "room_id");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(status.message().size(), 256u);
  EXPECT_NE(status.message().find("room_id"), absl::string_view::npos);
  EXPECT_NE(status.message().find("1048576 bytes"), absl::string_view::npos);
}

TEST(RequestLimitsTest, QuoteForErrorEscapesAndCutsLongText) {
  EXPECT_EQ(QuoteForError("room-1"), "\"room-1\"");
  EXPECT_EQ(QuoteForError(std::string("a\"\n\0", 4)), "\"a\\\"\\n\\x00\"");
  const std::string quoted = QuoteForError(std::string(100000, 'x'));
  EXPECT_LT(quoted.size(), 100u);
  EXPECT_NE(quoted.find("(100000 bytes)"), std::string::npos);
}

TEST(RequestLimitsTest, ResumePointsNeverWrap) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  struct Case {
    uint64_t after, oldest, head;
    absl::StatusCode want;
  };
  const std::vector<Case> cases = {
      {0, 0, 0, absl::StatusCode::kOk},
      {0, 1, 5, absl::StatusCode::kOk},
      {5, 1, 5, absl::StatusCode::kOk},
      {6, 1, 5, absl::StatusCode::kOutOfRange},
      {kMax, 1, 5, absl::StatusCode::kOutOfRange},  // after + 1 wrapped to 0 once.
      {kMax, 0, 0, absl::StatusCode::kOutOfRange},
      {kMax, 10, 20, absl::StatusCode::kOutOfRange},
      {8, 10, 20, absl::StatusCode::kFailedPrecondition},
      {9, 10, 20, absl::StatusCode::kOk},
      {0, 10, 20, absl::StatusCode::kFailedPrecondition},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CheckResumePoint(c.after, c.oldest, c.head).code(), c.want)
        << c.after << " " << c.oldest << " " << c.head;
  }
}

TEST(RequestLimitsTest, PageBudgetAlwaysTakesTheFirstItemAndStopsAtTheLimit) {
  PageBudget budget(100);
  EXPECT_TRUE(budget.Take(60));
  EXPECT_TRUE(budget.Take(40));
  EXPECT_FALSE(budget.Take(1));

  PageBudget oversized(100);
  EXPECT_TRUE(oversized.Take(1000));  // Alone on its page, so paging advances.
  EXPECT_FALSE(oversized.Take(1));
}

}  // namespace
}  // namespace liveevents::service
