// Golden tests of the callback converter: every fixture in tests/gateway/tencent/fixtures/ is a
// strict-JSON body typed from the field tables of Tencent's per-command pages (never copied from
// Tencent's samples, which are not valid JSON), and next to it `<name>.textproto` holds the Event
// the converter must produce for fixed query inputs. Fixture names are
// `<CallbackCommand>[.<variant>].json`; the command part is also passed as the query's
// CallbackCommand, as Tencent sends both.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "gateway/tencent/callback_converter.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace liveevents::gateway {
namespace {

using liveevents::v1::Event;

constexpr char kFixturesDir[] = LIVEEVENTS_GATEWAY_FIXTURES_DIR;
constexpr uint64_t kAppId = 1400000001;
constexpr int64_t kReceivedMs = 1700000000123;
constexpr char kClientIp[] = "10.0.0.1";
constexpr char kOptPlatform[] = "Android";

// The 18 deliverable commands of Tencent's list (https://trtc.io/document/64413).
constexpr const char* kSpecCommands[] = {
    "Live.CallbackAfterCreateRoom",         "Live.CallbackAfterDestroyRoom",
    "Live.CallbackAfterUpdateRoomInfo",     "Live.CallbackAfterSetMetadata",
    "Live.CallbackAfterDelMetadata",        "Live.CallbackAfterCreateRoomReachingThreshold",
    "Live.CallbackAfterMemberStateChanged", "Live.CallbackAfterChangeOwner",
    "Live.CallbackAfterModifyAdmin",        "Mic.CallbackAfterSeatInfoChanged",
    "Live.CallbackAfterCreateBattle",       "Live.CallbackAfterStartBattle",
    "Live.CallbackAfterEndBattle",          "Live.CallbackBeforeSendGift",
    "Group.CallbackAfterSendMsg",           "Group.CallbackBeforeSendMsg",
    "Follow.CallbackAfterFollowAdd",        "Follow.CallbackAfterFollowDelete",
};

std::filesystem::path FixturePath(const std::string& stem, const char* extension) {
  return std::filesystem::path(kFixturesDir) / (stem + extension);
}

// The file's bytes, or nullopt when it cannot be read.
std::optional<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// File names without extension, sorted, of the fixtures with the given extension. Evaluated when
// the tests are registered, so a missing directory shows up as "no fixtures" (and fails below).
std::vector<std::string> ListStems(const char* extension) {
  std::vector<std::string> stems;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(kFixturesDir, error)) {
    if (entry.path().extension() == extension) stems.push_back(entry.path().stem().string());
  }
  std::sort(stems.begin(), stems.end());
  return stems;
}

// "Live.CallbackAfterDestroyRoom.without_room_info" -> "Live.CallbackAfterDestroyRoom": every
// command name has exactly one dot.
std::string CommandOf(const std::string& stem) {
  const std::vector<std::string> parts = absl::StrSplit(stem, '.');
  return parts.size() < 2 ? stem : parts[0] + "." + parts[1];
}

class GoldenTest : public testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, ConvertsFixtureToExpectedEvent) {
  const std::string& stem = GetParam();
  const std::optional<std::string> body = ReadFile(FixturePath(stem, ".json"));
  ASSERT_TRUE(body.has_value()) << "cannot read " << FixturePath(stem, ".json");
  const std::optional<std::string> expected_text = ReadFile(FixturePath(stem, ".textproto"));
  ASSERT_TRUE(expected_text.has_value()) << "cannot read " << FixturePath(stem, ".textproto");

  Event expected;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(*expected_text, &expected))
      << stem << ".textproto is not a valid liveevents.v1.Event (parser errors are logged above)";

  const std::string command = CommandOf(stem);
  const absl::StatusOr<Event> actual =
      ConvertCallback(CallbackInput{kAppId, command, *body, kReceivedMs, kClientIp, kOptPlatform});
  ASSERT_TRUE(actual.ok()) << actual.status();

  // raw_body would repeat the whole fixture inside the textproto; it is checked byte for byte here.
  EXPECT_EQ(actual->raw_body(), *body);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.IgnoreField(Event::descriptor()->FindFieldByName("raw_body"));
  std::string diff;
  differencer.ReportDifferencesToString(&diff);
  // "added" = only in the converter's output, "deleted" = only in the golden file.
  EXPECT_TRUE(differencer.Compare(expected, *actual))
      << "converter output differs from " << stem << ".textproto:\n"
      << diff << "\nfull output:\n"
      << actual->DebugString();
}

// gtest parameter names allow only [A-Za-z0-9_].
std::string ParamName(const testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GoldenTest, testing::ValuesIn(ListStems(".json")), ParamName);

TEST(GoldenCoverageTest, EveryCommandOfSpecSection2HasAFixture) {
  std::set<std::string> covered;
  for (const std::string& stem : ListStems(".json")) covered.insert(CommandOf(stem));
  for (const char* command : kSpecCommands) {
    EXPECT_TRUE(covered.count(command)) << "no fixture for " << command << " in " << kFixturesDir;
  }
}

TEST(GoldenCoverageTest, EveryFixtureHasExactlyOneExpectedEvent) {
  EXPECT_EQ(ListStems(".json"), ListStems(".textproto"));
}

}  // namespace
}  // namespace liveevents::gateway
