#include "client/livectl_commands.h"

#include <gtest/gtest.h>

#include <sstream>

#include "fake_live_events.h"

namespace liveevents::client {
namespace {

namespace v1 = liveevents::v1;
using testing::EventAt;
using testing::FakeServer;
using testing::ProgressAt;
using testing::StreamScript;

class LivectlTest : public ::testing::Test {
 protected:
  LivectlTest() {
    context_.channel = server_.channel();
    context_.timeout = absl::Seconds(30);
    context_.out = &out_;
    context_.err = &err_;
  }

  FakeServer server_;
  std::ostringstream out_;
  std::ostringstream err_;
  CommandContext context_;
};

TEST_F(LivectlTest, RoomPrintsOneJsonLine) {
  EXPECT_EQ(GetRoom(context_, "r1", 0), kExitOk) << err_.str();
  EXPECT_EQ(out_.str(),
            "{\"room_id\":\"r1\",\"status\":\"ROOM_STATUS_ACTIVE\",\"online_count\":\"3\"}\n");
}

TEST_F(LivectlTest, RoomSendsTheApp) {
  EXPECT_EQ(GetRoom(context_, "r1", 1400000002), kExitOk) << err_.str();
  EXPECT_EQ(out_.str(),
            "{\"room_id\":\"r1\",\"status\":\"ROOM_STATUS_ACTIVE\",\"sdk_app_id\":\"1400000002\","
            "\"online_count\":\"3\"}\n");
}

TEST_F(LivectlTest, UnknownRoomExitsOneWithTheStatusMessage) {
  EXPECT_EQ(GetRoom(context_, "nope", 0), kExitFailure);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), "livectl: room: NOT_FOUND: room nope not found\n");
}

TEST_F(LivectlTest, BattleAndInfo) {
  EXPECT_EQ(GetBattle(context_, "b1", 0), kExitOk) << err_.str();
  EXPECT_EQ(GetServerInfo(context_), kExitOk) << err_.str();
  EXPECT_EQ(out_.str(),
            "{\"battle_id\":\"b1\",\"state\":\"BATTLE_STATE_STARTED\"}\n"
            "{\"head_revision\":\"42\",\"store\":\"memory\"}\n");
}

TEST_F(LivectlTest, RoomsFollowsEveryPage) {
  EXPECT_EQ(ListRooms(context_, v1::ROOM_STATUS_UNSPECIFIED, 0), kExitOk) << err_.str();
  EXPECT_EQ(out_.str(),
            "{\"room_id\":\"room-a\"}\n{\"room_id\":\"room-b\"}\n{\"room_id\":\"room-c\"}\n");
}

TEST_F(LivectlTest, MembersPrintsOneJsonStringPerAccountAcrossPages) {
  EXPECT_EQ(ListRoomMembers(context_, "r1", 7), kExitOk) << err_.str();
  EXPECT_EQ(out_.str(), "\"u1\"\n\"\\\"quoted\\\"\"\n\"app-7\"\n");
}

TEST_F(LivectlTest, RoomsAsATableFollowEveryPage) {
  context_.output = OutputFormat::kTable;
  EXPECT_EQ(ListRooms(context_, v1::ROOM_STATUS_UNSPECIFIED, 0), kExitOk) << err_.str();
  std::istringstream lines(out_.str());
  std::vector<std::string> got;
  for (std::string line; std::getline(lines, line);) got.push_back(line);
  ASSERT_EQ(got.size(), 4u) << out_.str();
  EXPECT_EQ(got[0].rfind("APP  ROOM    STATUS", 0), 0u) << got[0];
  EXPECT_EQ(got[1].rfind("0    room-a  unspecified", 0), 0u) << got[1];
  EXPECT_EQ(got[3].rfind("0    room-c  unspecified", 0), 0u) << got[3];
}

TEST_F(LivectlTest, RoomAndMembersAsTables) {
  context_.output = OutputFormat::kTable;
  EXPECT_EQ(GetRoom(context_, "r1", 0), kExitOk) << err_.str();
  EXPECT_EQ(ListRoomMembers(context_, "r1", 7), kExitOk) << err_.str();
  EXPECT_NE(out_.str().find("r1    active  -      3"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("ACCOUNT\nu1\n\"quoted\"\napp-7\n"), std::string::npos) << out_.str();
}

TEST_F(LivectlTest, UnimplementedCallFails) {
  // The fake does not implement ListEvents.
  EXPECT_EQ(ListEvents(context_, 0, 10), kExitFailure);
  EXPECT_NE(err_.str().find("UNIMPLEMENTED"), std::string::npos) << err_.str();
}

TEST_F(LivectlTest, TailPrintsEventsAcrossAReconnectAndStopsAtCount) {
  server_.service().AddScript({{ProgressAt(0), EventAt(1), EventAt(2)},
                               grpc::Status(grpc::StatusCode::UNAVAILABLE, "drain")});
  server_.service().AddScript({{ProgressAt(2), EventAt(3), EventAt(4)}, std::nullopt});
  TailOptions options;
  options.subscriber.initial_backoff = absl::Milliseconds(1);
  options.count = 3;
  options.print_progress = true;
  EXPECT_EQ(Tail(context_, options), kExitOk) << err_.str();
  std::istringstream lines(out_.str());
  std::vector<std::string> got;
  for (std::string line; std::getline(lines, line);) got.push_back(line);
  ASSERT_EQ(got.size(), 5u) << out_.str();
  EXPECT_EQ(got[0], "{\"progress\":{}}");  // Revision 0 is the proto3 default, hence omitted.
  EXPECT_EQ(got[1].rfind("{\"revision\":\"1\"", 0), 0u) << got[1];
  EXPECT_EQ(got[2].rfind("{\"revision\":\"2\"", 0), 0u) << got[2];
  EXPECT_EQ(got[3], "{\"progress\":{\"revision\":\"2\"}}");
  EXPECT_EQ(got[4].rfind("{\"revision\":\"3\"", 0), 0u) << got[4];
  EXPECT_EQ(server_.service().requests()[1].after_revision(), 2u);
}

TEST_F(LivectlTest, TailFailsOnACompactedResumePoint) {
  server_.service().AddScript(
      {{}, grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "REVISION_COMPACTED")});
  TailOptions options;
  options.subscriber.start = v1::SubscribeRequest::START_AFTER_REVISION;
  options.subscriber.after_revision = 1;
  EXPECT_EQ(Tail(context_, options), kExitFailure);
  EXPECT_NE(err_.str().find("FAILED_PRECONDITION"), std::string::npos) << err_.str();
}

TEST(LivectlParseTest, FlagValues) {
  EXPECT_EQ(*ParseRoomStatus(""), v1::ROOM_STATUS_UNSPECIFIED);
  EXPECT_EQ(*ParseRoomStatus("Active"), v1::ROOM_STATUS_ACTIVE);
  EXPECT_EQ(*ParseRoomStatus("destroyed"), v1::ROOM_STATUS_DESTROYED);
  EXPECT_FALSE(ParseRoomStatus("gone").ok());
  EXPECT_EQ(*ParseBattleState("ENDED"), v1::BATTLE_STATE_ENDED);
  EXPECT_EQ(*ParseBattleState("created"), v1::BATTLE_STATE_CREATED);
  EXPECT_FALSE(ParseBattleState("paused").ok());
  EXPECT_EQ(*ParseAppIds({"1400000001", "2"}), (std::vector<uint64_t>{1400000001, 2}));
  EXPECT_FALSE(ParseAppIds({"x"}).ok());
  EXPECT_FALSE(ParseAppIds({"-1"}).ok());
}

}  // namespace
}  // namespace liveevents::client
