// The binaries' configuration as an operator meets it: --help without build paths, flags from
// LIVEEVENTS_<FLAG> with the command line winning, and bad values refused at start by name.
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/testing/child_process.h"
#include "tests/testing/scoped_env.h"
#include "tests/testing/temp_path.h"

namespace liveevents::testing {
namespace {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr.
};

// Runs `command` (a shell command line) to completion.
CommandResult RunCommand(const std::string& command) {
  CommandResult run;
  FILE* pipe = ::popen(absl::StrCat(command, " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) run.output.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(ConfigurationTest, HelpListsOwnFlagsWithoutBuildPaths) {
  const struct {
    const char* binary;
    const char* main_file;
  } cases[] = {{"livectl", "client/livectl_main.cc"},
               {"liveevents-server", "service/main.cc"},
               {"liveevents-gateway", "gateway/main.cc"}};
  for (const auto& c : cases) {
    const CommandResult run = RunCommand(absl::StrCat(BinaryPath(c.binary), " --help"));
    EXPECT_NE(run.output.find(absl::StrCat("Flags from ", c.main_file, ":")), std::string::npos)
        << run.output;
    EXPECT_NE(run.output.find("LIVEEVENTS_<FLAG>"), std::string::npos) << run.output;
    EXPECT_EQ(run.output.find(LIVEEVENTS_SOURCE_DIR), std::string::npos) << run.output;
    EXPECT_EQ(run.output.find(LIVEEVENTS_BIN_DIR), std::string::npos) << run.output;
    EXPECT_EQ(run.output.find("../"), std::string::npos) << run.output;
  }
}

TEST(ConfigurationTest, InvalidEnvironmentValueStopsTheServerNamingVariableAndFlag) {
  ScopedEnv env("LIVEEVENTS_PROGRESS_INTERVAL", "soon");
  const CommandResult run = RunCommand(
      absl::StrCat(BinaryPath("liveevents-server"), " --store=memory --grpc_address=127.0.0.1:0"));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("LIVEEVENTS_PROGRESS_INTERVAL"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("--progress_interval"), std::string::npos) << run.output;
}

TEST(ConfigurationTest, EnvironmentValuesAreCheckedLikeFlags) {
  ScopedEnv env("LIVEEVENTS_IO_THREADS", "0");
  const CommandResult run = RunCommand(
      absl::StrCat(BinaryPath("liveevents-gateway"), " --http_address=127.0.0.1:0 --apps=1"));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("--io_threads must be at least 1: got 0"), std::string::npos)
      << run.output;
}

TEST(ConfigurationTest, CommandLineWinsOverEnvironment) {
  // The environment alone would refuse to start; the command line overrides both values.
  ScopedEnv queue("LIVEEVENTS_SUBSCRIBER_QUEUE", "0");
  ScopedEnv address("LIVEEVENTS_GRPC_ADDRESS", "127.0.0.1:70000");
  ScopedEnv store("LIVEEVENTS_STORE", "memory");  // Leaves no data folder behind.
  auto server = ChildProcess::Start(
      {BinaryPath("liveevents-server"), "--subscriber_queue=5", "--grpc_address", "127.0.0.1:0"});
  ASSERT_TRUE(server.ok()) << server.status();
  const absl::StatusOr<std::string> listening =
      (*server)->WaitForListening("grpc", absl::Seconds(30));
  ASSERT_TRUE(listening.ok()) << listening.status();
  const CommandResult health =
      RunCommand(absl::StrCat(BinaryPath("livectl"), " health --server ", *listening));
  EXPECT_EQ(health.exit_code, 0) << health.output;
  EXPECT_NE(health.output.find("{\"status\":\"SERVING\"}"), std::string::npos) << health.output;
}

TEST(ConfigurationTest, LivectlHealthProbesTheGatewayOverHttp) {
  // /healthz answers whether or not the service is reachable: nothing listens on port 1.
  auto gateway =
      ChildProcess::Start({BinaryPath("liveevents-gateway"), "--http_address=127.0.0.1:0",
                           "--service_address=127.0.0.1:1", "--apps=1400000001",
                           absl::StrCat("--spool_dir=", UniqueTempPath("spool"))});
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  const absl::StatusOr<std::string> listening =
      (*gateway)->WaitForListening("http", absl::Seconds(30));
  ASSERT_TRUE(listening.ok()) << listening.status();
  const std::string livectl = BinaryPath("livectl");
  const CommandResult healthy =
      RunCommand(absl::StrCat(livectl, " health --http http://", *listening, "/healthz"));
  EXPECT_EQ(healthy.exit_code, 0) << healthy.output;
  const CommandResult missing =
      RunCommand(absl::StrCat(livectl, " health --http http://", *listening, "/nothing-here"));
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
}

TEST(ConfigurationTest, FlagfileFromTheEnvironment) {
  ScopedEnv env("LIVEEVENTS_FLAGFILE", absl::StrCat(LIVEEVENTS_SOURCE_DIR, "/no/such/flags"));
  const CommandResult run = RunCommand(absl::StrCat(BinaryPath("livectl"), " info"));
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.output.find("no/such/flags"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace liveevents::testing
