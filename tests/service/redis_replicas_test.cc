// Several in-process service replicas on one real redis-server (--store=redis): one order of
// events on every replica, dedup across replicas, read your writes, stale decided at fold time,
// a replica started from the checkpoint, trimmed resume points, Redis lost and back, reads with
// min_revision on another replica, and a replica that fell behind retention continuing from the
// checkpoint.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "service/server.h"
#include "service/service_metrics.h"
#include "service/store/redis/redis_connection.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/service_fixture.h"
#include "tests/testing/temp_path.h"

namespace liveevents::testing {
namespace {

using HealthStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;

struct Replica {
  std::unique_ptr<service::Server> server;
  std::unique_ptr<v1::LiveEvents::Stub> stub;
};

class RedisReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = UniqueTempPath("redis");
    std::filesystem::remove_all(dir_);
    auto redis = RedisServer::Start(dir_);
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
  }

  void TearDown() override {
    replicas_.clear();
    redis_.reset();
    std::filesystem::remove_all(dir_);
  }

  service::ServerOptions Options() {
    service::ServerOptions options;
    options.grpc_address = "127.0.0.1:0";
    options.journal.battle_grace = absl::Hours(876000);
    service::RedisJournalOptions redis;
    redis.log.connection.address = redis_->address();
    redis.log.connection.connect_timeout = absl::Milliseconds(500);
    redis.log.connection.command_timeout = absl::Seconds(2);
    redis.log.key_prefix = "test";
    redis.follow_block = absl::Milliseconds(50);
    redis.retry_pause = absl::Milliseconds(20);
    options.redis = redis;
    return options;
  }

  Replica& StartReplica(service::ServerOptions options) {
    auto server = service::Server::Start(options, nullptr);
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) std::abort();
    Replica replica;
    replica.server = std::move(*server);
    replica.stub = v1::LiveEvents::NewStub(replica.server->InProcessChannel());
    replicas_.push_back(std::make_unique<Replica>(std::move(replica)));
    return *replicas_.back();
  }
  Replica& StartReplica() { return StartReplica(Options()); }

  static grpc::Status Publish(Replica& replica, const v1::Event& event,
                              v1::PublishResponse* response) {
    v1::PublishRequest request;
    *request.mutable_event() = event;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return replica.stub->Publish(&context, request, response);
  }

  static v1::PublishResponse MustPublish(Replica& replica, const v1::Event& event) {
    v1::PublishResponse response;
    grpc::Status status = Publish(replica, event, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  static v1::SubscribeRequest After(uint64_t revision) {
    v1::SubscribeRequest request;
    request.set_start(v1::SubscribeRequest::START_AFTER_REVISION);
    request.set_after_revision(revision);
    return request;
  }

  // Watches the health of `service` until it reports `wanted`; false if the stream ends first.
  static bool AwaitHealth(service::Server& server, const std::string& service,
                          HealthStatus wanted) {
    auto health = grpc::health::v1::Health::NewStub(server.InProcessChannel());
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    auto reader = health->Watch(&context, request);
    grpc::health::v1::HealthCheckResponse response;
    while (reader->Read(&response)) {
      if (response.status() == wanted) {
        context.TryCancel();
        reader->Finish();
        return true;
      }
    }
    return false;
  }

  std::string dir_;
  std::unique_ptr<RedisServer> redis_;
  std::vector<std::unique_ptr<Replica>> replicas_;
};

TEST_F(RedisReplicasTest, EveryReplicaSeesEveryEventOnceInOneOrder) {
  Replica& a = StartReplica();
  Replica& b = StartReplica();
  Stream on_a(*a.stub, v1::SubscribeRequest());
  Stream on_b(*b.stub, v1::SubscribeRequest());
  constexpr int kEvents = 40;
  for (int i = 0; i < kEvents; ++i) {
    v1::PublishResponse response =
        MustPublish(i % 2 == 0 ? a : b, MakeCreateRoom(absl::StrCat("room-", i)));
    EXPECT_EQ(response.revision(), static_cast<uint64_t>(i + 1));
    EXPECT_FALSE(response.duplicate());
  }
  std::vector<v1::Event> seen_a = on_a.NextEvents(kEvents);
  std::vector<v1::Event> seen_b = on_b.NextEvents(kEvents);
  ASSERT_EQ(seen_a.size(), static_cast<size_t>(kEvents));
  ASSERT_EQ(seen_b.size(), static_cast<size_t>(kEvents));
  for (int i = 0; i < kEvents; ++i) {
    EXPECT_EQ(seen_a[i].revision(), static_cast<uint64_t>(i + 1));
    EXPECT_EQ(seen_a[i].revision(), seen_b[i].revision());
    EXPECT_EQ(seen_a[i].dedup_key(), seen_b[i].dedup_key());
    EXPECT_EQ(seen_a[i].raw_body(), seen_b[i].raw_body());
  }
}

TEST_F(RedisReplicasTest, ADuplicateOnAnotherReplicaAnswersTheOriginalRevision) {
  Replica& a = StartReplica();
  Replica& b = StartReplica();
  MustPublish(a, MakeCreateRoom("first"));
  v1::PublishResponse original = MustPublish(a, MakeCreateRoom("dup"));
  v1::PublishResponse again = MustPublish(b, MakeCreateRoom("dup"));
  EXPECT_EQ(original.revision(), 2u);
  EXPECT_FALSE(original.duplicate());
  EXPECT_EQ(again.revision(), 2u);
  EXPECT_TRUE(again.duplicate());
}

TEST_F(RedisReplicasTest, APublishIsReadableOnItsReplicaWhenAnswered) {
  Replica& a = StartReplica();
  Replica& b = StartReplica();
  for (int i = 0; i < 20; ++i) {
    Replica& replica = i % 2 == 0 ? a : b;
    const std::string room = absl::StrCat("ryw-", i);
    MustPublish(replica, MakeCreateRoom(room));
    v1::GetRoomRequest request;
    request.set_room_id(room);
    v1::Room response;
    grpc::ClientContext context;
    ASSERT_TRUE(replica.stub->GetRoom(&context, request, &response).ok()) << room;
  }
}

TEST_F(RedisReplicasTest, AReadWithMinRevisionOnAnotherReplicaSeesThePublish) {
  Replica& a = StartReplica();
  Replica& b = StartReplica();
  for (int i = 0; i < 20; ++i) {
    const std::string room = absl::StrCat("other-", i);
    const uint64_t revision = MustPublish(a, MakeCreateRoom(room)).revision();
    v1::GetRoomRequest request;
    request.set_room_id(room);
    request.set_min_revision(revision);
    v1::Room response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status status = b.stub->GetRoom(&context, request, &response);
    ASSERT_TRUE(status.ok()) << room << ": " << status.error_message();
  }
}

TEST_F(RedisReplicasTest, StaleIsDecidedAtFoldTimeTheSameOnEveryReplica) {
  Replica& a = StartReplica();
  MustPublish(a, MakeCreateRoom("s", /*event_time_ms=*/5000));
  v1::Event older = MakeCreateRoom("s", /*event_time_ms=*/4000);
  older.set_stale(false);
  MustPublish(a, older);
  // A replica started later folds the same events, and readers of the journal see the marks.
  Replica& b = StartReplica();
  for (Replica* replica : {&a, &b}) {
    v1::ListEventsRequest request;
    v1::ListEventsResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(replica->stub->ListEvents(&context, request, &response).ok());
    ASSERT_EQ(response.events_size(), 2);
    EXPECT_FALSE(response.events(0).stale());
    EXPECT_TRUE(response.events(1).stale());
    Stream stream(*replica->stub, After(0));
    std::vector<v1::Event> events = stream.NextEvents(2);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_FALSE(events[0].stale());
    EXPECT_TRUE(events[1].stale());
  }
}

TEST_F(RedisReplicasTest, ANewReplicaStartsFromTheCheckpointAfterTrimming) {
  service::ServerOptions options = Options();
  options.journal.retain_events = 5;
  options.journal.retain_for = absl::ZeroDuration();
  Replica& a = StartReplica(options);
  for (int i = 0; i < 30; ++i) MustPublish(a, MakeCreateRoom(absl::StrCat("cp-", i)));
  a.server->journal().RunMaintenanceForTest();  // Checkpoint at 30, then trim to the last 5.

  Replica& b = StartReplica(options);
  EXPECT_EQ(b.server->journal().AppliedRevision(), 30u);
  v1::ListRoomsResponse rooms;
  {
    v1::ListRoomsRequest request;
    request.set_page_size(100);
    grpc::ClientContext context;
    ASSERT_TRUE(b.stub->ListRooms(&context, request, &rooms).ok());
  }
  EXPECT_EQ(rooms.rooms_size(), 30);
  v1::ServerInfo info;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(b.stub->GetServerInfo(&context, v1::GetServerInfoRequest(), &info).ok());
  }
  EXPECT_EQ(info.store(), "redis");
  EXPECT_EQ(info.head_revision(), 30u);
  EXPECT_EQ(info.oldest_revision(), 26u);

  // A resume point that was trimmed is refused as with the embedded store; the rest resumes.
  Stream trimmed(*b.stub, After(3));
  v1::SubscribeResponse response;
  EXPECT_FALSE(trimmed.Next(&response) && response.has_event());
  grpc::Status status = trimmed.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "REVISION_COMPACTED"))
      << status.error_message();
  Stream resumed(*b.stub, After(25));
  MustPublish(a, MakeCreateRoom("after-checkpoint"));
  std::vector<v1::Event> events = resumed.NextEvents(6);
  ASSERT_EQ(events.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(events[i].revision(), static_cast<uint64_t>(26 + i));
}

TEST_F(RedisReplicasTest, LosingRedisStopsServingAndItsReturnResumesWithoutHelp) {
  Replica& a = StartReplica();
  MustPublish(a, MakeCreateRoom("before"));
  Stream stream(*a.stub, After(0));
  ASSERT_EQ(stream.NextEvents(1).size(), 1u);

  redis_->Kill();
  for (const std::string service : {"", "liveevents.v1.LiveEvents"}) {
    EXPECT_TRUE(AwaitHealth(*a.server, service, grpc::health::v1::HealthCheckResponse::NOT_SERVING))
        << service;
  }
  v1::PublishResponse response;
  const absl::Time start = absl::Now();
  grpc::Status status = Publish(a, MakeCreateRoom("while-away"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5)) << "fails fast, so that gateways spool";

  ASSERT_TRUE(redis_->Restart().ok());
  for (const std::string service : {"", "liveevents.v1.LiveEvents"}) {
    EXPECT_TRUE(AwaitHealth(*a.server, service, grpc::health::v1::HealthCheckResponse::SERVING))
        << service;
  }
  EXPECT_EQ(MustPublish(a, MakeCreateRoom("after")).revision(), 2u);
  std::vector<v1::Event> events = stream.NextEvents(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].revision(), 2u);
}

TEST_F(RedisReplicasTest, AReplicaThatFellBehindRetentionContinuesFromTheCheckpoint) {
  // Replica A connects as its own Redis user, so that the test can stop it from reading (no
  // command allowed) while replica B goes on, and let it read again.
  service::redis::RedisConnection admin(Options().redis->log.connection);
  auto acl = [&](std::initializer_list<absl::string_view> rules) {
    std::vector<absl::string_view> args = {"ACL", "SETUSER", "lagging"};
    args.insert(args.end(), rules);
    auto reply = admin.Command(absl::MakeConstSpan(args));
    ASSERT_TRUE(reply.ok()) << reply.status();
  };
  acl({"on", ">secret", "~*", "&*", "+@all"});
  service::ServerOptions options = Options();
  options.journal.retain_events = 5;
  options.journal.retain_for = absl::ZeroDuration();
  service::ServerOptions lagging = options;
  lagging.redis->log.connection.username = "lagging";
  lagging.redis->log.connection.password = "secret";
  Replica& a = StartReplica(lagging);
  Replica& b = StartReplica(options);
  Stream on_a(*a.stub, After(0));
  for (int i = 0; i < 3; ++i) MustPublish(b, MakeCreateRoom(absl::StrCat("early-", i)));
  ASSERT_EQ(on_a.NextEvents(3).size(), 3u);

  const uint64_t evicted_before = service::GetServiceMetrics().evicted_compacted.Value();
  acl({"-@all"});
  EXPECT_TRUE(AwaitHealth(*a.server, "", grpc::health::v1::HealthCheckResponse::NOT_SERVING));
  for (int i = 0; i < 20; ++i) MustPublish(b, MakeCreateRoom(absl::StrCat("missed-", i)));
  b.server->journal().RunMaintenanceForTest();  // Checkpoint at 23, then trim to the last 5.
  acl({"+@all"});

  // A cannot read revision 4 any more: it continues from the checkpoint without a restart, and
  // its subscriber, which would miss 4..23, is told to take a snapshot again.
  EXPECT_TRUE(AwaitHealth(*a.server, "", grpc::health::v1::HealthCheckResponse::SERVING));
  v1::SubscribeResponse response;
  while (on_a.Next(&response)) EXPECT_FALSE(response.has_event()) << response.event().revision();
  const grpc::Status ended = on_a.Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << ended.error_message();
  EXPECT_TRUE(absl::StrContains(ended.error_message(), "REVISION_COMPACTED"))
      << ended.error_message();
  // Counted as an eviction (the metrics registry is process-wide, hence the difference).
  EXPECT_EQ(service::GetServiceMetrics().evicted_compacted.Value() - evicted_before, 1u);
  EXPECT_EQ(a.server->journal().AppliedRevision(), 23u);
  {
    v1::GetRoomRequest request;
    request.set_room_id("missed-19");
    v1::Room room;
    grpc::ClientContext context;
    EXPECT_TRUE(a.stub->GetRoom(&context, request, &room).ok()) << "the checkpoint's state";
  }
  Stream again(*a.stub, After(23));
  EXPECT_EQ(MustPublish(b, MakeCreateRoom("after")).revision(), 24u);
  std::vector<v1::Event> events = again.NextEvents(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].revision(), 24u);
}

}  // namespace
}  // namespace liveevents::testing
