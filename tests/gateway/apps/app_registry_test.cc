// The apps file: parsing, every validation error, the union with --apps, and reloads that keep the
// old registry when the new file is bad (the path SIGHUP takes, without any signal).
#include "gateway/apps/app_registry.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/apps/reloadable_app_registry.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_path.h"

namespace liveevents::gateway {
namespace {

constexpr char kSecret[] = "s3cret-token-value";
constexpr char kGood[] = R"({"apps": [
  {"sdk_app_id": 1400000001, "token": "s3cret-token-value",
   "policy": {"deny_gift_ids": ["rocket"], "deny_senders": ["troll"],
              "gift_deny_code": 102150, "message_deny_code": 2}},
  {"sdk_app_id": 1400000002}
]})";

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good());
}

// Unique to the running test and process: ctest -j runs tests side by side.
std::string TempPath(const std::string& name) { return liveevents::testing::UniqueTempPath(name); }

TEST(AppRegistryTest, ParsesTokensAndPolicies) {
  const absl::StatusOr<AppRegistry> registry = AppRegistry::Parse(kGood, {});
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ(registry->size(), 2u);
  const AppConfig* first = registry->Find(1400000001);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->token, kSecret);
  EXPECT_TRUE(first->policy.deny_gift_ids.contains("rocket"));
  EXPECT_TRUE(first->policy.deny_senders.contains("troll"));
  EXPECT_EQ(first->policy.gift_deny_code, 102150);
  EXPECT_EQ(first->policy.message_deny_code, 2);
  const AppConfig* second = registry->Find(1400000002);
  ASSERT_NE(second, nullptr);
  EXPECT_TRUE(second->token.empty());
  EXPECT_TRUE(second->policy.deny_senders.empty());
  EXPECT_EQ(second->policy.gift_deny_code, 1);
  EXPECT_EQ(registry->Find(7), nullptr);
}

TEST(AppRegistryTest, JoinsTheAppsFlagKeepingTheFilesSettings) {
  const absl::StatusOr<AppRegistry> registry = AppRegistry::Parse(kGood, {1400000001, 1400000009});
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ(registry->size(), 3u);
  EXPECT_EQ(registry->Find(1400000001)->token, kSecret);  // The file's entry wins.
  ASSERT_NE(registry->Find(1400000009), nullptr);
  EXPECT_TRUE(registry->Find(1400000009)->token.empty());
  EXPECT_EQ(registry->apps_with_token(), 1u);
  EXPECT_EQ(registry->Summary(), "3 app(s), 1 with a token");
}

struct ErrorCase {
  const char* name;
  std::string json;
  std::string expected;  // A substring of the message.
};

TEST(AppRegistryTest, RefusesBadFilesWithAClearMessage) {
  const std::vector<ErrorCase> cases = {
      {"not json", "{\"apps\": [", "not valid JSON near line 1"},
      {"not an object", "[]", "expected an object"},
      {"no apps", "{}", "apps: expected an array"},
      {"unknown top key", R"({"apps": [], "app": []})", "unknown key \"app\""},
      {"app not object", R"({"apps": [1]})", "apps[0]: expected an object"},
      {"no id", R"({"apps": [{}]})", "apps[0].sdk_app_id: expected a positive integer"},
      {"string id", R"({"apps": [{"sdk_app_id": "1"}]})", "apps[0].sdk_app_id"},
      {"zero id", R"({"apps": [{"sdk_app_id": 0}]})", "apps[0].sdk_app_id"},
      {"negative id", R"({"apps": [{"sdk_app_id": -1}]})", "apps[0].sdk_app_id"},
      {"duplicate", R"({"apps": [{"sdk_app_id": 5}, {"sdk_app_id": 5}]})",
       "apps[1]: SdkAppid 5 is listed twice"},
      {"unknown app key", R"({"apps": [{"sdk_app_id": 5, "tokn": "x"}]})",
       "apps[0]: unknown key \"tokn\""},
      {"empty token", R"({"apps": [{"sdk_app_id": 5, "token": ""}]})",
       "apps[0].token: expected a non-empty string"},
      {"numeric token", R"({"apps": [{"sdk_app_id": 5, "token": 12}]})", "apps[0].token"},
      {"policy not object", R"({"apps": [{"sdk_app_id": 5, "policy": []}]})",
       "apps[0].policy: expected an object"},
      {"misspelt list", R"({"apps": [{"sdk_app_id": 5, "policy": {"deny_gift": ["a"]}}]})",
       "apps[0].policy: unknown key \"deny_gift\""},
      {"list not array", R"({"apps": [{"sdk_app_id": 5, "policy": {"deny_senders": "troll"}}]})",
       "apps[0].policy.deny_senders: expected an array of strings"},
      {"empty entry", R"({"apps": [{"sdk_app_id": 5, "policy": {"deny_gift_ids": ["a", ""]}}]})",
       "apps[0].policy.deny_gift_ids[1]: expected a non-empty string"},
      {"bad gift code", R"({"apps": [{"sdk_app_id": 5, "policy": {"gift_deny_code": 2}}]})",
       "apps[0].policy: gift_deny_code: 2 is not a Tencent gift deny code"},
      {"bad message code",
       R"({"apps": [{"sdk_app_id": 5, "policy": {"message_deny_code": 102150}}]})",
       "message_deny_code: 102150 is not a Tencent message deny code"},
      {"float code", R"({"apps": [{"sdk_app_id": 5, "policy": {"gift_deny_code": 1.5}}]})",
       "apps[0].policy.gift_deny_code: expected an integer"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    const absl::StatusOr<AppRegistry> registry = AppRegistry::Parse(c.json, {});
    ASSERT_FALSE(registry.ok());
    EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(registry.status().message().find(c.expected), absl::string_view::npos)
        << registry.status().message();
  }
}

TEST(AppRegistryTest, NeverQuotesTheTokenInErrors) {
  // A syntax error right inside the token, and a validation error after it.
  const std::string broken = R"({"apps": [{"sdk_app_id": 5, "token": "s3cret-token-value)";
  const std::string invalid = absl::StrCat(R"({"apps": [{"sdk_app_id": 5, "token": ")", kSecret,
                                           R"(", "policy": {"gift_deny_code": 7}}]})");
  for (const std::string& text : {broken, invalid}) {
    const absl::StatusOr<AppRegistry> registry = AppRegistry::Parse(text, {});
    ASSERT_FALSE(registry.ok());
    EXPECT_EQ(registry.status().message().find("s3cret"), absl::string_view::npos)
        << registry.status().message();
  }
}

TEST(AppRegistryTest, LoadsAFileAndNamesItInErrors) {
  const std::string path = TempPath("apps_load.json");
  WriteFile(path, kGood);
  const absl::StatusOr<AppRegistry> registry = AppRegistry::Load(path, {});
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ(registry->size(), 2u);

  WriteFile(path, "{");
  const absl::StatusOr<AppRegistry> bad = AppRegistry::Load(path, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(path), absl::string_view::npos);

  const absl::StatusOr<AppRegistry> missing = AppRegistry::Load(TempPath("no_such.json"), {});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST(AppRegistryTest, NoFileMeansTheAppsFlagAlone) {
  const absl::StatusOr<AppRegistry> registry = AppRegistry::Load("", {1, 2});
  ASSERT_TRUE(registry.ok());
  EXPECT_EQ(registry->size(), 2u);
  EXPECT_EQ(registry->apps_with_token(), 0u);
}

TEST(ReloadableAppRegistryTest, RefusesToStartWithABadFile) {
  const std::string path = TempPath("apps_bad_start.json");
  WriteFile(path, R"({"apps": [{"sdk_app_id": 5, "policy": {"gift_deny_code": 3}}]})");
  EXPECT_FALSE(ReloadableAppRegistry::Create({path, {}}).ok());
}

TEST(ReloadableAppRegistryTest, ReloadSwapsInTheNewFileAndKeepsTheOldOnError) {
  const std::string path = TempPath("apps_reload.json");
  WriteFile(path, R"({"apps": [{"sdk_app_id": 5}]})");
  absl::StatusOr<std::unique_ptr<ReloadableAppRegistry>> apps =
      ReloadableAppRegistry::Create({path, {9}});
  ASSERT_TRUE(apps.ok()) << apps.status();
  const std::shared_ptr<const AppRegistry> before = (*apps)->Get();
  EXPECT_NE(before->Find(5), nullptr);
  EXPECT_EQ(before->Find(6), nullptr);

  WriteFile(path, R"({"apps": [{"sdk_app_id": 6, "token": "t"}]})");
  const absl::StatusOr<std::string> reloaded = (*apps)->Reload();
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ(*reloaded, "2 app(s), 1 with a token");
  EXPECT_EQ((*apps)->Get()->Find(5), nullptr);
  EXPECT_NE((*apps)->Get()->Find(6), nullptr);
  EXPECT_NE((*apps)->Get()->Find(9), nullptr);  // --apps stays joined.
  EXPECT_NE(before->Find(5), nullptr);          // A request holding the old snapshot is unaffected.

  const std::shared_ptr<const AppRegistry> good = (*apps)->Get();
  WriteFile(path, R"({"apps": [{"sdk_app_id": 7, "policy": {"message_deny_code": 99}}]})");
  const absl::StatusOr<std::string> failed = (*apps)->Reload();
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ((*apps)->Get(), good);  // The same object: nothing was swapped.
}

TEST(ReloadableAppRegistryTest, ForAppsServesAFixedList) {
  const std::unique_ptr<ReloadableAppRegistry> apps = ReloadableAppRegistry::ForApps({3});
  EXPECT_NE(apps->Get()->Find(3), nullptr);
  EXPECT_TRUE(apps->Reload().ok());
  EXPECT_NE(apps->Get()->Find(3), nullptr);
}

}  // namespace
}  // namespace liveevents::gateway
