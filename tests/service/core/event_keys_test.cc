// Tests for the event helpers (service/core/event_keys.h): which room or battle an event names.
#include "service/core/event_keys.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace liveevents::service {
namespace {

using ::testing::ElementsAre;

v1::BattleRoom Room(const std::string& id) {
  v1::BattleRoom room;
  room.set_room_id(id);
  return room;
}

TEST(EventKeysTest, RoomIdOfNamesTheRoomOrNothing) {
  v1::Event msg;
  msg.mutable_after_send_msg()->set_group_id("group-room");
  EXPECT_EQ(RoomIdOf(msg), "group-room");
  v1::Event create;
  create.mutable_create_room()->mutable_room_info()->set_room_id("r");
  EXPECT_EQ(RoomIdOf(create), "r");
  v1::Event members;
  members.mutable_member_state_changed()->set_room_id("m");
  EXPECT_EQ(RoomIdOf(members), "m");
  v1::Event battle;
  battle.mutable_create_battle()->set_from_room_id("r");
  EXPECT_EQ(RoomIdOf(battle), "");
  EXPECT_EQ(RoomIdOf(v1::Event()), "");
}

TEST(EventKeysTest, RoomIdOfDestroyFallsBackToRoomInfo) {
  v1::Event destroy;
  destroy.mutable_destroy_room()->mutable_room_info()->set_room_id("from-info");
  EXPECT_EQ(RoomIdOf(destroy), "from-info");
  destroy.mutable_destroy_room()->set_room_id("top-level");
  EXPECT_EQ(RoomIdOf(destroy), "top-level");
}

TEST(EventKeysTest, BattleIdOfNamesTheBattleOfCreateStartAndEndOnly) {
  v1::Event create;
  create.mutable_create_battle()->set_battle_id("b-create");
  v1::Event start;
  start.mutable_start_battle()->set_battle_id("b-start");
  v1::Event end;
  end.mutable_end_battle()->set_battle_id("b-end");
  v1::Event room;
  room.mutable_create_room()->mutable_room_info()->set_room_id("b-create");
  EXPECT_EQ(BattleIdOf(create), "b-create");
  EXPECT_EQ(BattleIdOf(start), "b-start");
  EXPECT_EQ(BattleIdOf(end), "b-end");
  EXPECT_EQ(BattleIdOf(room), "");
  EXPECT_EQ(BattleIdOf(v1::Event()), "");
}

TEST(EventKeysTest, RoomIdsOfListsEveryRoomOfABattle) {
  v1::Event create;
  create.mutable_create_battle()->set_from_room_id("a");
  create.mutable_create_battle()->add_to_room_ids("b");
  create.mutable_create_battle()->add_to_room_ids("c");
  EXPECT_THAT(RoomIdsOf(create), ElementsAre("a", "b", "c"));
  v1::Event end;
  *end.mutable_end_battle()->mutable_from_room() = Room("x");
  *end.mutable_end_battle()->add_to_rooms() = Room("y");
  EXPECT_THAT(RoomIdsOf(end), ElementsAre("x", "y"));
  v1::Event seats;
  seats.mutable_seat_info_changed()->set_room_id("s");
  EXPECT_THAT(RoomIdsOf(seats), ElementsAre("s"));
}

TEST(EventKeysTest, BattleInvolvesCallerAndCalleesOnly) {
  v1::Battle battle;
  *battle.mutable_from_room() = Room("caller");
  *battle.add_to_rooms() = Room("callee-1");
  *battle.add_to_rooms() = Room("callee-2");
  EXPECT_TRUE(BattleInvolvesRoom(battle, "caller"));
  EXPECT_TRUE(BattleInvolvesRoom(battle, "callee-2"));
  EXPECT_FALSE(BattleInvolvesRoom(battle, "bystander"));
}

}  // namespace
}  // namespace liveevents::service
