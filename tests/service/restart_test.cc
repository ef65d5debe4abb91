// Durability across restarts on the SQLite store: revisions continue, duplicates stay
// duplicates, state is rebuilt from snapshot plus journal, subscribers resume exactly, and
// retention compacts only what a snapshot covers.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "service/store/sqlite_event_store.h"
#include "tests/testing/service_fixture.h"

namespace liveevents::testing {
namespace {

class RestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           (absl::StrCat("liveevents-restart-", ::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Start(service::ServerOptions options = {}) {
    server_.reset();
    options.grpc_address = "127.0.0.1:0";
    auto store = service::SqliteEventStore::Open((dir_ / "journal.db").string());
    ASSERT_TRUE(store.ok()) << store.status();
    auto server = service::Server::Start(options, std::move(*store));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::LiveEvents::NewStub(server_->InProcessChannel());
  }

  v1::PublishResponse Publish(const v1::Event& event) {
    v1::PublishRequest request;
    *request.mutable_event() = event;
    v1::PublishResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->Publish(&context, request, &response).ok());
    return response;
  }

  v1::Room GetRoom(const std::string& room_id) {
    v1::GetRoomRequest request;
    request.set_room_id(room_id);
    v1::Room room;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->GetRoom(&context, request, &room).ok()) << room_id;
    return room;
  }

  v1::ServerInfo Info() {
    v1::ServerInfo info;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->GetServerInfo(&context, v1::GetServerInfoRequest(), &info).ok());
    return info;
  }

  std::filesystem::path dir_;
  std::unique_ptr<service::Server> server_;
  std::unique_ptr<v1::LiveEvents::Stub> stub_;
};

TEST_F(RestartTest, RevisionsStateAndDedupSurviveARestart) {
  Start();
  for (int i = 1; i <= 5; ++i) Publish(MakeCreateRoom(absl::StrCat("r", i)));
  const v1::Room before = GetRoom("r3");

  Start();
  EXPECT_EQ(Info().head_revision(), 5u);
  EXPECT_EQ(Info().store(), "sqlite");
  v1::PublishResponse duplicate = Publish(MakeCreateRoom("r2"));
  EXPECT_TRUE(duplicate.duplicate());
  EXPECT_EQ(duplicate.revision(), 2u);
  EXPECT_EQ(Publish(MakeCreateRoom("r6")).revision(), 6u);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(GetRoom("r3"), before));
}

TEST_F(RestartTest, SubscriberResumesAcrossARestartWithNothingMissingOrTwice) {
  Start();
  for (int i = 1; i <= 4; ++i) Publish(MakeCreateRoom(absl::StrCat("r", i)));
  uint64_t last_seen = 0;
  {
    Stream stream(*stub_, v1::SubscribeRequest());
    Publish(MakeCreateRoom("r5"));
    std::vector<v1::Event> events = stream.NextEvents(1);
    ASSERT_EQ(events.size(), 1u);
    last_seen = events[0].revision();
    stream.Cancel();
  }
  EXPECT_EQ(last_seen, 5u);
  Publish(MakeCreateRoom("r6"));  // Published while the subscriber is away.

  Start();
  Publish(MakeCreateRoom("r7"));
  v1::SubscribeRequest resume;
  resume.set_start(v1::SubscribeRequest::START_AFTER_REVISION);
  resume.set_after_revision(last_seen);
  Stream stream(*stub_, resume);
  Publish(MakeCreateRoom("r8"));
  std::vector<v1::Event> events = stream.NextEvents(3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].revision(), 6u);
  EXPECT_EQ(events[1].revision(), 7u);
  EXPECT_EQ(events[2].revision(), 8u);
}

TEST_F(RestartTest, CompactionKeepsTheStateAndResumingBeforeItFails) {
  service::ServerOptions options;
  options.journal.retain_events = 3;
  options.journal.retain_for = absl::ZeroDuration();
  Start(options);
  for (int i = 1; i <= 10; ++i) Publish(MakeCreateRoom(absl::StrCat("r", i)));
  server_->journal().RunMaintenanceForTest();
  const v1::ServerInfo info = Info();
  EXPECT_EQ(info.head_revision(), 10u);
  EXPECT_EQ(info.oldest_revision(), 8u);

  grpc::ClientContext context;
  v1::SubscribeRequest request;
  request.set_start(v1::SubscribeRequest::START_AFTER_REVISION);
  request.set_after_revision(0);
  auto reader = stub_->Subscribe(&context, request);
  v1::SubscribeResponse response;
  EXPECT_FALSE(reader->Read(&response));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "REVISION_COMPACTED"));

  // State before the compaction point comes back from the stored rows.
  Start(options);
  EXPECT_EQ(GetRoom("r1").room_id(), "r1");
  EXPECT_EQ(GetRoom("r10").room_id(), "r10");
  EXPECT_EQ(Publish(MakeCreateRoom("r11")).revision(), 11u);
}

TEST_F(RestartTest, MembersAndTheirBookkeepingSurviveASnapshotAndRestart) {
  Start();
  Publish(MakeCreateRoom("r1"));
  v1::Event online;
  online.set_sdk_app_id(1400000001);
  online.set_command("Live.CallbackOnMemberStateChanged");
  online.set_event_time_ms(5000);
  online.set_raw_body("{\"online\":1}");
  online.mutable_member_state_changed()->set_room_id("r1");
  online.mutable_member_state_changed()->set_event_type("Online");
  online.mutable_member_state_changed()->add_member_accounts("u1");
  online.mutable_member_state_changed()->add_member_accounts("u2");
  Publish(online);
  server_->journal().RunMaintenanceForTest();  // Saves a snapshot holding the members.

  Start();
  EXPECT_EQ(GetRoom("r1").online_count(), 2);
  v1::ListRoomMembersRequest request;
  request.set_room_id("r1");
  v1::ListRoomMembersResponse members;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->ListRoomMembers(&context, request, &members).ok());
  EXPECT_EQ(members.member_accounts_size(), 2);
  // The member's fact time came back too: an older Offline is still recognised as stale.
  v1::Event late_offline = online;
  late_offline.set_event_time_ms(4000);
  late_offline.set_raw_body("{\"offline\":1}");
  late_offline.mutable_member_state_changed()->set_event_type("Offline");
  Publish(late_offline);
  EXPECT_EQ(GetRoom("r1").online_count(), 2);
}

// An EndBattle scoring three rooms 120 / 80 / 120.
v1::Event EndBattleWithThreeRooms(const std::string& battle_id) {
  v1::Event event;
  event.set_sdk_app_id(1400000001);
  event.set_command("Live.CallbackAfterEndBattle");
  event.set_event_time_ms(3000);
  event.set_raw_body("{\"BattleId\":\"" + battle_id + "\",\"end\":1}");
  v1::EndBattle& end = *event.mutable_end_battle();
  end.set_battle_id(battle_id);
  end.set_op_type(0);
  auto room = [](v1::BattleRoom* room, const std::string& id, int64_t score) {
    room->set_room_id(id);
    room->set_owner_account("owner-" + id);
    room->set_score(score);
  };
  room(end.mutable_from_room(), "r1", 120);
  room(end.add_to_rooms(), "r2", 80);
  room(end.add_to_rooms(), "r3", 120);
  return event;
}

// The room rows a battle changed are stored with its events: a restart loads the rooms with
// their current battle, set and cleared.
TEST_F(RestartTest, ARoomsCurrentBattleSurvivesARestart) {
  Start();
  Publish(MakeCreateRoom("r1"));
  Publish(MakeStartBattle("b1", "r1", "r2"));
  ASSERT_EQ(GetRoom("r1").current_battle_id(), "b1");
  Start();
  EXPECT_EQ(GetRoom("r1").current_battle_id(), "b1");
  Publish(EndBattleWithThreeRooms("b1"));
  ASSERT_EQ(GetRoom("r1").current_battle_id(), "");
  Start();
  EXPECT_EQ(GetRoom("r1").current_battle_id(), "");
}

TEST_F(RestartTest, BattleResultSurvivesARestartUnchanged) {
  Start();
  Publish(MakeStartBattle("b1", "r1", "r2"));
  Publish(EndBattleWithThreeRooms("b1"));
  Publish(MakeStartBattle("b2", "r1", "r2"));
  Publish(EndBattleWithThreeRooms("b2"));
  auto get = [&](const std::string& battle_id) {
    v1::GetBattleRequest request;
    request.set_battle_id(battle_id);
    v1::Battle battle;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->GetBattle(&context, request, &battle).ok()) << battle_id;
    return battle;
  };
  const v1::Battle before = get("b1");
  ASSERT_EQ(before.result().ranking_size(), 3);
  EXPECT_EQ(before.result().ranking(0).rank(), 1);
  EXPECT_EQ(before.result().ranking(1).rank(), 1);
  EXPECT_EQ(before.result().ranking(2).rank(), 3);
  EXPECT_EQ(before.result().ranking(2).room_id(), "r2");
  ASSERT_EQ(before.result().winner_room_ids_size(), 2);
  EXPECT_EQ(before.result().winner_room_ids(0), "r1");
  EXPECT_EQ(before.result().winner_room_ids(1), "r3");
  EXPECT_TRUE(before.result().draw());

  // Both come back from the stored rows, also after maintenance ran.
  Start();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(get("b1"), before));
  server_->journal().RunMaintenanceForTest();
  Start();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(get("b1"), before));
  v1::Battle b2 = get("b2");
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(b2.result(), before.result()));
}

}  // namespace
}  // namespace liveevents::testing
