// Tests for the subscriber filter: which events pass, and which filters are refused.
#include "service/core/event_filter.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace liveevents::service {
namespace {

constexpr uint64_t kApp = 1400000001;

v1::Event RoomEvent(const std::string& room_id, uint64_t app = kApp) {
  v1::Event event;
  event.set_sdk_app_id(app);
  event.set_command("Live.CallbackOnMemberStateChanged");
  event.mutable_member_state_changed()->set_room_id(room_id);
  return event;
}

v1::Event CreateBattle(const std::string& battle_id, const std::string& from,
                       std::vector<std::string> to) {
  v1::Event event;
  event.set_sdk_app_id(kApp);
  event.set_command("Live.CallbackAfterCreateBattle");
  v1::CreateBattle& create = *event.mutable_create_battle();
  create.set_battle_id(battle_id);
  create.set_from_room_id(from);
  for (std::string& room : to) create.add_to_room_ids(std::move(room));
  return event;
}

template <typename Payload>
void FillRooms(Payload& payload, const std::string& battle_id, const std::string& from,
               const std::vector<std::string>& to) {
  payload.set_battle_id(battle_id);
  payload.mutable_from_room()->set_room_id(from);
  for (const std::string& room : to) payload.add_to_rooms()->set_room_id(room);
}

v1::Event StartBattle(const std::string& battle_id, const std::string& from,
                      const std::vector<std::string>& to) {
  v1::Event event;
  event.set_sdk_app_id(kApp);
  event.set_command("Live.CallbackAfterStartBattle");
  FillRooms(*event.mutable_start_battle(), battle_id, from, to);
  return event;
}

v1::Event EndBattle(const std::string& battle_id, const std::string& from,
                    const std::vector<std::string>& to) {
  v1::Event event;
  event.set_sdk_app_id(kApp);
  event.set_command("Live.CallbackAfterEndBattle");
  FillRooms(*event.mutable_end_battle(), battle_id, from, to);
  return event;
}

v1::Event Message(const std::string& group_id) {
  v1::Event event;
  event.set_sdk_app_id(kApp);
  event.set_command("Group.CallbackAfterSendMsg");
  event.mutable_after_send_msg()->set_group_id(group_id);
  return event;
}

v1::Event RoomCount() {  // Concerns no room and no battle.
  v1::Event event;
  event.set_sdk_app_id(kApp);
  event.set_command("Live.CallbackOnRoomCountThreshold");
  event.mutable_room_count_threshold()->set_cur_room_count(1);
  return event;
}

struct FilterCase {
  const char* name;
  v1::EventFilter filter;
  v1::Event event;
  bool want;
};

v1::EventFilter Commands(std::vector<std::string> values) {
  v1::EventFilter filter;
  for (std::string& value : values) filter.add_commands(std::move(value));
  return filter;
}

v1::EventFilter Rooms(std::vector<std::string> values) {
  v1::EventFilter filter;
  for (std::string& value : values) filter.add_room_ids(std::move(value));
  return filter;
}

v1::EventFilter Battles(std::vector<std::string> values) {
  v1::EventFilter filter;
  for (std::string& value : values) filter.add_battle_ids(std::move(value));
  return filter;
}

v1::EventFilter Apps(std::vector<uint64_t> values) {
  v1::EventFilter filter;
  for (uint64_t value : values) filter.add_sdk_app_ids(value);
  return filter;
}

v1::EventFilter Merge(std::vector<v1::EventFilter> parts) {
  v1::EventFilter filter;
  for (const v1::EventFilter& part : parts) filter.MergeFrom(part);
  return filter;
}

void RunCases(const std::vector<FilterCase>& cases) {
  for (const FilterCase& c : cases) {
    EXPECT_EQ(MatchesFilter(c.filter, c.event), c.want) << c.name;
  }
}

TEST(EventFilterTest, EmptyFilterMatchesEverything) {
  const v1::EventFilter empty;
  RunCases({
      {"room event", empty, RoomEvent("r1"), true},
      {"battle event", empty, CreateBattle("b1", "r1", {"r2"}), true},
      {"no room", empty, RoomCount(), true},
      {"default event", empty, v1::Event(), true},
  });
}

TEST(EventFilterTest, CommandsMatchAnyListedCommand) {
  const v1::EventFilter filter =
      Commands({"Live.CallbackOnMemberStateChanged", "Live.CallbackAfterEndBattle"});
  RunCases({
      {"first", filter, RoomEvent("r1"), true},
      {"second", filter, EndBattle("b1", "r1", {}), true},
      {"other", filter, CreateBattle("b1", "r1", {}), false},
      {"case differs", Commands({"live.callbackonmemberstatechanged"}), RoomEvent("r1"), false},
  });
}

TEST(EventFilterTest, SdkAppIdsMatchAnyListedApp) {
  RunCases({
      {"listed", Apps({7, kApp}), RoomEvent("r1"), true},
      {"not listed", Apps({7, 8}), RoomEvent("r1"), false},
      {"other app", Apps({kApp}), RoomEvent("r1", 9), false},
  });
}

TEST(EventFilterTest, BattleIdsMatchBattleEventsOnly) {
  const v1::EventFilter filter = Battles({"b1", "b2"});
  RunCases({
      {"create", filter, CreateBattle("b1", "r1", {"r2"}), true},
      {"start", filter, StartBattle("b2", "r1", {"r2"}), true},
      {"end", filter, EndBattle("b1", "r1", {"r2"}), true},
      {"other battle", filter, EndBattle("b3", "r1", {"r2"}), false},
      {"room event", filter, RoomEvent("b1"), false},
      {"no battle", filter, RoomCount(), false},
  });
}

TEST(EventFilterTest, RoomIdsMatchRoomEventsAndBattlesNamingTheRoom) {
  const v1::EventFilter filter = Rooms({"r2"});
  RunCases({
      {"room event", filter, RoomEvent("r2"), true},
      {"other room", filter, RoomEvent("r1"), false},
      {"message to room", filter, Message("r2"), true},
      {"create from", filter, CreateBattle("b", "r2", {"r9"}), true},
      {"create to", filter, CreateBattle("b", "r1", {"r9", "r2"}), true},
      {"create neither", filter, CreateBattle("b", "r1", {"r9"}), false},
      {"start from", filter, StartBattle("b", "r2", {"r9"}), true},
      {"start to", filter, StartBattle("b", "r1", {"r2"}), true},
      {"start neither", filter, StartBattle("b", "r1", {"r9"}), false},
      {"end from", filter, EndBattle("b", "r2", {}), true},
      {"end to", filter, EndBattle("b", "r1", {"r9", "r2"}), true},
      {"end neither", filter, EndBattle("b", "r1", {"r9"}), false},
      {"no room", filter, RoomCount(), false},
  });
}

TEST(EventFilterTest, RoomFilterNeverMatchesMissingRoom) {
  // An event naming no room must not match via its empty id (ValidateFilter refuses "" anyway).
  RunCases({
      {"no room, empty id listed", Rooms({""}), RoomCount(), false},
      {"battle with empty from", Rooms({""}), EndBattle("b", "", {}), false},
  });
}

TEST(EventFilterTest, ListsCombineWithAnd) {
  const v1::EventFilter filter = Merge(
      {Commands({"Live.CallbackAfterEndBattle"}), Rooms({"r2"}), Battles({"b1"}), Apps({kApp})});
  RunCases({
      {"all match", filter, EndBattle("b1", "r1", {"r2"}), true},
      {"command differs", filter, StartBattle("b1", "r1", {"r2"}), false},
      {"room differs", filter, EndBattle("b1", "r1", {"r3"}), false},
      {"battle differs", filter, EndBattle("b2", "r1", {"r2"}), false},
  });
  v1::EventFilter other_app = filter;
  other_app.clear_sdk_app_ids();
  other_app.add_sdk_app_ids(9);
  EXPECT_FALSE(MatchesFilter(other_app, EndBattle("b1", "r1", {"r2"})));
  EXPECT_FALSE(MatchesFilter(
      Merge({Commands({"Live.CallbackOnMemberStateChanged"}), Rooms({"r1"})}), RoomEvent("r2")));
}

TEST(EventFilterTest, ValidateFilterAcceptsReasonableFilters) {
  EXPECT_TRUE(ValidateFilter(v1::EventFilter()).ok());
  EXPECT_TRUE(
      ValidateFilter(Merge({Commands({"c"}), Rooms({"r"}), Battles({"b"}), Apps({0, 1})})).ok());
  std::vector<std::string> many(1000, "x");
  EXPECT_TRUE(ValidateFilter(Rooms(many)).ok()) << "exactly 1000 values is allowed";
}

TEST(EventFilterTest, ValidateFilterRejectsEmptyStringsAndTooManyValues) {
  const std::vector<std::string> too_many(1001, "x");
  const std::vector<uint64_t> too_many_apps(1001, 1);
  struct Case {
    const char* name;
    v1::EventFilter filter;
  };
  const std::vector<Case> cases = {
      {"empty command", Commands({"c", ""})}, {"empty room", Rooms({""})},
      {"empty battle", Battles({"b", ""})},   {"too many commands", Commands(too_many)},
      {"too many rooms", Rooms(too_many)},    {"too many battles", Battles(too_many)},
      {"too many apps", Apps(too_many_apps)},
  };
  for (const Case& c : cases) {
    const absl::Status status = ValidateFilter(c.filter);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.name << ": " << status;
    EXPECT_FALSE(status.message().empty()) << c.name;
  }
}

}  // namespace
}  // namespace liveevents::service
