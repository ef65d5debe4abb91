// `livectl battles` and `livectl room` against a real LiveEvents server over loopback TCP:
// --overdue lists only the battles the server marked overdue, --newest a room's history newest
// first, and a room prints the battle it is in.
#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/livectl_commands.h"
#include "tests/testing/service_fixture.h"

namespace liveevents::testing {
namespace {

class LivectlBattlesTest : public ServiceFixture {
 protected:
  void SetUp() override {
    service::ServerOptions options;
    options.journal.clock = [this] { return absl::FromUnixMillis(now_ms_.load()); };
    options.journal.battle_grace = absl::Seconds(1);
    options.journal.overdue_check_interval = absl::Hours(24);  // Only when the test asks.
    StartServer(options);
    context_.channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                           grpc::InsecureChannelCredentials());
    context_.timeout = absl::Seconds(30);
    context_.out = &out_;
    context_.err = &err_;
  }

  // Starts `battle_id` between rooms `from` and `to` at `start_time` (Unix s) for 1 s.
  void StartBattle(const std::string& battle_id, const std::string& from, const std::string& to,
                   int64_t start_time) {
    v1::Event event = MakeStartBattle(battle_id, from, to);
    event.mutable_start_battle()->set_start_time(start_time);
    event.mutable_start_battle()->set_duration_ms(1000);
    Publish(event);
  }

  // Lets the server's overdue check run at `now_ms` and waits until what it journaled is applied.
  void CheckOverdueAt(int64_t now_ms) {
    now_ms_ = now_ms;
    server_->journal().RunMaintenanceForTest();
    Publish(MakeCreateRoom(absl::StrCat("marker-", now_ms)));  // Commits after the overdue events.
  }

  // `livectl battles` with these flags.
  int Battles(const std::string& room_id, bool only_overdue, bool newest_first,
              v1::BattleState state = v1::BATTLE_STATE_UNSPECIFIED) {
    client::BattlesQuery query;
    query.state = state;
    query.room_id = room_id;
    query.only_overdue = only_overdue;
    query.newest_first = newest_first;
    return client::ListBattles(context_, query);
  }

  // The lines printed so far, then forgets them.
  std::vector<std::string> TakeLines() {
    std::vector<std::string> lines = absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
    out_.str("");
    return lines;
  }

  std::atomic<int64_t> now_ms_{0};
  client::CommandContext context_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(LivectlBattlesTest, OverdueListsOnlyTheBattlesTheServerMarkedOverdue) {
  StartBattle("b-late", "r1", "r2", 100);  // Overdue from 102 s: 100 s + 1 s + 1 s grace.
  StartBattle("b-later", "r3", "r4", 200);
  CheckOverdueAt(102'000);

  ASSERT_EQ(Battles("", /*only_overdue=*/true, /*newest_first=*/false), client::kExitOk)
      << err_.str();
  std::vector<std::string> lines = TakeLines();
  ASSERT_EQ(lines.size(), 1u) << out_.str();
  EXPECT_TRUE(absl::StrContains(lines[0], "\"battle_id\":\"b-late\"")) << lines[0];
  EXPECT_TRUE(absl::StrContains(lines[0], "\"overdue\":true")) << lines[0];

  ASSERT_EQ(Battles("", /*only_overdue=*/false, /*newest_first=*/false), client::kExitOk)
      << err_.str();
  EXPECT_EQ(TakeLines().size(), 2u);
  // Combined with the other filters, and empty when nothing matches.
  ASSERT_EQ(Battles("r3", /*only_overdue=*/true, /*newest_first=*/false), client::kExitOk);
  EXPECT_TRUE(TakeLines().empty());
  CheckOverdueAt(202'000);
  ASSERT_EQ(Battles("r3", /*only_overdue=*/true, /*newest_first=*/false, v1::BATTLE_STATE_STARTED),
            client::kExitOk);
  lines = TakeLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(absl::StrContains(lines[0], "\"battle_id\":\"b-later\"")) << lines[0];
}

TEST_F(LivectlBattlesTest, NewestListsARoomsHistoryNewestFirst) {
  StartBattle("b1", "r1", "r2", 100);
  StartBattle("b3", "r3", "r1", 300);
  StartBattle("b2", "r1", "r4", 200);
  StartBattle("b9", "r8", "r9", 900);
  ASSERT_EQ(Battles("r1", /*only_overdue=*/false, /*newest_first=*/true), client::kExitOk)
      << err_.str();
  std::vector<std::string> ids;
  for (const std::string& line : TakeLines()) {
    for (const char* id : {"b1", "b2", "b3", "b9"}) {
      if (absl::StrContains(line, absl::StrCat("\"battle_id\":\"", id, "\""))) ids.push_back(id);
    }
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"b3", "b2", "b1"}));
}

TEST_F(LivectlBattlesTest, RoomPrintsTheBattleItIsIn) {
  Publish(MakeCreateRoom("r1"));
  StartBattle("b1", "r1", "r2", 100);
  ASSERT_EQ(client::GetRoom(context_, "r1", 0), client::kExitOk) << err_.str();
  const std::vector<std::string> lines = TakeLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(absl::StrContains(lines[0], "\"current_battle_id\":\"b1\"")) << lines[0];
}

}  // namespace
}  // namespace liveevents::testing
