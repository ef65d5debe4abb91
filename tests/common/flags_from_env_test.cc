// Flags from LIVEEVENTS_<FLAG>: applied when the command line does not name the flag, refused
// with the variable and the flag named when unparsable; --help paths are relative.
#include "common/flags_from_env.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage_config.h"
#include "absl/time/time.h"
#include "tests/testing/scoped_env.h"

ABSL_FLAG(int, env_test_port, 1, "a port");
ABSL_FLAG(absl::Duration, env_test_wait, absl::Seconds(1), "a duration");
ABSL_FLAG(bool, env_test_switch, false, "a switch");
ABSL_FLAG(std::string, env_test_name, "default", "a name");

namespace liveevents {
namespace {

using liveevents::testing::ScopedEnv;

// Applies the environment against `args` (argv[0] included), as main would.
absl::Status Apply(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return ApplyFlagsFromEnv(static_cast<int>(argv.size()), argv.data());
}

class FlagsFromEnvTest : public ::testing::Test {
 protected:
  void TearDown() override {
    absl::SetFlag(&FLAGS_env_test_port, 1);
    absl::SetFlag(&FLAGS_env_test_wait, absl::Seconds(1));
    absl::SetFlag(&FLAGS_env_test_switch, false);
    absl::SetFlag(&FLAGS_env_test_name, "default");
  }
};

TEST(FlagEnvNameTest, IsPrefixedAndUpperCase) {
  EXPECT_EQ(FlagEnvName("grpc_address"), "LIVEEVENTS_GRPC_ADDRESS");
}

TEST_F(FlagsFromEnvTest, EnvironmentSetsFlagsOfEveryType) {
  ScopedEnv port("LIVEEVENTS_ENV_TEST_PORT", "8081");
  ScopedEnv wait("LIVEEVENTS_ENV_TEST_WAIT", "250ms");
  ScopedEnv on("LIVEEVENTS_ENV_TEST_SWITCH", "true");
  ScopedEnv name("LIVEEVENTS_ENV_TEST_NAME", "");
  ASSERT_TRUE(Apply({"program"}).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_port), 8081);
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_wait), absl::Milliseconds(250));
  EXPECT_TRUE(absl::GetFlag(FLAGS_env_test_switch));
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_name), "");  // Set, even if empty.
}

TEST_F(FlagsFromEnvTest, CommandLineWinsOverEnvironment) {
  ScopedEnv port("LIVEEVENTS_ENV_TEST_PORT", "8081");
  ScopedEnv name("LIVEEVENTS_ENV_TEST_NAME", "from-env");
  std::vector<std::string> args = {"program", "--env_test_port=9090", "-env_test_name", "cli"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  ASSERT_TRUE(ApplyFlagsFromEnv(static_cast<int>(argv.size()), argv.data()).ok());
  absl::ParseCommandLine(static_cast<int>(argv.size()), argv.data());
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_port), 9090);
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_name), "cli");
}

TEST_F(FlagsFromEnvTest, NegatedBoolOnCommandLineWins) {
  ScopedEnv on("LIVEEVENTS_ENV_TEST_SWITCH", "true");
  ASSERT_TRUE(Apply({"program", "--noenv_test_switch"}).ok());
  EXPECT_FALSE(absl::GetFlag(FLAGS_env_test_switch));  // Left to ParseCommandLine.
}

TEST_F(FlagsFromEnvTest, FlagsAfterDoubleDashAreArguments) {
  ScopedEnv port("LIVEEVENTS_ENV_TEST_PORT", "8081");
  ASSERT_TRUE(Apply({"program", "--", "--env_test_port=5"}).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_port), 8081);
}

TEST_F(FlagsFromEnvTest, InvalidValueNamesVariableAndFlag) {
  ScopedEnv wait("LIVEEVENTS_ENV_TEST_WAIT", "soon");
  const absl::Status status = Apply({"program"});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("LIVEEVENTS_ENV_TEST_WAIT"), absl::string_view::npos) << status;
  EXPECT_NE(status.message().find("--env_test_wait"), absl::string_view::npos) << status;
  EXPECT_EQ(absl::GetFlag(FLAGS_env_test_wait), absl::Seconds(1));
}

TEST_F(FlagsFromEnvTest, InvalidValueIsIgnoredWhenCommandLineSetsTheFlag) {
  ScopedEnv port("LIVEEVENTS_ENV_TEST_PORT", "eighty");
  EXPECT_TRUE(Apply({"program", "--env_test_port", "80"}).ok());
}

TEST(FlagsUsageTest, FileNamesAreRelativeToTheSourceTree) {
  ConfigureFlagsUsage();
  const absl::FlagsUsageConfig config = absl::flags_internal::GetUsageConfig();
  EXPECT_EQ(config.normalize_filename(__FILE__), "tests/common/flags_from_env_test.cc");
  EXPECT_EQ(config.normalize_filename("/build/abseil/absl/flags/parse.cc"), "absl/flags/parse.cc");
  EXPECT_EQ(config.normalize_filename("/home/someone/src/other.cc"), "other.cc");
  // Abseil filters on normalized names, but raw ones must not confuse the filters either.
  EXPECT_TRUE(config.contains_help_flags(__FILE__));
  EXPECT_TRUE(config.contains_help_flags("tests/common/flags_from_env_test.cc"));
  EXPECT_FALSE(config.contains_help_flags("/build/abseil/absl/flags/parse.cc"));
  EXPECT_FALSE(config.contains_help_flags("absl/flags/parse.cc"));
  EXPECT_TRUE(config.contains_helpshort_flags("service/main.cc"));
  EXPECT_FALSE(config.contains_helpshort_flags("tests/common/flags_from_env_test.cc"));
}

}  // namespace
}  // namespace liveevents
