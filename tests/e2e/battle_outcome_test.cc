// End to end, with a real 1 s --battle_grace: a battle whose End never comes gets exactly one
// LiveEvents.BattleOverdue, seen by every subscriber and never repeated by a restart; the late
// EndBattle still ends it with its result (scores 120 / 80 / 120: two winners, a draw), which a
// restart leaves unchanged. Rooms name the battle they are in while it runs.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <csignal>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/testing/e2e_fixture.h"
#include "tests/testing/service_fixture.h"

namespace liveevents::testing {
namespace {

constexpr char kOverdueCommand[] = "LiveEvents.BattleOverdue";

class BattleOutcomeTest : public E2eFixture {
 protected:
  void SetUp() override {
    server_flags_ = {"--battle_grace", "1s"};
    E2eFixture::SetUp();
  }

  // A StartBattle that starts now and lasts 1 s: overdue 1 s (the grace) after that.
  void PostStartNow(const std::string& battle_id, const std::vector<std::string>& rooms) {
    const int64_t now_s = absl::ToUnixSeconds(absl::Now());
    std::string to_rooms;
    for (size_t i = 1; i < rooms.size(); ++i) {
      absl::StrAppend(&to_rooms, i > 1 ? "," : "", R"({"RoomId":")", rooms[i],
                      R"(","Owner_Account":"owner-)", rooms[i], R"("})");
    }
    const std::string body = absl::StrCat(
        R"({"CallbackCommand":"Live.CallbackAfterStartBattle","BattleId":")", battle_id,
        R"(","Duration":1000,"CreateTime":)", now_s, R"(,"StartTime":)", now_s,
        R"(,"FromRoomInfo":{"RoomId":")", rooms[0], R"(","Owner_Account":"owner-)", rooms[0],
        R"("},"ToRoomList":[)", to_rooms, R"(],"EventTime":)", now_s * 1000, "}");
    HttpReply reply = Post("Live.CallbackAfterStartBattle", body);
    ASSERT_EQ(reply.status, 200) << reply.body;
  }

  // Ends `battle_id` (time up) with room-1 120, room-2 80, room-3 120.
  void PostEnd(const std::string& battle_id) {
    const int64_t now_s = absl::ToUnixSeconds(absl::Now());
    const std::string body = absl::StrCat(
        R"({"CallbackCommand":"Live.CallbackAfterEndBattle","BattleId":")", battle_id,
        R"(","Duration":1000,"CreateTime":)", now_s - 10, R"(,"StartTime":)", now_s - 10,
        R"(,"EndTime":)", now_s, R"(,"OpType":0,)",
        R"("FromRoomInfo":{"RoomId":"room-1","Score":120,"Owner_Account":"owner-room-1"},)",
        R"("ToRoomList":[{"RoomId":"room-2","Score":80,"Owner_Account":"owner-room-2"},)",
        R"({"RoomId":"room-3","Score":120,"Owner_Account":144115245442327522}],)",
        R"("EventTime":)", now_s * 1000 + 5, "}");
    HttpReply reply = Post("Live.CallbackAfterEndBattle", body);
    ASSERT_EQ(reply.status, 200) << reply.body;
  }

  void RestartServer() {
    const std::string address = grpc_address_;
    absl::StatusOr<int> code = server_->Stop(SIGTERM, absl::Seconds(20));
    ASSERT_TRUE(code.ok()) << code.status();
    ASSERT_EQ(*code, 0);
    StartServer(address);  // The gateway reconnects to the same address.
  }

  v1::Battle GetBattle(const std::string& battle_id) {
    v1::GetBattleRequest request;
    request.set_battle_id(battle_id);
    v1::Battle battle;
    grpc::ClientContext context;
    grpc::Status status = stub_->GetBattle(&context, request, &battle);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return battle;
  }

  std::string CurrentBattleOf(const std::string& room_id) {
    v1::GetRoomRequest request;
    request.set_room_id(room_id);
    v1::Room room;
    grpc::ClientContext context;
    grpc::Status status = stub_->GetRoom(&context, request, &room);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return room.current_battle_id();
  }
};

// Events from `stream` up to and including the first that `last` accepts; fewer when the stream
// ends first (its deadline bounds the wait).
std::vector<v1::Event> ReadThrough(Stream& stream, std::function<bool(const v1::Event&)> last) {
  std::vector<v1::Event> events;
  v1::SubscribeResponse response;
  while (stream.Next(&response)) {
    if (!response.has_event()) continue;
    events.push_back(response.event());
    if (last(events.back())) break;
  }
  return events;
}

std::function<bool(const v1::Event&)> IsOverdueOf(const std::string& battle_id) {
  return [battle_id](const v1::Event& event) {
    return event.command() == kOverdueCommand && event.battle_overdue().battle_id() == battle_id;
  };
}

int CountOverdue(const std::vector<v1::Event>& events, const std::string& battle_id) {
  int count = 0;
  for (const v1::Event& event : events) count += IsOverdueOf(battle_id)(event) ? 1 : 0;
  return count;
}

TEST_F(BattleOutcomeTest, OneOverdueEventAcrossARestartThenTheLateEndEndsTheBattle) {
  Stream first(*stub_, v1::SubscribeRequest());
  Stream second(*stub_, v1::SubscribeRequest());
  ASSERT_EQ(Post("Live.CallbackAfterCreateRoom", ReadExample("create_room.json")).status, 200);
  PostStartNow("pk-1", {"room-1", "room-2", "room-3"});

  for (Stream* stream : {&first, &second}) {
    const std::vector<v1::Event> events = ReadThrough(*stream, IsOverdueOf("pk-1"));
    ASSERT_EQ(events.size(), 3u) << "CreateRoom, StartBattle, then the overdue event";
    EXPECT_EQ(events[1].command(), "Live.CallbackAfterStartBattle");
    EXPECT_EQ(events[2].command(), kOverdueCommand);
    EXPECT_EQ(events[2].revision(), 3u);
    EXPECT_FALSE(events[2].stale());
  }
  v1::Battle battle = GetBattle("pk-1");
  EXPECT_EQ(battle.state(), v1::BATTLE_STATE_STARTED);
  EXPECT_TRUE(battle.overdue());
  EXPECT_EQ(CurrentBattleOf("room-1"), "pk-1") << "overdue, still in the battle";

  first.Cancel();  // Open streams would hold the server's shutdown to its deadline.
  second.Cancel();
  RestartServer();
  EXPECT_TRUE(GetBattle("pk-1").overdue());
  EXPECT_EQ(CurrentBattleOf("room-1"), "pk-1");
  // Another battle's overdue event proves that the restarted server looked for overdue battles
  // while pk-1 was still STARTED: the same scan would have journaled pk-1 again, right after it.
  v1::SubscribeRequest from_start;
  from_start.set_start(v1::SubscribeRequest::START_AFTER_REVISION);
  from_start.set_after_revision(0);
  Stream journal(*stub_, from_start);
  PostStartNow("pk-0-probe", {"room-8", "room-9"});
  std::vector<v1::Event> events = ReadThrough(journal, IsOverdueOf("pk-0-probe"));
  ASSERT_FALSE(events.empty());
  ASSERT_TRUE(IsOverdueOf("pk-0-probe")(events.back())) << "the stream ended first";

  PostEnd("pk-1");
  const std::vector<v1::Event> rest =
      ReadThrough(journal, [](const v1::Event& event) { return event.has_end_battle(); });
  ASSERT_FALSE(rest.empty());
  ASSERT_TRUE(rest.back().has_end_battle()) << "the stream ended first";
  EXPECT_FALSE(rest.back().stale()) << "an overdue battle still takes its End";
  events.insert(events.end(), rest.begin(), rest.end());
  EXPECT_EQ(CountOverdue(events, "pk-1"), 1);
  EXPECT_EQ(CountOverdue(events, "pk-0-probe"), 1);

  battle = GetBattle("pk-1");
  EXPECT_EQ(battle.state(), v1::BATTLE_STATE_ENDED);
  EXPECT_EQ(battle.end_reason(), v1::BATTLE_END_REASON_TIME_UP);
  EXPECT_TRUE(battle.overdue()) << "game logic can tell the result came late";
  const v1::BattleResult& result = battle.result();
  ASSERT_EQ(result.ranking_size(), 3);
  EXPECT_EQ(result.ranking(0).room_id(), "room-1");
  EXPECT_EQ(result.ranking(0).rank(), 1);
  EXPECT_EQ(result.ranking(1).room_id(), "room-3");
  EXPECT_EQ(result.ranking(1).rank(), 1);
  EXPECT_EQ(result.ranking(1).owner_account(), "144115245442327522");
  EXPECT_EQ(result.ranking(2).room_id(), "room-2");
  EXPECT_EQ(result.ranking(2).rank(), 3);
  ASSERT_EQ(result.winner_room_ids_size(), 2);
  EXPECT_EQ(result.winner_room_ids(0), "room-1");
  EXPECT_EQ(result.winner_room_ids(1), "room-3");
  EXPECT_TRUE(result.draw());
  EXPECT_EQ(CurrentBattleOf("room-1"), "") << "the battle ended";

  // A restart rebuilds the same battle, result and room.
  journal.Cancel();
  RestartServer();
  const v1::Battle restarted = GetBattle("pk-1");
  std::string diff;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(battle, restarted)) << diff;
  EXPECT_EQ(CurrentBattleOf("room-1"), "");
}

}  // namespace
}  // namespace liveevents::testing
