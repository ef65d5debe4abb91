#include "gateway/tencent/json_reader.h"

#include <string>

#include "gtest/gtest.h"

namespace liveevents::gateway {
namespace {

using nlohmann::json;

TEST(JsonReaderTest, ReadsAccountsAsExactDecimalText) {
  const json object = json::parse(
      R"({"a":"user1","b":144115245442327522,"c":-7,"d":18446744073709551615,"e":1.0})");
  absl::Status status;
  JsonReader reader(object, "Root", &status);
  EXPECT_EQ(reader.Account("a"), "user1");
  EXPECT_EQ(reader.Account("b"), "144115245442327522");
  EXPECT_EQ(reader.Account("c"), "-7");
  EXPECT_EQ(reader.Account("d"), "18446744073709551615");
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(reader.Account("e"), std::nullopt);
  EXPECT_EQ(status.message(), "Root.e: expected string or integer account, got float 1.0");
}

TEST(JsonReaderTest, AcceptsOnlyStrictDecimalStringsAsIntegers) {
  const json object = json::parse(R"({"a":"-5","b":"12","c":"+5","d":" 5","e":"","f":"1e3",
                                      "g":"99999999999999999999"})");
  for (const char* bad : {"c", "d", "e", "f", "g"}) {
    absl::Status status;
    JsonReader reader(object, "", &status);
    EXPECT_EQ(reader.Int(bad), std::nullopt) << bad;
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  absl::Status status;
  JsonReader reader(object, "", &status);
  EXPECT_EQ(reader.Int("a"), -5);
  EXPECT_EQ(reader.Int("b"), 12);
  EXPECT_TRUE(status.ok());
}

TEST(JsonReaderTest, TreatsAbsentAndNullAsAbsentWithoutError) {
  const json object = json::parse(R"({"n":null})");
  absl::Status status;
  JsonReader reader(object, "", &status);
  EXPECT_EQ(reader.String("n"), std::nullopt);
  EXPECT_EQ(reader.Int("missing"), std::nullopt);
  EXPECT_FALSE(reader.Object("n").has_value());
  EXPECT_TRUE(status.ok());
}

TEST(JsonReaderTest, KeepsTheFirstErrorAndStopsReading) {
  const json object = json::parse(R"({"a":1,"b":true,"c":"ok"})");
  absl::Status status;
  JsonReader reader(object, "", &status);
  EXPECT_EQ(reader.String("a"), std::nullopt);
  EXPECT_EQ(reader.Int("b"), std::nullopt);
  EXPECT_EQ(reader.String("c"), std::nullopt);  // Reads stop after the first error.
  EXPECT_EQ(status.message(), "a: expected string, got integer 1");
}

TEST(JsonReaderTest, NamesNestedArrayElementPaths) {
  const json object = json::parse(R"({"List":[{"X":1},{"X":"a"}]})");
  absl::Status status;
  JsonReader reader(object, "", &status);
  int visited = 0;
  reader.ForEachObject("List", [&](JsonReader& element) {
    ++visited;
    element.Int("X");
  });
  EXPECT_EQ(visited, 2);
  EXPECT_EQ(status.message(), R"(List[1].X: expected integer, got string "a")");
}

TEST(JsonReaderTest, SerialisesAnyValueCompactly) {
  const json object = json::parse(R"({"c":{ "Text" : [1, "x"] }})");
  absl::Status status;
  JsonReader reader(object, "", &status);
  EXPECT_EQ(reader.JsonText("c"), R"({"Text":[1,"x"]})");
}

TEST(JsonReaderTest, TruncatesLongValuesInDescriptions) {
  const std::string described = DescribeJson(json(std::string(200, 'x')));
  EXPECT_LT(described.size(), 100u);
  EXPECT_EQ(described.substr(described.size() - 3), "...");
  EXPECT_EQ(DescribeJson(json::array()), "array");
}

}  // namespace
}  // namespace liveevents::gateway
