// --redis_wait_replicas against a real Redis replica (a second redis-server with --replicaof):
// a Publish is acknowledged only after WAIT, so the event is already on the replica when the
// answer arrives; with the replica stopped, Publish fails UNAVAILABLE instead of acknowledging,
// and the retry once the replica is back is answered as a duplicate (the primary journaled it).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "service/server.h"
#include "service/store/redis/redis_connection.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/service_fixture.h"
#include "tests/testing/temp_path.h"

namespace liveevents::testing {
namespace {

class RedisWaitReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = UniqueTempPath("redis-wait");
    std::filesystem::remove_all(dir_);
    // No 5 s pause before the full sync that (re)connects a replica (Redis 7's default).
    auto primary = RedisServer::Start(dir_ + "/primary", {"--repl-diskless-sync-delay", "0"});
    ASSERT_TRUE(primary.ok()) << primary.status();
    primary_ = std::move(*primary);
    auto replica = RedisServer::Start(
        dir_ + "/replica", {"--replicaof", primary_->host(), absl::StrCat(primary_->port())});
    ASSERT_TRUE(replica.ok()) << replica.status();
    replica_ = std::move(*replica);
    ASSERT_TRUE(AwaitReplicaLinked());
  }

  // Starts the service on the primary with --redis_wait_replicas=1 and `wait_timeout`.
  void StartServer(absl::Duration wait_timeout) {
    service::ServerOptions options;
    options.grpc_address = "127.0.0.1:0";
    options.journal.battle_grace = absl::Hours(876000);
    service::RedisJournalOptions redis;
    redis.log.connection.address = primary_->address();
    redis.log.key_prefix = "wait";
    redis.log.wait_replicas = 1;
    redis.log.wait_timeout = wait_timeout;
    redis.follow_block = absl::Milliseconds(50);
    redis.retry_pause = absl::Milliseconds(20);
    options.redis = redis;
    auto server = service::Server::Start(options, nullptr);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::LiveEvents::NewStub(server_->InProcessChannel());
  }

  void TearDown() override {
    stub_.reset();
    server_.reset();
    replica_.reset();
    primary_.reset();
    std::filesystem::remove_all(dir_);
  }

  static service::redis::RedisConnectionOptions ConnectionTo(const RedisServer& server) {
    service::redis::RedisConnectionOptions options;
    options.address = server.address();
    return options;
  }

  // Waits (bounded) until the replica has synced with the primary: WAIT on the primary returns
  // at once when a replica acknowledged everything, after 100 ms when none did.
  bool AwaitReplicaLinked() {
    service::redis::RedisConnection connection(ConnectionTo(*primary_));
    for (int attempt = 0; attempt < 300; ++attempt) {
      auto acked = connection.Command({"WAIT", "1", "100"});
      if (!acked.ok()) return false;
      if ((*acked)->type == REDIS_REPLY_INTEGER && (*acked)->integer >= 1) return true;
    }
    return false;
  }

  // Watches the server's health until it is SERVING; false if the watch ends first.
  bool AwaitServing() {
    auto health = grpc::health::v1::Health::NewStub(server_->InProcessChannel());
    grpc::health::v1::HealthCheckRequest request;
    request.set_service("liveevents.v1.LiveEvents");
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    auto reader = health->Watch(&context, request);
    grpc::health::v1::HealthCheckResponse response;
    while (reader->Read(&response)) {
      if (response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
        context.TryCancel();
        reader->Finish();
        return true;
      }
    }
    return false;
  }

  // The events the replica holds under the deployment's stream key.
  int64_t EventsOnReplica() {
    service::redis::RedisConnection connection(ConnectionTo(*replica_));
    auto length = connection.Command({"XLEN", "{wait}:events"});
    EXPECT_TRUE(length.ok()) << length.status();
    return length.ok() ? (*length)->integer : -1;
  }

  grpc::Status Publish(const v1::Event& event, v1::PublishResponse* response) {
    v1::PublishRequest request;
    *request.mutable_event() = event;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->Publish(&context, request, response);
  }

  std::string dir_;
  std::unique_ptr<RedisServer> primary_;
  std::unique_ptr<RedisServer> replica_;
  std::unique_ptr<service::Server> server_;
  std::unique_ptr<v1::LiveEvents::Stub> stub_;
};

TEST_F(RedisWaitReplicasTest, AcknowledgesOnlyOnceTheReplicaHasTheEvent) {
  // Generous: WAIT answers as soon as the replica acknowledged, which on a loaded machine (the
  // replica fsyncs its AOF too) can take a while; only a failing test waits this long.
  ASSERT_NO_FATAL_FAILURE(StartServer(absl::Seconds(10)));
  for (int i = 1; i <= 3; ++i) {
    v1::PublishResponse response;
    const grpc::Status status = Publish(MakeCreateRoom(absl::StrCat("room-", i)), &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.revision(), static_cast<uint64_t>(i));
    // No wait here: WAIT returned only after the replica had the write.
    EXPECT_EQ(EventsOnReplica(), i);
  }
}

TEST_F(RedisWaitReplicasTest, RefusesUnavailableWhileTheReplicaIsDownAndDedupsTheRetry) {
  // Each Publish while the replica is down takes the whole timeout before it is refused.
  ASSERT_NO_FATAL_FAILURE(StartServer(absl::Seconds(2)));
  v1::PublishResponse response;
  ASSERT_TRUE(Publish(MakeCreateRoom("before"), &response).ok());
  replica_->Kill();
  const v1::Event event = MakeCreateRoom("while-down");
  const grpc::Status refused = Publish(event, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();

  // Back: the replica resyncs; the retry is the event the primary journaled before the WAIT
  // failed, answered as a duplicate with its revision.
  ASSERT_TRUE(replica_->Restart().ok());
  ASSERT_TRUE(AwaitReplicaLinked());
  grpc::Status retried;
  for (int attempt = 0; attempt < 50; ++attempt) {
    retried = Publish(event, &response);
    if (retried.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    // A failed WAIT marks the journal unhealthy for a moment (Publish then fails fast): wait
    // for SERVING before the next attempt instead of spinning.
    ASSERT_TRUE(AwaitServing());
  }
  ASSERT_TRUE(retried.ok()) << retried.error_message();
  EXPECT_TRUE(response.duplicate());
  EXPECT_EQ(response.revision(), 2u);
  EXPECT_EQ(EventsOnReplica(), 2);
}

}  // namespace
}  // namespace liveevents::testing
