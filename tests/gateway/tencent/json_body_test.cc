#include "gateway/tencent/json_body.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace liveevents::gateway {
namespace {

using nlohmann::json;

std::string Nested(int depth, const std::string& inner = "") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

TEST(JsonBodyTest, MeasuresNestingOutsideStringsOnly) {
  struct Case {
    const char* name;
    std::string text;
    int max_depth;
    bool deeper;
  };
  const std::vector<Case> cases = {
      {"flat", R"({"a":1})", 1, false},
      {"two levels", R"({"a":[1]})", 1, true},
      {"siblings do not add up", R"([[1],[2],{"a":3}])", 2, false},
      {"brackets in strings", R"({"a":"[[[[{{{{"})", 1, false},
      {"escaped quote keeps the string open", R"({"a":"\"[[[["})", 1, false},
      {"escaped backslash closes it", R"({"a":"\\",  "b":[[1]]})", 2, true},
      {"unbalanced closers", "]]]]]][[", 2, false},
      {"at the limit", Nested(kMaxJsonDepth), kMaxJsonDepth, false},
      {"one beyond", Nested(kMaxJsonDepth + 1), kMaxJsonDepth, true},
      {"very deep", std::string(40000, '['), kMaxJsonDepth, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(NestsDeeperThan(c.text, c.max_depth), c.deeper);
  }
}

TEST(JsonBodyTest, RefusesBodiesDeeperThanTheLimitBeforeParsing) {
  EXPECT_TRUE(ParseJsonBody(Nested(kMaxJsonDepth)).ok());
  for (const std::string& body :
       {Nested(kMaxJsonDepth + 1), Nested(50000), std::string(50000, '{') + "\"a\":"}) {
    const absl::StatusOr<json> parsed = ParseJsonBody(body);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message(),
              "body is not accepted: JSON nested deeper than 64 levels (the limit)");
  }
}

TEST(JsonBodyTest, ParsesStrictJsonOnly) {
  for (const char* bad : {"", "{", "{} {}", "{\"a\":1,}", "{\"a\":1 /* c */}", "[1] x", "nul"}) {
    SCOPED_TRACE(bad);
    const absl::StatusOr<json> parsed = ParseJsonBody(bad);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().message(), "body is not valid JSON");
  }
  const absl::StatusOr<json> parsed =
      ParseJsonBody(R"({"a":[1,-2,1.5,"s",true,null,{}],"b":{"c":18446744073709551615},"a2":0})");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, json::parse(R"({"a":[1,-2,1.5,"s",true,null,{}],"b":{"c":18446744073709551615},
                                    "a2":0})"));
}

TEST(JsonBodyTest, KeepsIntegersBeyond64BitsAsTheirDigits) {
  struct Case {
    const char* text;
    bool big;
  };
  const std::vector<Case> cases = {
      {"123456789012345678901234567890", true},
      {"-123456789012345678901234567890", true},
      {"18446744073709551616", true},   // 2^64: the first unsigned overflow.
      {"-9223372036854775809", true},   // One below int64's minimum.
      {"18446744073709551615", false},  // Still a uint64.
      {"1e30", false},
      {"1.5", false},
      {"12345678901234567890123.0", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const absl::StatusOr<json> parsed = ParseJsonBody(std::string("[") + c.text + "]");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(IsBigInteger((*parsed)[0]), c.big);
    if (c.big) {
      EXPECT_EQ(BigIntegerText((*parsed)[0]), c.text);
    }
  }
}

TEST(JsonBodyTest, WritesCompactJsonWithBigIntegersVerbatim) {
  const absl::StatusOr<json> parsed = ParseJsonBody(
      R"({ "b" : [ 1 , 123456789012345678901234567890 , "x\u00e9\"" ], "a" : { } , "c": 2.5 })");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(CompactJson(*parsed),
            "{\"a\":{},\"b\":[1,123456789012345678901234567890,\"x\xC3\xA9\\\"\"],\"c\":2.5}");
  EXPECT_EQ(CompactJson(*ParseJsonBody(Nested(kMaxJsonDepth))), Nested(kMaxJsonDepth));
}

}  // namespace
}  // namespace liveevents::gateway
