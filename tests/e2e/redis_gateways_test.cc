// Two real gateways in front of two real liveevents-server replicas (--store=redis) on one real
// redis-server; each gateway's --service_address names both replicas (round_robin). Callbacks
// POSTed into both gateways reach the subscribers of both replicas exactly once in one order;
// kill -9 of one replica under load costs no acknowledged callback (the gateways go on through
// the other) and its subscriber resumes on the other; a Redis restart under load makes the
// gateways spool and then drain, again losing no acknowledged callback.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "liveevents/v1/live_events.grpc.pb.h"
#include "tests/testing/child_process.h"
#include "tests/testing/http_client.h"
#include "tests/testing/redis_server.h"

namespace liveevents::testing {
namespace {

constexpr char kAppId[] = "1400000001";
constexpr int kCallbacks = 240;  // Split over the two gateways.
constexpr absl::Duration kPhaseTimeout = absl::Seconds(60);

std::string Body(int i) {
  return absl::StrCat(R"({"CallbackCommand":"Live.CallbackAfterMemberStateChanged",)",
                      R"("RoomId":"gw-room","EventType":"Online","EventCause":"Enter",)",
                      R"("MemberList":[{"Member_Account":"u)", i, R"("}],"EventTime":)",
                      1700000000000LL + i, "}");
}

// One Subscribe stream over TCP, read event by event.
class Stream {
 public:
  Stream(const std::string& address, uint64_t after_revision)
      : stub_(v1::LiveEvents::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(90));
    v1::SubscribeRequest request;
    request.set_start(v1::SubscribeRequest::START_AFTER_REVISION);
    request.set_after_revision(after_revision);
    reader_ = stub_->Subscribe(&context_, request);
    reader_->WaitForInitialMetadata();
  }
  ~Stream() {
    context_.TryCancel();
    v1::SubscribeResponse ignored;
    while (reader_->Read(&ignored)) {
    }
    reader_->Finish();
  }

  // Appends events to `events` until it holds `total`; false when the stream ended first.
  bool ReadUntil(size_t total, std::vector<v1::Event>& events) {
    v1::SubscribeResponse response;
    while (events.size() < total) {
      if (!reader_->Read(&response)) return false;
      if (response.has_event()) events.push_back(response.event());
    }
    return true;
  }

 private:
  std::unique_ptr<v1::LiveEvents::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader_;
};

// Posts callbacks 0..kCallbacks-1, even ones into gateway 0 and odd ones into gateway 1, from
// one thread per gateway, and counts the answers.
class Posters {
 public:
  explicit Posters(std::vector<std::string> gateways) {
    for (size_t g = 0; g < gateways.size(); ++g) {
      threads_.emplace_back([this, g, address = gateways[g], count = gateways.size()] {
        for (size_t i = g; i < kCallbacks; i += count) {
          const HttpReply reply = PostCallback(
              address, kAppId, "Live.CallbackAfterMemberStateChanged", Body(static_cast<int>(i)));
          absl::MutexLock lock(&mu_);
          if (reply.status == 200) {
            acked_.insert(Body(static_cast<int>(i)));
          } else {
            refused_.push_back(absl::StrCat(i, ": HTTP ", reply.status, " ", reply.body));
          }
        }
      });
    }
  }
  ~Posters() { Join(); }

  void Join() {
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  // Waits until at least `count` callbacks were acknowledged.
  bool AwaitAcked(size_t count) {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return acked_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), kPhaseTimeout);
  }
  size_t acked_count() {
    absl::MutexLock lock(&mu_);
    return acked_.size();
  }
  std::set<std::string> acked() {
    absl::MutexLock lock(&mu_);
    return acked_;
  }
  std::vector<std::string> refused() {
    absl::MutexLock lock(&mu_);
    return refused_;
  }

 private:
  absl::Mutex mu_;
  std::set<std::string> acked_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> refused_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

class RedisGatewaysE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("liveevents-redis-gw-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto redis = RedisServer::Start((dir_ / "redis").string());
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    for (int r = 0; r < 2; ++r) {
      ASSERT_NO_FATAL_FAILURE(StartReplica());
    }
    const std::string target =
        absl::StrCat("ipv4:", replica_addresses_[0], ",", replica_addresses_[1]);
    for (int g = 0; g < 2; ++g) {
      ASSERT_NO_FATAL_FAILURE(StartGateway(target, g));
    }
  }

  void TearDown() override {
    gateways_.clear();
    replicas_.clear();
    redis_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartReplica() {
    auto process = ChildProcess::Start(
        {BinaryPath("liveevents-server"), "--grpc_address", "127.0.0.1:0", "--store", "redis",
         "--redis_address", absl::StrCat(redis_->host(), ":", redis_->port()), "--redis_key_prefix",
         "gw", "--progress_interval", "200ms", "--battle_grace", "876000h"});
    ASSERT_TRUE(process.ok()) << process.status();
    auto listening = (*process)->WaitForListening("grpc", absl::Seconds(30));
    ASSERT_TRUE(listening.ok()) << listening.status();
    replicas_.push_back(std::move(*process));
    replica_addresses_.push_back(*listening);
  }

  void StartGateway(const std::string& target, int index) {
    auto process = ChildProcess::Start(
        {BinaryPath("liveevents-gateway"), "--http_address", "127.0.0.1:0", "--service_address",
         target, "--apps", kAppId, "--spool_dir", (dir_ / absl::StrCat("spool", index)).string()});
    ASSERT_TRUE(process.ok()) << process.status();
    auto listening = (*process)->WaitForListening("http", absl::Seconds(30));
    ASSERT_TRUE(listening.ok()) << listening.status();
    gateways_.push_back(std::move(*process));
    gateway_addresses_.push_back(*listening);
  }

  // Every acknowledged callback exactly once, as revisions 1..kCallbacks in order.
  static void ExpectEveryCallbackOnceInOrder(const std::vector<v1::Event>& events,
                                             const std::set<std::string>& acked) {
    ASSERT_EQ(acked.size(), static_cast<size_t>(kCallbacks));
    ASSERT_EQ(events.size(), static_cast<size_t>(kCallbacks));
    std::set<std::string> bodies;
    for (size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].revision(), i + 1);
      bodies.insert(events[i].raw_body());
    }
    EXPECT_EQ(bodies, acked);
  }

  std::filesystem::path dir_;
  std::unique_ptr<RedisServer> redis_;
  std::vector<std::unique_ptr<ChildProcess>> replicas_;
  std::vector<std::string> replica_addresses_;
  std::vector<std::unique_ptr<ChildProcess>> gateways_;
  std::vector<std::string> gateway_addresses_;
};

TEST_F(RedisGatewaysE2eTest, CallbacksIntoBothGatewaysReachBothReplicasOnceInOneOrder) {
  Stream on_a(replica_addresses_[0], 0);
  Stream on_b(replica_addresses_[1], 0);
  Posters posters(gateway_addresses_);
  posters.Join();
  EXPECT_TRUE(posters.refused().empty()) << posters.refused().front();
  std::vector<v1::Event> seen_a;
  std::vector<v1::Event> seen_b;
  ASSERT_TRUE(on_a.ReadUntil(kCallbacks, seen_a));
  ASSERT_TRUE(on_b.ReadUntil(kCallbacks, seen_b));
  ExpectEveryCallbackOnceInOrder(seen_a, posters.acked());
  for (int i = 0; i < kCallbacks; ++i) EXPECT_EQ(seen_a[i].raw_body(), seen_b[i].raw_body());
}

TEST_F(RedisGatewaysE2eTest, Kill9OfAReplicaUnderLoadLosesNothingAndItsSubscriberResumes) {
  std::vector<v1::Event> seen;
  Stream on_b(replica_addresses_[1], 0);
  Posters posters(gateway_addresses_);
  {
    Stream on_a(replica_addresses_[0], 0);
    ASSERT_TRUE(posters.AwaitAcked(kCallbacks / 3));
    ASSERT_TRUE(on_a.ReadUntil(kCallbacks / 4, seen));
    ASSERT_EQ(*replicas_[0]->Stop(SIGKILL, absl::Seconds(10)), 128 + SIGKILL);
  }
  // The killed replica's subscriber resumes on the survivor after the last revision it saw,
  // while the gateways go on acknowledging through the survivor.
  Stream resumed(replica_addresses_[1], seen.back().revision());
  posters.Join();
  EXPECT_TRUE(posters.refused().empty()) << posters.refused().front();
  ASSERT_TRUE(resumed.ReadUntil(kCallbacks, seen));
  ExpectEveryCallbackOnceInOrder(seen, posters.acked());
  std::vector<v1::Event> seen_b;
  ASSERT_TRUE(on_b.ReadUntil(kCallbacks, seen_b));
  ExpectEveryCallbackOnceInOrder(seen_b, posters.acked());
}

TEST_F(RedisGatewaysE2eTest, ARedisRestartUnderLoadIsSpooledThenDrainedLosingNothing) {
  Stream on_a(replica_addresses_[0], 0);
  Stream on_b(replica_addresses_[1], 0);
  Posters posters(gateway_addresses_);
  ASSERT_TRUE(posters.AwaitAcked(kCallbacks / 4));
  redis_->Kill();
  // Acknowledged while Redis is dead: those callbacks are in a gateway's spool.
  const size_t acked_at_kill = posters.acked_count();
  const bool spooled = posters.AwaitAcked(acked_at_kill + 20);
  const size_t acked_while_down = posters.acked_count() - acked_at_kill;
  const absl::Status restarted = redis_->Restart();
  posters.Join();
  ASSERT_TRUE(spooled) << "acked " << posters.acked_count() << " of " << kCallbacks;
  ASSERT_TRUE(restarted.ok()) << restarted;
  EXPECT_TRUE(posters.refused().empty()) << posters.refused().front();
  std::vector<v1::Event> seen_a;
  std::vector<v1::Event> seen_b;
  ASSERT_TRUE(on_a.ReadUntil(kCallbacks, seen_a));
  ASSERT_TRUE(on_b.ReadUntil(kCallbacks, seen_b));
  ExpectEveryCallbackOnceInOrder(seen_a, posters.acked());
  for (int i = 0; i < kCallbacks; ++i) EXPECT_EQ(seen_a[i].raw_body(), seen_b[i].raw_body());
  RecordProperty("acked_while_redis_was_down", static_cast<int>(acked_while_down));
}

}  // namespace
}  // namespace liveevents::testing
