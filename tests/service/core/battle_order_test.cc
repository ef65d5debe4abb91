// Tests for newest-first battle order and its pages (service/core/battle_order.h): the order is
// total, pages continue exactly, filters, apps and the byte budget are honoured.
#include "service/core/battle_order.h"

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace liveevents::service {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr uint64_t kApp = 1400000001;

struct Spec {
  uint64_t app;
  std::string id;
  int64_t start_time;  // 0: never started.
  std::string room = "r1";
};

std::map<EntityKey, BattleRecord> Battles(const std::vector<Spec>& specs) {
  std::map<EntityKey, BattleRecord> battles;
  for (const Spec& spec : specs) {
    v1::Battle& battle = battles[EntityKey(spec.app, spec.id)].battle.Mutable();
    battle.set_sdk_app_id(spec.app);
    battle.set_battle_id(spec.id);
    battle.set_start_time(spec.start_time);
    battle.set_state(spec.start_time == 0 ? v1::BATTLE_STATE_CREATED : v1::BATTLE_STATE_STARTED);
    battle.mutable_from_room()->set_room_id(spec.room);
  }
  return battles;
}

bool KeepAll(const v1::Battle&) { return true; }

std::vector<std::string> Ids(const BattlePage& page) {
  std::vector<std::string> ids;
  for (const v1::Battle* battle : page.battles) ids.push_back(battle->battle_id());
  return ids;
}

// Every page of `limit` from the first, as ids, following the last battle of each page.
std::vector<std::vector<std::string>> AllPages(const std::map<EntityKey, BattleRecord>& battles,
                                               uint64_t app, int limit) {
  std::vector<std::vector<std::string>> pages;
  std::optional<BattlePosition> after;
  for (int guard = 0; guard < 100; ++guard) {
    const BattlePage page = NewestFirstPage(battles, app, after, limit, KeepAll);
    pages.push_back(Ids(page));
    if (!page.more) break;
    after = PositionOf(*page.battles.back());
  }
  return pages;
}

TEST(BattleOrderTest, NewestStartFirstThenKeyThenBattlesWithoutAStart) {
  const auto battles = Battles({{kApp, "a", 100},
                                {kApp, "b", 300},
                                {kApp, "c", 0},
                                {kApp, "d", 300},
                                {kApp, "e", 200},
                                {kApp, "f", 0}});
  const BattlePage page = NewestFirstPage(battles, 0, std::nullopt, 100, KeepAll);
  EXPECT_THAT(Ids(page), ElementsAre("b", "d", "e", "a", "c", "f"));
  EXPECT_FALSE(page.more);
}

TEST(BattleOrderTest, ComesBeforeIsAStrictTotalOrder) {
  const std::vector<BattlePosition> sorted = {{300, kApp, "b"},     {300, kApp, "d"},
                                              {300, kApp + 1, "a"}, {200, kApp, "z"},
                                              {0, kApp, "c"},       {-5, kApp, "a"}};
  for (size_t i = 0; i < sorted.size(); ++i) {
    EXPECT_FALSE(ComesBefore(sorted[i], sorted[i])) << i;
    for (size_t j = i + 1; j < sorted.size(); ++j) {
      EXPECT_TRUE(ComesBefore(sorted[i], sorted[j])) << i << " " << j;
      EXPECT_FALSE(ComesBefore(sorted[j], sorted[i])) << i << " " << j;
    }
  }
}

TEST(BattleOrderTest, PagesContinueExactlyAcrossTiesOfStartTime) {
  std::vector<Spec> specs;
  for (int i = 0; i < 7; ++i) {
    specs.push_back({kApp, absl::StrCat("t", i), 500});  // Seven battles started together.
  }
  specs.push_back({kApp, "new", 900});
  specs.push_back({kApp, "created", 0});
  specs.push_back({kApp + 1, "other-app", 700});
  const auto battles = Battles(specs);
  EXPECT_THAT(AllPages(battles, 0, 3),
              ElementsAre(ElementsAre("new", "other-app", "t0"), ElementsAre("t1", "t2", "t3"),
                          ElementsAre("t4", "t5", "t6"), ElementsAre("created")));
  // Exactly a page's worth left: the page before says there is more, the last one says not.
  EXPECT_THAT(AllPages(battles, 0, 5),
              ElementsAre(ElementsAre("new", "other-app", "t0", "t1", "t2"),
                          ElementsAre("t3", "t4", "t5", "t6", "created")));
}

TEST(BattleOrderTest, OnlyTheAppAndTheBattlesKeepAccepts) {
  const auto battles = Battles({{kApp, "a", 100, "r1"},
                                {kApp, "b", 200, "r2"},
                                {kApp, "c", 300, "r1"},
                                {kApp + 1, "d", 400, "r1"}});
  auto in_r1 = [](const v1::Battle& battle) { return battle.from_room().room_id() == "r1"; };
  EXPECT_THAT(Ids(NewestFirstPage(battles, kApp, std::nullopt, 10, in_r1)), ElementsAre("c", "a"));
  EXPECT_THAT(Ids(NewestFirstPage(battles, 0, std::nullopt, 10, in_r1)),
              ElementsAre("d", "c", "a"));
  EXPECT_THAT(Ids(NewestFirstPage(battles, kApp + 2, std::nullopt, 10, in_r1)), IsEmpty());
  const BattlePage first = NewestFirstPage(battles, kApp, std::nullopt, 1, in_r1);
  EXPECT_THAT(Ids(first), ElementsAre("c"));
  EXPECT_TRUE(first.more);
  const BattlePage second =
      NewestFirstPage(battles, kApp, PositionOf(*first.battles.back()), 1, in_r1);
  EXPECT_THAT(Ids(second), ElementsAre("a"));
  EXPECT_FALSE(second.more) << "b follows, but keep refuses it";
}

TEST(BattleOrderTest, TheByteBudgetCutsAPageButNeverEmptiesIt) {
  const auto battles = Battles({{kApp, "a", 300}, {kApp, "b", 200}, {kApp, "c", 100}});
  const size_t one = battles.begin()->second.battle->ByteSizeLong();
  BattlePage page = NewestFirstPage(battles, 0, std::nullopt, 10, KeepAll, 2 * one);
  EXPECT_THAT(Ids(page), ElementsAre("a", "b"));
  EXPECT_TRUE(page.more);
  page = NewestFirstPage(battles, 0, std::nullopt, 10, KeepAll, 1);
  EXPECT_THAT(Ids(page), ElementsAre("a"));
  EXPECT_TRUE(page.more);
  page = NewestFirstPage(battles, 0, PositionOf(*page.battles.back()), 10, KeepAll, 1);
  EXPECT_THAT(Ids(page), ElementsAre("b"));
}

TEST(BattleOrderTest, AfterTheLastBattleThePageIsEmpty) {
  const auto battles = Battles({{kApp, "a", 300}});
  const BattlePage page = NewestFirstPage(battles, 0, BattlePosition{300, kApp, "a"}, 10, KeepAll);
  EXPECT_THAT(Ids(page), IsEmpty());
  EXPECT_FALSE(page.more);
}

}  // namespace
}  // namespace liveevents::service
