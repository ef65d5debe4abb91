// Tests for the battle result (service/core/battle_result.h): competition ranking, winners,
// draws, never-started battles, and independence from the order Tencent lists the rooms in.
#include "service/core/battle_result.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace liveevents::service {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Scored {
  std::string room_id;
  int64_t score;
};

// An ended battle whose first room is from_room and the rest to_rooms.
v1::Battle Ended(const std::vector<Scored>& rooms,
                 v1::BattleEndReason reason = v1::BATTLE_END_REASON_TIME_UP) {
  v1::Battle battle;
  battle.set_state(v1::BATTLE_STATE_ENDED);
  battle.set_end_reason(reason);
  for (size_t i = 0; i < rooms.size(); ++i) {
    v1::BattleRoom& room = i == 0 ? *battle.mutable_from_room() : *battle.add_to_rooms();
    room.set_room_id(rooms[i].room_id);
    room.set_owner_account(absl::StrCat("owner-", rooms[i].room_id));
    room.set_score(rooms[i].score);
  }
  return battle;
}

std::vector<int32_t> Ranks(const v1::BattleResult& result) {
  std::vector<int32_t> ranks;
  for (const v1::RankedRoom& room : result.ranking()) ranks.push_back(room.rank());
  return ranks;
}

std::vector<std::string> RoomIds(const v1::BattleResult& result) {
  std::vector<std::string> ids;
  for (const v1::RankedRoom& room : result.ranking()) ids.push_back(room.room_id());
  return ids;
}

TEST(BattleResultTest, TiedTopScoresShareRankOneAndBothWin) {
  const v1::BattleResult result = BattleResultOf(Ended({{"a", 120}, {"b", 80}, {"c", 120}}));
  EXPECT_THAT(RoomIds(result), ElementsAre("a", "c", "b"));
  EXPECT_THAT(Ranks(result), ElementsAre(1, 1, 3));
  EXPECT_THAT(result.winner_room_ids(), ElementsAre("a", "c"));
  EXPECT_TRUE(result.draw());
  EXPECT_EQ(result.ranking(0).owner_account(), "owner-a");
  EXPECT_EQ(result.ranking(2).score(), 80);
}

TEST(BattleResultTest, SingleTopScoreWinsAndIsNoDraw) {
  const v1::BattleResult result = BattleResultOf(Ended({{"a", 5}, {"b", 9}, {"c", 5}, {"d", 1}}));
  EXPECT_THAT(RoomIds(result), ElementsAre("b", "a", "c", "d"));
  EXPECT_THAT(Ranks(result), ElementsAre(1, 2, 2, 4));
  EXPECT_THAT(result.winner_room_ids(), ElementsAre("b"));
  EXPECT_FALSE(result.draw());
}

TEST(BattleResultTest, AllEqualScoresAreADrawOfEveryRoom) {
  const v1::BattleResult result = BattleResultOf(Ended({{"b", 0}, {"a", 0}}));
  EXPECT_THAT(Ranks(result), ElementsAre(1, 1));
  EXPECT_THAT(result.winner_room_ids(), ElementsAre("a", "b"));
  EXPECT_TRUE(result.draw());
}

TEST(BattleResultTest, NeverStartedBattleIsRankedButHasNoWinnerAndNoDraw) {
  const v1::BattleResult result =
      BattleResultOf(Ended({{"a", 0}, {"b", 0}}, v1::BATTLE_END_REASON_NEVER_STARTED));
  EXPECT_THAT(Ranks(result), ElementsAre(1, 1));
  EXPECT_THAT(result.winner_room_ids(), IsEmpty());
  EXPECT_FALSE(result.draw());
}

TEST(BattleResultTest, NegativeScoresRankBelowZero) {
  const v1::BattleResult result = BattleResultOf(Ended({{"a", -3}, {"b", 0}}));
  EXPECT_THAT(RoomIds(result), ElementsAre("b", "a"));
  EXPECT_THAT(result.winner_room_ids(), ElementsAre("b"));
}

TEST(BattleResultTest, RoomsWithoutIdAreLeftOut) {
  v1::Battle battle = Ended({{"", 100}, {"a", 1}});  // from_room without an id.
  battle.add_to_rooms()->set_score(100);             // Nor this one.
  const v1::BattleResult result = BattleResultOf(battle);
  EXPECT_THAT(RoomIds(result), ElementsAre("a"));
  EXPECT_THAT(result.winner_room_ids(), ElementsAre("a"));
}

TEST(BattleResultTest, NoRoomsGiveAnEmptyResult) {
  const v1::BattleResult result = BattleResultOf(Ended({}));
  EXPECT_THAT(result.ranking(), IsEmpty());
  EXPECT_THAT(result.winner_room_ids(), IsEmpty());
  EXPECT_FALSE(result.draw());
}

TEST(BattleResultTest, ResultDoesNotDependOnTheOrderRoomsAreListed) {
  const v1::BattleResult one = BattleResultOf(Ended({{"a", 120}, {"b", 80}, {"c", 120}}));
  const v1::BattleResult two = BattleResultOf(Ended({{"c", 120}, {"a", 120}, {"b", 80}}));
  EXPECT_TRUE(MessageDifferencer::Equals(one, two));
}

}  // namespace
}  // namespace liveevents::service
