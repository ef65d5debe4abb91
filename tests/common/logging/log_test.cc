#include "common/logging/log.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"

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

TEST(LogTest, JsonKeepsValidUtf8AndReplacesInvalidBytes) {
  // Each case: the value, and what the JSON string holds between its quotes.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x8e\x81", "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x8e\x81"},
      {"a\xff!", "a\\ufffd!"},                                   // Never in UTF-8.
      {"\x80", "\\ufffd"},                                       // Stray continuation byte.
      {"\xc0\xaf", "\\ufffd\\ufffd"},                            // Overlong '/'.
      {"\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd"},                 // Overlong, three bytes.
      {"\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd"},                 // A surrogate.
      {"\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"},      // Past U+10FFFF.
      {"x\xe2\x82", "x\\ufffd\\ufffd"},                          // Cut short at the end.
      {"\xe2\x82z\xe2\x82\xac", "\\ufffd\\ufffdz\xe2\x82\xac"},  // Cut short, then a whole "€".
  };
  for (const auto& [value, expected] : cases) {
    const std::string line = FormatFields("json", "e", {{"v", value}});
    EXPECT_EQ(line, "\"event\":\"e\",\"v\":\"" + expected + "\"}") << expected;
    // The line Log() writes, with the part the pattern adds: one valid JSON object.
    const nlohmann::json parsed =
        nlohmann::json::parse("{" + line, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(parsed.is_object()) << line;
  }
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
