// Publish's rules as table tests: which events a publisher may journal, and the times filled in.
#include "service/core/publish_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace liveevents::service {
namespace {

TEST(PublishRulesTest, RefusesEventsWithoutCommandOrThatOnlyTheServiceJournals) {
  struct Case {
    std::string command;
    bool battle_overdue_payload;
    bool allowed;
  };
  const std::vector<Case> cases = {
      {"Live.CallbackAfterCreateRoom", false, true},
      {"Some.UnknownCallback", false, true},
      {"", false, false},
      {"LiveEvents.BattleOverdue", false, false},
      {"Live.CallbackAfterEndBattle", true, false},
  };
  for (const Case& c : cases) {
    v1::Event event;
    event.set_command(c.command);
    if (c.battle_overdue_payload) event.mutable_battle_overdue();
    const absl::Status status = CheckPublishable(event);
    EXPECT_EQ(status.ok(), c.allowed) << c.command << ": " << status;
    if (!c.allowed) {
      EXPECT_TRUE(absl::IsInvalidArgument(status)) << c.command;
    }
  }
}

TEST(PublishRulesTest, FillsOnlyTheTimesThePublisherLeftUnset) {
  v1::Event unset;
  FillPublishTimes(5000, unset);
  EXPECT_EQ(unset.received_time_ms(), 5000);
  EXPECT_EQ(unset.event_time_ms(), 5000);

  v1::Event set;
  set.set_received_time_ms(4000);
  set.set_event_time_ms(3000);
  FillPublishTimes(5000, set);
  EXPECT_EQ(set.received_time_ms(), 4000);
  EXPECT_EQ(set.event_time_ms(), 3000);

  v1::Event received_only;
  received_only.set_received_time_ms(4000);
  FillPublishTimes(5000, received_only);
  EXPECT_EQ(received_only.event_time_ms(), 4000) << "the event time falls back to the receipt";
}

}  // namespace
}  // namespace liveevents::service
