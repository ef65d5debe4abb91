// Both real processes with --metrics_address=127.0.0.1:0: callbacks of each kind move the
// gateway's request counters, the Publish moves the service's gRPC counters and journal gauges,
// and promtool accepts both scrapes.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "tests/testing/e2e_fixture.h"

namespace liveevents::testing {
namespace {

constexpr char kTokenApp[] = "1400000002";
constexpr char kCreateRoom[] = "Live.CallbackAfterCreateRoom";

// The value of the sample whose name and labels are exactly `series`, or -1 when absent.
double SampleValue(const std::string& scrape, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(scrape, '\n')) {
    if (!absl::StartsWith(line, series) || line.size() <= series.size() ||
        line[series.size()] != ' ') {
      continue;
    }
    double value = 0;
    if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
  }
  return -1;
}

class MetricsTest : public E2eFixture {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           (absl::StrCat("liveevents-metrics-", ::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    // A second app with a token, so an unsigned request is a bad signature.
    const std::string apps_file = (dir_ / "apps.json").string();
    std::ofstream(apps_file) << R"({"apps": [{"sdk_app_id": )" << kTokenApp
                             << R"(, "token": "secret-token"}]})";
    ASSERT_NO_FATAL_FAILURE(StartServer("127.0.0.1:0", {"--metrics_address=127.0.0.1:0"}));
    auto server_metrics = server_->WaitForListening("metrics", absl::Seconds(30));
    ASSERT_TRUE(server_metrics.ok()) << server_metrics.status();
    server_metrics_ = *server_metrics;
    ASSERT_NO_FATAL_FAILURE(
        StartGateway("127.0.0.1:0", {"--metrics_address=127.0.0.1:0", "--apps_file", apps_file}));
    auto gateway_metrics = gateway_->WaitForListening("metrics", absl::Seconds(30));
    ASSERT_TRUE(gateway_metrics.ok()) << gateway_metrics.status();
    gateway_metrics_ = *gateway_metrics;
  }

  std::string Scrape(const std::string& address) {
    const HttpReply reply = HttpRequest(address, boost::beast::http::verb::get, "/metrics");
    EXPECT_EQ(reply.status, 200) << address;
    return reply.body;
  }

  // promtool's verdict on a scrape (lint included): its output, empty when it is happy.
  std::string PromtoolProblems(const std::string& scrape, const std::string& name) {
    const std::filesystem::path in = dir_ / (name + ".prom");
    const std::filesystem::path out = dir_ / (name + ".promtool");
    std::ofstream(in) << scrape;
    const std::string command =
        absl::StrCat("promtool check metrics < '", in.string(), "' > '", out.string(), "' 2>&1");
    const int status = std::system(command.c_str());
    std::ifstream output(out);
    const std::string text((std::istreambuf_iterator<char>(output)),
                           std::istreambuf_iterator<char>());
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
    return text.empty() ? "promtool failed without output" : text;
  }

  std::string server_metrics_;
  std::string gateway_metrics_;
};

std::string Requests(const std::string& command, const std::string& outcome) {
  return absl::StrCat("liveevents_gateway_requests_total{command=\"", command, "\",outcome=\"",
                      outcome, "\"}");
}

TEST_F(MetricsTest, CountersFollowCallbacksAndPromtoolAcceptsBothScrapes) {
  const std::string room = ReadExample("create_room.json");
  EXPECT_EQ(Post(kCreateRoom, room).status, 200);
  EXPECT_EQ(Post(kCreateRoom, room).status, 200);  // Tencent's retry: a duplicate.
  EXPECT_EQ(PostCallback(http_address_, kTokenApp, kCreateRoom, room).status, 401);  // No Sign.
  EXPECT_EQ(Post(kCreateRoom, "{not json").status, 400);
  EXPECT_EQ(HttpRequest(http_address_, boost::beast::http::verb::get, "/healthz").status, 200);

  const std::string gateway = Scrape(gateway_metrics_);
  EXPECT_EQ(SampleValue(gateway, Requests(kCreateRoom, "ok")), 1) << gateway;
  EXPECT_EQ(SampleValue(gateway, Requests(kCreateRoom, "duplicate")), 1);
  EXPECT_EQ(SampleValue(gateway, Requests(kCreateRoom, "bad_signature")), 1);
  EXPECT_EQ(SampleValue(gateway, Requests(kCreateRoom, "bad_request")), 1);
  EXPECT_EQ(SampleValue(gateway, Requests(kCreateRoom, "spooled")), 0);
  EXPECT_EQ(SampleValue(gateway, Requests(kCreateRoom, "rejected")), 0);
  // The health check is not a callback.
  EXPECT_EQ(SampleValue(gateway, "liveevents_gateway_ack_seconds_count"), 4);
  EXPECT_EQ(SampleValue(gateway, "liveevents_gateway_spool_events"), 0);
  EXPECT_GE(SampleValue(gateway, "liveevents_gateway_publish_batch_events_count"), 1);

  const std::string server = Scrape(server_metrics_);
  EXPECT_EQ(SampleValue(server, "liveevents_journal_head_revision"), 1) << server;
  EXPECT_EQ(SampleValue(server, "liveevents_journal_oldest_revision"), 1);
  EXPECT_EQ(SampleValue(server, "liveevents_subscribers"), 0);
  // Both the new event and the duplicate went out in PublishBatch calls that succeeded.
  EXPECT_GE(SampleValue(server,
                        "grpc_server_handled_total{grpc_service=\"liveevents.v1.LiveEvents\","
                        "grpc_method=\"PublishBatch\",grpc_code=\"OK\"}"),
            1);
  EXPECT_GE(SampleValue(server,
                        "grpc_server_handling_seconds_count{grpc_service=\"liveevents.v1."
                        "LiveEvents\",grpc_method=\"PublishBatch\"}"),
            1);

  if (std::system("command -v promtool > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus)";
  }
  EXPECT_EQ(PromtoolProblems(gateway, "gateway"), "");
  EXPECT_EQ(PromtoolProblems(server, "server"), "");
}

// gRPC makes an interceptor for unimplemented methods too, with the path the client sent: each
// made-up name must not become a series of its own, or any client could grow the scrape forever.
TEST_F(MetricsTest, MadeUpMethodsShareOneUnknownSeries) {
  grpc::GenericStub generic(grpc::CreateChannel(grpc_address_, grpc::InsecureChannelCredentials()));
  for (const char* method : {"/made.Up/First", "/made.Up/Second", "/made.Up/Third"}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1);  // An empty message; a default ByteBuffer is no message.
    grpc::ByteBuffer response;
    grpc::Status status;
    absl::Notification done;
    generic.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                      [&](grpc::Status result) {
                        status = std::move(result);
                        done.Notify();
                      });
    done.WaitForNotification();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << method;
  }
  const std::string server = Scrape(server_metrics_);
  EXPECT_EQ(SampleValue(server,
                        "grpc_server_handled_total{grpc_service=\"unknown\","
                        "grpc_method=\"unknown\",grpc_code=\"Unimplemented\"}"),
            3)
      << server;
  EXPECT_FALSE(absl::StrContains(server, "made.Up")) << server;
}

TEST_F(MetricsTest, OnlyMetricsPathIsServed) {
  EXPECT_EQ(HttpRequest(gateway_metrics_, boost::beast::http::verb::get, "/").status, 404);
  EXPECT_EQ(HttpRequest(server_metrics_, boost::beast::http::verb::post, "/metrics").status, 405);
}

}  // namespace
}  // namespace liveevents::testing
