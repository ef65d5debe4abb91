// Starts the real liveevents-server (SQLite store in a fresh folder) and liveevents-gateway on
// loopback ports chosen by the kernel, for end-to-end tests over real sockets.
#ifndef LIVEEVENTS_TESTS_TESTING_E2E_FIXTURE_H_
#define LIVEEVENTS_TESTS_TESTING_E2E_FIXTURE_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "liveevents/v1/live_events.grpc.pb.h"
#include "tests/testing/child_process.h"
#include "tests/testing/http_client.h"

namespace liveevents::testing {

inline constexpr char kAppId[] = "1400000001";

inline std::string ReadExample(const std::string& name) {
  std::ifstream file(std::string(LIVEEVENTS_SOURCE_DIR) + "/examples/" + name);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

class E2eFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           (absl::StrCat("liveevents-e2e-", ::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    StartServer("127.0.0.1:0");
    StartGateway("127.0.0.1:0");
  }

  void TearDown() override {
    gateway_.reset();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  // (Re)starts the server on `address` with its journal in the test's folder.
  void StartServer(const std::string& address, std::vector<std::string> extra_flags = {}) {
    std::vector<std::string> argv = {
        BinaryPath("liveevents-server"), "--grpc_address",      address, "--data_dir",
        (dir_ / "data").string(),        "--progress_interval", "200ms"};
    // The example battles started years ago: without a long grace the server would interleave
    // LiveEvents.BattleOverdue events with the ones tests count. A test's own flag wins.
    argv.insert(argv.end(), {"--battle_grace", "876000h"});
    argv.insert(argv.end(), server_flags_.begin(), server_flags_.end());
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    auto server = ChildProcess::Start(argv);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto listening = server_->WaitForListening("grpc", absl::Seconds(30));
    ASSERT_TRUE(listening.ok()) << listening.status();
    grpc_address_ = *listening;
    stub_ = v1::LiveEvents::NewStub(
        grpc::CreateChannel(grpc_address_, grpc::InsecureChannelCredentials()));
  }

  void StartGateway(const std::string& address, std::vector<std::string> extra_flags = {}) {
    // The spool lives in the test's folder, so a restarted gateway finds what it spooled.
    std::vector<std::string> argv = {BinaryPath("liveevents-gateway"),
                                     "--http_address",
                                     address,
                                     "--service_address",
                                     grpc_address_,
                                     "--apps",
                                     kAppId,
                                     "--spool_dir",
                                     (dir_ / "spool").string()};
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    auto gateway = ChildProcess::Start(argv);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = std::move(*gateway);
    auto listening = gateway_->WaitForListening("http", absl::Seconds(30));
    ASSERT_TRUE(listening.ok()) << listening.status();
    http_address_ = *listening;
  }

  HttpReply Post(const std::string& command, const std::string& body) {
    return PostCallback(http_address_, kAppId, command, body);
  }

  std::filesystem::path dir_;
  // Flags every (re)start of the server gets, after the fixture's own; set before SetUp.
  std::vector<std::string> server_flags_;
  std::unique_ptr<ChildProcess> server_;
  std::unique_ptr<ChildProcess> gateway_;
  std::string grpc_address_;
  std::string http_address_;
  std::unique_ptr<v1::LiveEvents::Stub> stub_;
};

}  // namespace liveevents::testing

#endif  // LIVEEVENTS_TESTS_TESTING_E2E_FIXTURE_H_
