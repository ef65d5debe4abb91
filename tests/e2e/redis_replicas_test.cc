// Two real liveevents-server replicas (--store=redis) on one real redis-server: events published
// on both reach the subscribers of both exactly once in the same order; a subscriber of a replica
// killed with SIGKILL resumes on the other with nothing missing and nothing twice; the killed
// replica, restarted, reaches SERVING from the checkpoint plus the stream; Redis killed and
// restarted under load loses no acknowledged event and the replicas continue on their own.
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
#include "grpc/health/v1/health.grpc.pb.h"
#include "liveevents/v1/live_events.grpc.pb.h"
#include "tests/testing/child_process.h"
#include "tests/testing/redis_server.h"

namespace liveevents::testing {
namespace {

constexpr int kEvents = 200;

v1::Event MakeEvent(int i) {
  v1::Event event;
  event.set_sdk_app_id(1400000001);
  event.set_command("Live.CallbackAfterCreateRoom");
  event.set_event_time_ms(1700000000000 + i);
  event.set_raw_body(absl::StrCat(R"({"RoomId":"e2e-)", i, R"("})"));
  event.mutable_create_room()->mutable_room_info()->set_room_id(absl::StrCat("e2e-", i));
  return event;
}

struct Replica {
  std::unique_ptr<ChildProcess> process;
  std::string address;
  std::unique_ptr<v1::LiveEvents::Stub> stub;
};

// One Subscribe stream over TCP, read event by event.
class Stream {
 public:
  Stream(v1::LiveEvents::Stub& stub, uint64_t after_revision) {
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    v1::SubscribeRequest request;
    request.set_start(v1::SubscribeRequest::START_AFTER_REVISION);
    request.set_after_revision(after_revision);
    reader_ = stub.Subscribe(&context_, request);
    reader_->WaitForInitialMetadata();
  }
  ~Stream() {
    context_.TryCancel();
    v1::SubscribeResponse ignored;
    while (reader_->Read(&ignored)) {
    }
    reader_->Finish();
  }

  // Appends the next `count` events to `events`; false when the stream ended first.
  bool Read(size_t count, std::vector<v1::Event>& events) {
    v1::SubscribeResponse response;
    for (size_t read = 0; read < count;) {
      if (!reader_->Read(&response)) return false;
      if (!response.has_event()) continue;
      events.push_back(response.event());
      ++read;
    }
    return true;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader_;
};

class RedisReplicasE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("liveevents-redis-e2e-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto redis = RedisServer::Start((dir_ / "redis").string());
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
  }

  void TearDown() override {
    for (Replica& replica : replicas_) replica.process.reset();
    redis_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Starts replica `index` (again, after a kill) and waits until it listens, which it does once
  // it has loaded the checkpoint and the stream after it.
  void StartReplica(size_t index) {
    if (replicas_.size() <= index) replicas_.resize(index + 1);
    auto process = ChildProcess::Start(
        {BinaryPath("liveevents-server"), "--grpc_address", "127.0.0.1:0", "--store", "redis",
         "--redis_address", absl::StrCat(redis_->host(), ":", redis_->port()), "--redis_key_prefix",
         "e2e", "--redis_checkpoint_events", "50", "--progress_interval", "200ms", "--battle_grace",
         "876000h"});
    ASSERT_TRUE(process.ok()) << process.status();
    Replica& replica = replicas_[index];
    replica.process = std::move(*process);
    auto listening = replica.process->WaitForListening("grpc", absl::Seconds(30));
    ASSERT_TRUE(listening.ok()) << listening.status();
    replica.address = *listening;
    replica.stub = v1::LiveEvents::NewStub(
        grpc::CreateChannel(replica.address, grpc::InsecureChannelCredentials()));
  }

  void Publish(Replica& replica, int i) {
    v1::PublishRequest request;
    *request.mutable_event() = MakeEvent(i);
    v1::PublishResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status status = replica.stub->Publish(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_FALSE(response.duplicate());
  }

  static void ExpectExactlyOnceInOrder(const std::vector<v1::Event>& events) {
    ASSERT_EQ(events.size(), static_cast<size_t>(kEvents));
    for (size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].revision(), i + 1);
    }
  }

  std::filesystem::path dir_;
  std::unique_ptr<RedisServer> redis_;
  std::vector<Replica> replicas_;
};

TEST_F(RedisReplicasE2eTest, SubscribersOnBothReplicasSeeEveryEventOnceInTheSameOrder) {
  StartReplica(0);
  StartReplica(1);
  Stream on_a(*replicas_[0].stub, 0);
  Stream on_b(*replicas_[1].stub, 0);
  for (int i = 0; i < kEvents; ++i) Publish(replicas_[i % 2], i);
  std::vector<v1::Event> seen_a;
  std::vector<v1::Event> seen_b;
  ASSERT_TRUE(on_a.Read(kEvents, seen_a));
  ASSERT_TRUE(on_b.Read(kEvents, seen_b));
  ExpectExactlyOnceInOrder(seen_a);
  ExpectExactlyOnceInOrder(seen_b);
  for (int i = 0; i < kEvents; ++i) EXPECT_EQ(seen_a[i].raw_body(), seen_b[i].raw_body());
}

TEST_F(RedisReplicasE2eTest, ASubscriberResumesOnTheOtherReplicaAfterKill9AndTheReplicaReturns) {
  StartReplica(0);
  StartReplica(1);
  std::vector<v1::Event> seen;
  {
    Stream on_a(*replicas_[0].stub, 0);
    for (int i = 0; i < kEvents / 2; ++i) Publish(replicas_[i % 2], i);
    ASSERT_TRUE(on_a.Read(kEvents / 4, seen));  // Some of it, then the replica dies.
    ASSERT_EQ(*replicas_[0].process->Stop(SIGKILL, absl::Seconds(10)), 128 + SIGKILL);
  }
  // The rest is published on the survivor while the subscriber resumes there.
  Stream on_b(*replicas_[1].stub, seen.back().revision());
  for (int i = kEvents / 2; i < kEvents; ++i) Publish(replicas_[1], i);
  ASSERT_TRUE(on_b.Read(kEvents - seen.size(), seen));
  ExpectExactlyOnceInOrder(seen);

  // The killed replica comes back from the checkpoint plus the stream, and serves everything.
  StartReplica(0);
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(replicas_[0].address, grpc::InsecureChannelCredentials()));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(health->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  v1::ServerInfo info;
  grpc::ClientContext info_context;
  ASSERT_TRUE(
      replicas_[0].stub->GetServerInfo(&info_context, v1::GetServerInfoRequest(), &info).ok());
  EXPECT_EQ(info.head_revision(), static_cast<uint64_t>(kEvents));
  EXPECT_EQ(info.rooms(), kEvents);
  std::vector<v1::Event> replayed;
  Stream again(*replicas_[0].stub, 0);
  ASSERT_TRUE(again.Read(kEvents, replayed));
  ExpectExactlyOnceInOrder(replayed);
}

TEST_F(RedisReplicasE2eTest, ARedisRestartUnderLoadLosesNoAcknowledgedEvent) {
  StartReplica(0);
  StartReplica(1);
  Stream on_a(*replicas_[0].stub, 0);
  Stream on_b(*replicas_[1].stub, 0);
  absl::Mutex mu;
  int acked = 0;
  int refused = 0;
  bool stop = false;
  // Publishes every event, retrying each until it is acknowledged, as a gateway's spool would.
  std::thread publishing([&] {
    for (int i = 0; i < kEvents; ++i) {
      for (int attempt = 0;; ++attempt) {
        v1::PublishRequest request;
        *request.mutable_event() = MakeEvent(i);
        v1::PublishResponse response;
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        const grpc::Status status =
            replicas_[(i + attempt) % 2].stub->Publish(&context, request, &response);
        absl::MutexLock lock(&mu);
        if (status.ok()) {
          ++acked;
          break;
        }
        ++refused;
        if (attempt == 1000) {
          ADD_FAILURE() << "event " << i << " never acknowledged: " << status.error_message();
          return;
        }
        // A short pause before the retry, cut short when the test is being torn down.
        if (mu.AwaitWithTimeout(absl::Condition(&stop), absl::Milliseconds(20))) return;
      }
    }
  });
  auto await = [&](auto reached) {
    absl::MutexLock lock(&mu);
    return mu.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(60));
  };
  const bool loaded =
      await([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return acked >= kEvents / 3; });
  redis_->Kill();
  // The replicas refuse while Redis is away (fast, so gateways spool).
  const bool refusing = await([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return refused > 0; });
  const absl::Status restarted = redis_->Restart();
  {
    absl::MutexLock lock(&mu);
    if (!loaded || !refusing || !restarted.ok()) stop = true;
  }
  publishing.join();
  ASSERT_TRUE(loaded && refusing) << "acked " << acked << ", refused " << refused;
  ASSERT_TRUE(restarted.ok()) << restarted;
  ASSERT_EQ(acked, kEvents);

  // Every event once, in one order, on both replicas: an Append whose answer was lost came back
  // as a duplicate of itself on the retry.
  std::vector<v1::Event> seen_a;
  std::vector<v1::Event> seen_b;
  ASSERT_TRUE(on_a.Read(kEvents, seen_a));
  ASSERT_TRUE(on_b.Read(kEvents, seen_b));
  ExpectExactlyOnceInOrder(seen_a);
  ExpectExactlyOnceInOrder(seen_b);
  std::set<std::string> bodies;
  for (int i = 0; i < kEvents; ++i) {
    EXPECT_EQ(seen_a[i].raw_body(), seen_b[i].raw_body());
    bodies.insert(seen_a[i].raw_body());
  }
  EXPECT_EQ(bodies.size(), static_cast<size_t>(kEvents));
  RecordProperty("refused_attempts", refused);
}

}  // namespace
}  // namespace liveevents::testing
