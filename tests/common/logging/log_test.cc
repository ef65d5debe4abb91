#include "common/logging/log.h"

#include <gtest/gtest.h>

#include <vector>

namespace liveevents::logging {
namespace {

TEST(LogTest, TextQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(FormatFields("text", "request",
                         {{"app", "1400000001"},
                          {"status", 401},
                          {"reason", "Sign does not match"},
                          {"empty", ""},
                          {"quote", "a\"b\\c\nd"}}),
            "event=request app=1400000001 status=401 reason=\"Sign does not match\" empty=\"\" "
            "quote=\"a\\\"b\\\\c\\nd\"");
}

TEST(LogTest, JsonWritesNumbersBareAndEscapesStrings) {
  EXPECT_EQ(FormatFields("json", "spool", {{"events", 3}, {"full", true}, {"why", "a\"\x01"}}),
            "\"event\":\"spool\",\"events\":3,\"full\":true,\"why\":\"a\\\"\\u0001\"}");
}

TEST(LogTest, InitRefusesUnknownFormatOrLevelNamingTheFlag) {
  absl::Status status = Init("xml", "info");
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_NE(status.message().find("--log_format"), absl::string_view::npos);
  status = Init("text", "verbose");
  EXPECT_NE(status.message().find("--log_level"), absl::string_view::npos);
  EXPECT_TRUE(Init("json", "warn").ok());
  EXPECT_FALSE(Enabled(Level::kInfo));
  EXPECT_TRUE(Enabled(Level::kError));
  EXPECT_TRUE(Init("text", "info").ok());
  EXPECT_TRUE(Enabled(Level::kInfo));
}

}  // namespace
}  // namespace liveevents::logging
