// The real gateway with --log_format=json: every stderr line is one JSON object (also when a
// refusal quotes a query's invalid UTF-8), the start line carries the effective flags but no
// secret, and a flood of refused requests is rate-limited with a "suppressed" count instead of a
// line each.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "tests/testing/child_process.h"
#include "tests/testing/e2e_fixture.h"
#include "tests/testing/http_client.h"

namespace liveevents::testing {
namespace {

constexpr char kSignedApp[] = "1400000009";
constexpr char kOpenApp[] = "1400000010";  // No token: its callbacks reach the converter.
constexpr char kAppToken[] = "APP-TOKEN-must-not-be-logged";
constexpr char kPublishToken[] = "PUBLISH-TOKEN-must-not-be-logged";

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(parsed.is_object()) << "not a JSON object: " << line;
    if (parsed.is_object()) lines.push_back(std::move(parsed));
  }
  return lines;
}

TEST(LogsTest, JsonLinesWithoutSecretsAndRateLimitedRefusals) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("liveevents-logs-", ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "apps.json")
      << R"({"apps": [{"sdk_app_id": )" << kSignedApp << R"(, "token": ")" << kAppToken
      << R"("}, {"sdk_app_id": )" << kOpenApp << "}]}";
  std::ofstream(dir / "publish_token") << kPublishToken;
  const std::filesystem::path log = dir / "stderr.log";

  // A shell sends the gateway's stderr to a file; stdout stays the pipe with "listening".
  auto gateway = ChildProcess::Start(
      {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>\"" + log.string() + "\"",
       BinaryPath("liveevents-gateway"), "--http_address=127.0.0.1:0",
       "--service_address=127.0.0.1:1", "--apps_file=" + (dir / "apps.json").string(),
       "--publish_token_file=" + (dir / "publish_token").string(),
       "--spool_dir=" + (dir / "spool").string(), "--log_format=json"});
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  auto address = (*gateway)->WaitForListening("http", absl::Seconds(30));
  ASSERT_TRUE(address.ok()) << address.status();

  // The query's command is invalid UTF-8 (and an ESC) and differs from the body's: the 400's
  // reason quotes it, and its line must still be JSON.
  const std::string body = ReadExample("create_room.json");
  EXPECT_EQ(PostCallback(*address, kOpenApp, "%FF%FE%1B", body).status, 400);

  // 200 unsigned callbacks for an app with a token: 401 each, far fewer lines.
  const absl::Time flood_start = absl::Now();
  int refused = 0;
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(PostCallback(*address, kSignedApp, "Live.CallbackAfterCreateRoom", body).status, 401);
    ++refused;
  }
  // Once the bucket refills, the next refusal logged says how many were held back.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!absl::StrContains(ReadAll(log), "\"suppressed\":") && absl::Now() < deadline) {
    if (PostCallback(*address, kSignedApp, "Live.CallbackAfterCreateRoom", body).status == 401) {
      ++refused;
    }
  }
  auto stopped = (*gateway)->Stop(SIGTERM, absl::Seconds(30));
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(*stopped, 0);
  // The gateway is gone: every refusal line was written within this window.
  const double flood_seconds = absl::ToDoubleSeconds(absl::Now() - flood_start);

  const std::string text = ReadAll(log);
  EXPECT_FALSE(absl::StrContains(text, kAppToken)) << text;
  EXPECT_FALSE(absl::StrContains(text, kPublishToken)) << text;
  const std::vector<nlohmann::json> lines = JsonLines(text);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front().value("event", ""), "start");
  EXPECT_EQ(lines.front().value("publish_token_file", ""), (dir / "publish_token").string());
  int requests = 0;
  uint64_t suppressed = 0;
  std::string mismatch_reason;
  bool shutdown = false;
  for (const nlohmann::json& line : lines) {
    EXPECT_TRUE(line.contains("ts") && line.contains("level")) << line.dump();
    const std::string event = line.value("event", "");
    if (event == "request" && line.value("code", 0) == 4006) {
      mismatch_reason = line.value("reason", "");
    } else if (event == "request") {
      ++requests;
      EXPECT_EQ(line.value("code", 0), 4010);
      suppressed += line.value("suppressed", uint64_t{0});
    }
    shutdown = shutdown || event == "shutdown";
  }
  EXPECT_TRUE(absl::StrContains(mismatch_reason, "differs from")) << text;
  // The limiter's default budget (common/logging/log_rate_limiter.h): a burst of 20, then 10
  // lines a second, over the time the flood took however slow the run; 2 for rounding.
  EXPECT_LE(requests, 20 + 10 * flood_seconds + 2) << flood_seconds << " s\n" << text;
  // Rate limiting at work: lines were held back, and each refusal is a line or counted once.
  EXPECT_GT(suppressed, 0u) << text;
  EXPECT_LE(requests + suppressed, static_cast<uint64_t>(refused)) << text;
  EXPECT_TRUE(shutdown) << text;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace liveevents::testing
