// Tests for the pure room/battle state machine (the rules in live_state.h): lifecycle, out-of-order
// facts, tombstones, battle phase ordering, members, seats, metadata and retention.
#include "service/core/live_state.h"

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "service/core/battle_overdue.h"

namespace liveevents::service {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr uint64_t kApp = 1400000001;
constexpr char kRoom[] = "room-1";
constexpr char kOwner[] = "144115216631667826";  // Bigger than a double holds exactly.

// --- Event builders: each sets revision, event time and one payload. ---

v1::Event Base(uint64_t revision, int64_t event_time_ms, const std::string& command) {
  v1::Event event;
  event.set_revision(revision);
  event.set_sdk_app_id(kApp);
  event.set_command(command);
  event.set_event_time_ms(event_time_ms);
  event.set_received_time_ms(event_time_ms);
  return event;
}

v1::RoomInfo FullInfo(const std::string& room_id, int64_t create_time_s) {
  v1::RoomInfo info;
  info.set_room_id(room_id);
  info.set_room_name("Friday night");
  info.set_room_type("Live");
  info.set_owner_account(kOwner);
  info.set_max_member_count(500);
  info.set_is_message_disabled(true);
  info.set_custom_info("{\"k\":1}");
  info.set_is_seat_enabled(true);
  info.set_take_seat_mode("ApplyToTake");
  info.set_max_seat_count(8);
  info.set_create_time(create_time_s);
  info.set_is_public_visible(true);
  info.set_cover_url("https://example.com/cover.png");
  info.set_background_url("https://example.com/bg.png");
  info.mutable_category()->add_values(3);
  info.mutable_category()->add_values(7);
  info.set_activity_status(2);
  info.set_view_count(42);
  info.set_is_unlimited_room_enabled(true);
  return info;
}

v1::Event CreateRoom(uint64_t rev, int64_t time_ms, const v1::RoomInfo& info) {
  v1::Event event = Base(rev, time_ms, "Live.CallbackAfterCreateRoom");
  event.mutable_create_room()->set_operator_account("admin");
  *event.mutable_create_room()->mutable_room_info() = info;
  return event;
}

v1::Event CreateRoom(uint64_t rev, int64_t time_ms, const std::string& room_id = kRoom) {
  return CreateRoom(rev, time_ms, FullInfo(room_id, time_ms / 1000));
}

v1::Event DestroyRoom(uint64_t rev, int64_t time_ms, const std::string& room_id = kRoom) {
  v1::Event event = Base(rev, time_ms, "Live.CallbackAfterDestroyRoom");
  event.mutable_destroy_room()->set_room_id(room_id);
  event.mutable_destroy_room()->set_event_type("DestroyByUser");
  v1::RoomStatistic& stat = *event.mutable_destroy_room()->mutable_statistic();
  stat.set_total_viewers(10);
  stat.set_total_gifts_sent(3);
  stat.set_total_gift_coins(300);
  stat.set_total_unique_gift_senders(2);
  stat.set_total_likes_received(99);
  return event;
}

v1::Event UpdateInfo(uint64_t rev, int64_t time_ms, const v1::RoomInfo& info) {
  v1::Event event = Base(rev, time_ms, "Live.CallbackAfterUpdateRoomInfo");
  *event.mutable_update_room_info()->mutable_room_info() = info;
  return event;
}

v1::Event UpdateName(uint64_t rev, int64_t time_ms, const std::string& name,
                     const std::string& room_id = kRoom) {
  v1::RoomInfo info;
  info.set_room_id(room_id);
  info.set_room_name(name);
  return UpdateInfo(rev, time_ms, info);
}

v1::Event Members(uint64_t rev, int64_t time_ms, const std::string& type,
                  std::vector<std::string> accounts, const std::string& room_id = kRoom) {
  v1::Event event = Base(rev, time_ms, "Live.CallbackOnMemberStateChanged");
  v1::MemberStateChanged& change = *event.mutable_member_state_changed();
  change.set_room_id(room_id);
  change.set_event_type(type);
  change.set_event_cause(type == "Online" ? "Enter" : "Leave");
  for (std::string& account : accounts) change.add_member_accounts(std::move(account));
  return event;
}

v1::Event Seats(uint64_t rev, int64_t time_ms, std::vector<std::string> occupants,
                const std::string& room_id = kRoom) {
  v1::Event event = Base(rev, time_ms, "Live.CallbackOnSeatInfoChanged");
  event.mutable_seat_info_changed()->set_room_id(room_id);
  for (size_t i = 0; i < occupants.size(); ++i) {
    v1::Seat& seat = *event.mutable_seat_info_changed()->add_seats();
    seat.set_index(static_cast<int64_t>(i));
    seat.set_member_account(occupants[i]);
  }
  return event;
}

v1::Event SetMetadata(uint64_t rev, int64_t time_ms,
                      std::vector<std::pair<std::string, std::string>> entries) {
  v1::Event event = Base(rev, time_ms, "Live.CallbackAfterSetMetadata");
  event.mutable_set_metadata()->set_room_id(kRoom);
  for (auto& [key, value] : entries) {
    v1::MetadataEntry& entry = *event.mutable_set_metadata()->add_metadata();
    entry.set_key(key);
    entry.set_value(value);
  }
  return event;
}

v1::Event DelMetadata(uint64_t rev, int64_t time_ms, std::vector<std::string> keys) {
  v1::Event event = Base(rev, time_ms, "Live.CallbackAfterDelMetadata");
  event.mutable_del_metadata()->set_room_id(kRoom);
  for (std::string& key : keys) event.mutable_del_metadata()->add_keys(std::move(key));
  return event;
}

v1::Event ChangeOwner(uint64_t rev, int64_t time_ms, const std::string& from,
                      const std::string& to) {
  v1::Event event = Base(rev, time_ms, "Live.CallbackAfterChangeOwner");
  event.mutable_change_owner()->set_room_id(kRoom);
  event.mutable_change_owner()->set_original_owner_account(from);
  event.mutable_change_owner()->set_current_owner_account(to);
  return event;
}

v1::Event ModifyAdmin(uint64_t rev, int64_t time_ms, const std::string& op,
                      std::vector<std::string> accounts) {
  v1::Event event = Base(rev, time_ms, "Live.CallbackAfterModifyAdmin");
  event.mutable_modify_admin()->set_room_id(kRoom);
  event.mutable_modify_admin()->set_op_type(op);
  for (std::string& account : accounts) {
    event.mutable_modify_admin()->add_admin_accounts(std::move(account));
  }
  return event;
}

constexpr char kBattle[] = "battle-1";

v1::BattleRoom BattleRoom(const std::string& room_id, const std::string& owner, int64_t score) {
  v1::BattleRoom room;
  room.set_room_id(room_id);
  room.set_owner_account(owner);
  room.set_score(score);
  return room;
}

v1::Event CreateBattle(uint64_t rev, int64_t time_ms, const std::string& battle_id = kBattle) {
  v1::Event event = Base(rev, time_ms, "Live.CallbackAfterCreateBattle");
  v1::CreateBattle& create = *event.mutable_create_battle();
  create.set_operator_account("op-7");
  create.set_battle_id(battle_id);
  create.set_from_room_id("room-a");
  create.add_to_room_ids("room-b");
  create.set_timeout_ms(10000);
  create.set_duration_ms(300000);
  create.set_need_response(true);
  create.set_extension_info("ext");
  return event;
}

v1::Event StartBattle(uint64_t rev, int64_t time_ms, const std::string& battle_id = kBattle) {
  v1::Event event = Base(rev, time_ms, "Live.CallbackAfterStartBattle");
  v1::StartBattle& start = *event.mutable_start_battle();
  start.set_battle_id(battle_id);
  start.set_duration_ms(300000);
  start.set_create_time(1700000000);
  start.set_start_time(1700000010);
  *start.mutable_from_room() = BattleRoom("room-a", "owner-a", 0);
  *start.add_to_rooms() = BattleRoom("room-b", "owner-b", 0);
  return event;
}

v1::Event EndBattle(uint64_t rev, int64_t time_ms, int64_t op_type,
                    const std::string& battle_id = kBattle) {
  v1::Event event = Base(rev, time_ms, "Live.CallbackAfterEndBattle");
  v1::EndBattle& end = *event.mutable_end_battle();
  end.set_battle_id(battle_id);
  end.set_duration_ms(300000);
  end.set_create_time(1700000000);
  end.set_start_time(1700000010);
  end.set_end_time(1700000310);
  end.set_op_type(op_type);
  *end.mutable_from_room() = BattleRoom("room-a", "owner-a", 120);
  *end.add_to_rooms() = BattleRoom("room-b", "owner-b", 80);
  return event;
}

// The whole state, bookkeeping included, as bytes (deterministic, so map order cannot differ).
std::string Serialized(const LiveState& state) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream output(&stream);
  output.SetSerializationDeterministic(true);
  EXPECT_TRUE(state.ToSnapshot().SerializeToCodedStream(&output));
  output.Trim();
  return bytes;
}

// Applies `event` and expects the outcome to be stale and the state not to change at all:
// it serialises to the same bytes, public fields and bookkeeping alike.
void ExpectStaleNoChange(LiveState& state, const v1::Event& event) {
  const std::string before = Serialized(state);
  EXPECT_TRUE(state.Apply(event).stale) << event.command();
  EXPECT_EQ(Serialized(state), before) << "changed by stale " << event.command();
}

// The accounts online in kRoom, in account order.
std::vector<std::string> OnlineMembers(const LiveState& state, const std::string& room = kRoom) {
  std::vector<std::string> accounts;
  const RoomRecord* record = state.FindRoomRecord(kApp, room);
  if (record == nullptr) return accounts;
  for (const auto& [account, time] : record->online) accounts.push_back(account);
  return accounts;
}

// --- Room lifecycle ---

TEST(LiveStateTest, CreateRoomMakesActiveRoomWithAllInfoFields) {
  LiveState state;
  const v1::RoomInfo info = FullInfo(kRoom, 1700000000);
  EXPECT_FALSE(state.Apply(CreateRoom(1, 1700000000500, info)).stale);

  const v1::Room* room = state.FindRoom(kApp, kRoom);
  ASSERT_NE(room, nullptr);
  EXPECT_EQ(room->room_id(), kRoom);
  EXPECT_EQ(room->status(), v1::ROOM_STATUS_ACTIVE);
  EXPECT_EQ(room->owner_account(), "144115216631667826");
  EXPECT_EQ(room->room_name(), "Friday night");
  EXPECT_EQ(room->room_type(), "Live");
  EXPECT_EQ(room->max_member_count(), 500);
  EXPECT_TRUE(room->is_message_disabled());
  EXPECT_EQ(room->custom_info(), "{\"k\":1}");
  EXPECT_TRUE(room->is_seat_enabled());
  EXPECT_EQ(room->take_seat_mode(), "ApplyToTake");
  EXPECT_EQ(room->max_seat_count(), 8);
  EXPECT_EQ(room->create_time(), 1700000000);
  EXPECT_TRUE(room->is_public_visible());
  EXPECT_EQ(room->cover_url(), "https://example.com/cover.png");
  EXPECT_EQ(room->background_url(), "https://example.com/bg.png");
  EXPECT_THAT(room->category(), ElementsAre(3, 7));
  EXPECT_EQ(room->activity_status(), 2);
  EXPECT_EQ(room->view_count(), 42);
  EXPECT_TRUE(room->is_unlimited_room_enabled());
  EXPECT_EQ(room->last_revision(), 1u);
  EXPECT_EQ(room->last_event_time_ms(), 1700000000500);
  EXPECT_EQ(state.FindRoomRecord(kApp, kRoom)->info_event_time_ms, 1700000000500);
  EXPECT_EQ(room->online_count(), 0);
}

TEST(LiveStateTest, CreateRoomWithoutRoomIdChangesNothing) {
  LiveState state;
  v1::RoomInfo info = FullInfo("", 1700000000);
  info.clear_room_id();
  EXPECT_FALSE(state.Apply(CreateRoom(1, 1000, info)).stale);
  EXPECT_THAT(state.rooms(), IsEmpty());
}

TEST(LiveStateTest, UpdateRoomInfoMergesOnlyPresentKeys) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000));
  v1::RoomInfo partial;
  partial.set_room_id(kRoom);
  partial.set_room_name("Renamed");
  partial.set_view_count(0);           // Present with a zero value: must be applied.
  partial.set_is_seat_enabled(false);  // Present and false: must be applied.
  partial.mutable_category();          // Present but empty: clears the categories.
  EXPECT_FALSE(state.Apply(UpdateInfo(2, 2000, partial)).stale);

  const v1::Room* room = state.FindRoom(kApp, kRoom);
  ASSERT_NE(room, nullptr);
  EXPECT_EQ(room->room_name(), "Renamed");
  EXPECT_EQ(room->view_count(), 0);
  EXPECT_FALSE(room->is_seat_enabled());
  EXPECT_THAT(room->category(), IsEmpty());
  // Absent keys keep their values.
  EXPECT_EQ(room->owner_account(), kOwner);
  EXPECT_EQ(room->room_type(), "Live");
  EXPECT_EQ(room->max_member_count(), 500);
  EXPECT_EQ(room->cover_url(), "https://example.com/cover.png");
  EXPECT_EQ(room->create_time(), 1);
  EXPECT_EQ(room->last_revision(), 2u);
  EXPECT_EQ(state.FindRoomRecord(kApp, kRoom)->info_event_time_ms, 2000);
}

TEST(LiveStateTest, UpdateRoomInfoWithoutCategoryKeepsCategories) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000));
  state.Apply(UpdateName(2, 2000, "x"));
  EXPECT_THAT(state.FindRoom(kApp, kRoom)->category(), ElementsAre(3, 7));
}

TEST(LiveStateTest, DestroyRoomKeepsTombstoneWithStatistic) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000));
  state.Apply(Members(2, 1500, "Online", {"u1", "u2"}));
  EXPECT_FALSE(state.Apply(DestroyRoom(3, 5000)).stale);

  const v1::Room* room = state.FindRoom(kApp, kRoom);
  ASSERT_NE(room, nullptr);
  EXPECT_EQ(room->status(), v1::ROOM_STATUS_DESTROYED);
  EXPECT_EQ(room->destroyed_time_ms(), 5000);
  EXPECT_EQ(room->statistic().total_viewers(), 10);
  EXPECT_EQ(room->statistic().total_gifts_sent(), 3);
  EXPECT_EQ(room->statistic().total_gift_coins(), 300);
  EXPECT_EQ(room->statistic().total_unique_gift_senders(), 2);
  EXPECT_EQ(room->statistic().total_likes_received(), 99);
  EXPECT_EQ(room->online_count(), 0);
  EXPECT_THAT(OnlineMembers(state), IsEmpty());
  EXPECT_EQ(room->owner_account(), kOwner);  // Info kept for queries.
  EXPECT_EQ(room->last_revision(), 3u);
}

TEST(LiveStateTest, DestroyRoomTakesRoomIdFromRoomInfoWhenTopLevelIdMissing) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000));
  v1::Event destroy = DestroyRoom(2, 2000, "");
  destroy.mutable_destroy_room()->mutable_room_info()->set_room_id(kRoom);
  EXPECT_FALSE(state.Apply(destroy).stale);
  EXPECT_EQ(state.FindRoom(kApp, kRoom)->status(), v1::ROOM_STATUS_DESTROYED);
}

TEST(LiveStateTest, FactsAfterDestroyAreStaleAndChangeNothing) {
  struct Case {
    const char* name;
    v1::Event event;
  };
  const std::vector<Case> cases = {
      {"UpdateRoomInfo", UpdateName(10, 9000, "zombie")},
      {"SeatInfoChanged", Seats(10, 9000, {"u1"})},
      {"MemberOnline", Members(10, 9000, "Online", {"u1"})},
      {"MemberOffline", Members(10, 9000, "Offline", {"u1"})},
      {"SetMetadata", SetMetadata(10, 9000, {{"k", "v"}})},
      {"DelMetadata", DelMetadata(10, 9000, {"k"})},
      {"ChangeOwner", ChangeOwner(10, 9000, kOwner, "other")},
      {"ModifyAdmin", ModifyAdmin(10, 9000, "add", {"a1"})},
      {"SecondDestroy", DestroyRoom(10, 9000)},
      {"EarlierSecondDestroy", DestroyRoom(10, 100)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    LiveState state;
    state.Apply(CreateRoom(1, 1000));
    state.Apply(DestroyRoom(2, 5000));
    ExpectStaleNoChange(state, c.event);
    EXPECT_EQ(state.FindRoom(kApp, kRoom)->status(), v1::ROOM_STATUS_DESTROYED);
  }
}

TEST(LiveStateTest, CreateRoomNewerThanDestroyReusesIdAsFreshRoom) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000000));
  state.Apply(Members(2, 1000100, "Online", {"u1"}));
  state.Apply(SetMetadata(3, 1000200, {{"k", "v"}}));
  state.Apply(DestroyRoom(4, 2000000));

  v1::RoomInfo info;
  info.set_room_id(kRoom);
  info.set_room_name("Second life");
  info.set_create_time(2000001);  // Seconds: *1000 is newer than destroyed_time_ms 2000000.
  EXPECT_FALSE(state.Apply(CreateRoom(5, 2000001000, info)).stale);

  const v1::Room* room = state.FindRoom(kApp, kRoom);
  ASSERT_NE(room, nullptr);
  EXPECT_EQ(room->status(), v1::ROOM_STATUS_ACTIVE);
  EXPECT_EQ(room->room_name(), "Second life");
  EXPECT_EQ(room->owner_account(), "");  // Nothing carried over from the old room.
  EXPECT_FALSE(room->has_statistic());
  EXPECT_EQ(room->destroyed_time_ms(), 0);
  EXPECT_THAT(room->metadata(), IsEmpty());
  EXPECT_EQ(room->last_revision(), 5u);
}

TEST(LiveStateTest, CreateRoomOlderThanDestroyIsStale) {
  // The late CreateRoom of the room that was destroyed: its CreateTime precedes the destroy.
  struct Case {
    const char* name;
    bool with_create_time;
    int64_t create_time_s;
    int64_t event_time_ms;
  };
  const std::vector<Case> cases = {
      {"CreateTimeBeforeDestroy", true, 1000, 9000000},
      {"CreateTimeEqualToDestroy", true, 2000, 9000000},
      {"NoCreateTimeEventTimeBeforeDestroy", false, 0, 1999999},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    LiveState state;
    state.Apply(DestroyRoom(1, 2000000));  // Create lost or late: a tombstone all the same.
    v1::RoomInfo info = FullInfo(kRoom, c.create_time_s);
    if (!c.with_create_time) info.clear_create_time();
    ExpectStaleNoChange(state, CreateRoom(2, c.event_time_ms, info));
    EXPECT_EQ(state.FindRoom(kApp, kRoom)->status(), v1::ROOM_STATUS_DESTROYED);
  }
}

// --- Out-of-order facts ---

TEST(LiveStateTest, OlderUpdateRoomInfoIsStaleAndChangesNothing) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000));
  state.Apply(UpdateName(2, 3000, "newest"));
  ExpectStaleNoChange(state, UpdateName(3, 2000, "older"));
  EXPECT_EQ(state.FindRoom(kApp, kRoom)->room_name(), "newest");
}

TEST(LiveStateTest, CreateRoomOlderThanInfoFactIsStale) {
  LiveState state;
  state.Apply(UpdateName(1, 3000, "from update"));
  ExpectStaleNoChange(state, CreateRoom(2, 1000));
  EXPECT_EQ(state.FindRoom(kApp, kRoom)->room_name(), "from update");
}

TEST(LiveStateTest, FactForUnknownRoomCreatesActiveRoom) {
  LiveState state;
  EXPECT_FALSE(state.Apply(UpdateName(7, 3000, "orphan", "lost-create")).stale);
  const v1::Room* room = state.FindRoom(kApp, "lost-create");
  ASSERT_NE(room, nullptr);
  EXPECT_EQ(room->status(), v1::ROOM_STATUS_ACTIVE);
  EXPECT_EQ(room->room_name(), "orphan");
  EXPECT_EQ(room->last_revision(), 7u);
  EXPECT_EQ(room->last_event_time_ms(), 3000);
}

TEST(LiveStateTest, LateCreateRoomAfterMemberFactKeepsMembers) {
  LiveState state;
  state.Apply(Members(1, 2000, "Online", {"u1"}));
  EXPECT_FALSE(state.Apply(CreateRoom(2, 2500)).stale);       // Newer than any info fact so far.
  EXPECT_EQ(state.FindRoom(kApp, kRoom)->online_count(), 1);  // The create keeps earlier members.
  EXPECT_EQ(state.FindRoom(kApp, kRoom)->owner_account(), kOwner);
}

TEST(LiveStateTest, EventsWithoutStateChangeNothing) {
  LiveState state;
  v1::Event gift = Base(1, 1000, "Live.CallbackBeforeSendGift");
  gift.mutable_before_send_gift()->set_room_id(kRoom);
  v1::Event unknown = Base(2, 1000, "Live.Whatever");
  unknown.mutable_unknown();
  EXPECT_FALSE(state.Apply(gift).stale);
  EXPECT_FALSE(state.Apply(unknown).stale);
  EXPECT_THAT(state.rooms(), IsEmpty());
  EXPECT_THAT(state.battles(), IsEmpty());
}

// --- Battles ---

TEST(LiveStateTest, EveryArrivalOrderOfCreateStartEndGivesTheSameBattle) {
  enum Kind { kCreate, kStart, kEnd };
  auto make = [](Kind kind, uint64_t rev) {
    switch (kind) {
      case kCreate:
        return CreateBattle(rev, 1000);
      case kStart:
        return StartBattle(rev, 2000);
      case kEnd:
        return EndBattle(rev, 3000, 0);
    }
    return v1::Event();
  };
  std::array<Kind, 3> order = {kCreate, kStart, kEnd};  // Sorted: the first permutation.
  v1::Battle reference;
  bool have_reference = false;
  int permutations = 0;
  do {
    SCOPED_TRACE(::testing::Message() << "order " << order[0] << order[1] << order[2]);
    LiveState state;
    uint64_t rev = 1;
    for (Kind kind : order) state.Apply(make(kind, rev++));
    const v1::Battle* found = state.FindBattle(kApp, kBattle);
    ASSERT_NE(found, nullptr);
    v1::Battle battle = *found;
    EXPECT_NE(battle.last_revision(), 0u);
    battle.clear_last_revision();  // Which event was applied last differs by order.

    EXPECT_EQ(battle.state(), v1::BATTLE_STATE_ENDED);
    EXPECT_EQ(battle.end_reason(), v1::BATTLE_END_REASON_TIME_UP);
    EXPECT_EQ(battle.operator_account(), "op-7");
    EXPECT_EQ(battle.timeout_ms(), 10000);
    EXPECT_TRUE(battle.need_response());
    EXPECT_EQ(battle.extension_info(), "ext");
    EXPECT_EQ(battle.from_room().score(), 120);
    ASSERT_EQ(battle.to_rooms_size(), 1);
    EXPECT_EQ(battle.to_rooms(0).score(), 80);
    EXPECT_EQ(battle.end_time(), 1700000310);
    if (!have_reference) {
      reference = battle;
      have_reference = true;
    } else {
      std::string diff;
      MessageDifferencer differencer;
      differencer.ReportDifferencesToString(&diff);
      EXPECT_TRUE(differencer.Compare(reference, battle)) << diff;
    }
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(permutations, 6);
}

TEST(LiveStateTest, EndBattleDerivesResultWithTiesSharingFirstRank) {
  LiveState state;
  state.Apply(StartBattle(1, 2000));
  v1::Event end = EndBattle(2, 3000, 0);
  *end.mutable_end_battle()->add_to_rooms() = BattleRoom("room-c", "owner-c", 120);
  EXPECT_FALSE(state.Apply(end).stale);
  const v1::Battle* battle = state.FindBattle(kApp, kBattle);
  ASSERT_NE(battle, nullptr);
  ASSERT_TRUE(battle->has_result());
  const v1::BattleResult& result = battle->result();
  ASSERT_EQ(result.ranking_size(), 3);
  EXPECT_EQ(result.ranking(0).room_id(), "room-a");
  EXPECT_EQ(result.ranking(0).rank(), 1);
  EXPECT_EQ(result.ranking(1).room_id(), "room-c");
  EXPECT_EQ(result.ranking(1).rank(), 1);
  EXPECT_EQ(result.ranking(2).room_id(), "room-b");
  EXPECT_EQ(result.ranking(2).rank(), 3);
  EXPECT_THAT(result.winner_room_ids(), ElementsAre("room-a", "room-c"));
  EXPECT_TRUE(result.draw());
}

TEST(LiveStateTest, BattleHasNoResultUntilItEnds) {
  LiveState state;
  state.Apply(CreateBattle(1, 1000));
  state.Apply(StartBattle(2, 2000));
  ASSERT_NE(state.FindBattle(kApp, kBattle), nullptr);
  EXPECT_FALSE(state.FindBattle(kApp, kBattle)->has_result());
}

TEST(LiveStateTest, NeverStartedEndHasNoWinners) {
  LiveState state;
  state.Apply(EndBattle(1, 3000, 2));
  const v1::Battle* battle = state.FindBattle(kApp, kBattle);
  ASSERT_NE(battle, nullptr);
  EXPECT_EQ(battle->result().ranking_size(), 2);
  EXPECT_THAT(battle->result().winner_room_ids(), IsEmpty());
  EXPECT_FALSE(battle->result().draw());
}

TEST(LiveStateTest, RestoreDerivesTheResultOfEndedBattlesFromSnapshotsWithoutOne) {
  LiveState state;
  state.Apply(EndBattle(1, 3000, 0));
  const v1::Battle expected = *state.FindBattle(kApp, kBattle);
  internal::State snapshot = state.ToSnapshot();
  ASSERT_EQ(snapshot.battles_size(), 1);
  snapshot.mutable_battles(0)->mutable_battle()->clear_result();  // As written before results.
  LiveState restored;
  ASSERT_TRUE(restored.Restore(snapshot).ok());
  ASSERT_NE(restored.FindBattle(kApp, kBattle), nullptr);
  EXPECT_TRUE(MessageDifferencer::Equals(*restored.FindBattle(kApp, kBattle), expected));
  EXPECT_THAT(expected.result().winner_room_ids(), ElementsAre("room-a"));
}

v1::Event Overdue(uint64_t rev, int64_t now_ms, const std::string& battle_id = kBattle) {
  v1::Battle battle;
  battle.set_sdk_app_id(kApp);
  battle.set_battle_id(battle_id);
  v1::Event event = MakeBattleOverdueEvent(battle, now_ms, now_ms);
  event.set_revision(rev);
  return event;
}

TEST(LiveStateTest, BattleOverdueMarksAStartedBattleAndALateEndStillEndsIt) {
  LiveState state;
  state.Apply(StartBattle(1, 2000));
  // Later than any Tencent EventTime so far: it must not make the End look older.
  EXPECT_FALSE(state.Apply(Overdue(2, 9'000'000)).stale);
  const v1::Battle* battle = state.FindBattle(kApp, kBattle);
  ASSERT_NE(battle, nullptr);
  EXPECT_TRUE(battle->overdue());
  EXPECT_EQ(battle->state(), v1::BATTLE_STATE_STARTED);
  EXPECT_EQ(battle->last_event_time_ms(), 2000);
  EXPECT_EQ(battle->last_revision(), 2u);

  EXPECT_FALSE(state.Apply(EndBattle(3, 3000, 0)).stale);
  battle = state.FindBattle(kApp, kBattle);
  EXPECT_EQ(battle->state(), v1::BATTLE_STATE_ENDED);
  EXPECT_TRUE(battle->overdue());
  EXPECT_THAT(battle->result().winner_room_ids(), ElementsAre("room-a"));
}

TEST(LiveStateTest, BattleOverdueAboutAnEndedOrUnknownOrMarkedBattleIsStale) {
  LiveState state;
  ExpectStaleNoChange(state, Overdue(1, 5000, "unknown"));
  state.Apply(EndBattle(2, 3000, 0));
  ExpectStaleNoChange(state, Overdue(3, 5000));
  state.Apply(StartBattle(4, 2000, "b2"));
  state.Apply(Overdue(5, 5000, "b2"));
  ExpectStaleNoChange(state, Overdue(6, 6000, "b2"));
}

TEST(LiveStateTest, BattlesOverdueAtFindsStartedBattlesPastStartPlusDurationPlusGrace) {
  LiveState state;
  state.Apply(CreateBattle(1, 1000, "created"));
  state.Apply(StartBattle(2, 2000));  // Starts at 1700000010 s, lasts 300 s.
  const int64_t deadline_ms = (1700000010 + 300 + 60) * 1000LL;
  EXPECT_TRUE(state.BattlesOverdueAt(deadline_ms - 1, 60'000).empty());
  std::vector<const v1::Battle*> due = state.BattlesOverdueAt(deadline_ms, 60'000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0]->battle_id(), kBattle);
  state.Apply(Overdue(3, deadline_ms));
  EXPECT_TRUE(state.BattlesOverdueAt(deadline_ms * 2, 60'000).empty());
}

// The overdue check reads an index of deadlines: it must follow starts, ends, overdue marks,
// restores and forgetting, return the earliest deadline first, and stop at the limit.
TEST(LiveStateTest, TheOverdueIndexFollowsEveryBattleChange) {
  auto ids = [](const std::vector<const v1::Battle*>& due) {
    std::vector<std::string> out;
    for (const v1::Battle* battle : due) out.push_back(battle->battle_id());
    return out;
  };
  constexpr int64_t kLater = (1800000000LL) * 1000;
  LiveState state;
  v1::Event late = StartBattle(1, 2000, "late");
  late.mutable_start_battle()->set_start_time(1700000100);
  state.Apply(late);
  state.Apply(StartBattle(2, 2000, "early"));  // Starts at 1700000010 s.
  state.Apply(StartBattle(3, 2000, "ended"));
  EXPECT_THAT(ids(state.BattlesOverdueAt(kLater, 0)), ElementsAre("early", "ended", "late"));
  state.Apply(EndBattle(4, 3000, 0, "ended"));
  EXPECT_THAT(ids(state.BattlesOverdueAt(kLater, 0)), ElementsAre("early", "late"));
  EXPECT_THAT(ids(state.BattlesOverdueAt(kLater, 0, /*limit=*/1)), ElementsAre("early"));
  state.Apply(Overdue(5, kLater, "early"));
  EXPECT_THAT(ids(state.BattlesOverdueAt(kLater, 0)), ElementsAre("late"));

  LiveState restored;
  ASSERT_TRUE(restored.Restore(state.ToSnapshot()).ok());
  EXPECT_THAT(ids(restored.BattlesOverdueAt(kLater, 0)), ElementsAre("late"));
  // Forgetting ended battles leaves the index exact (the ended one was never in it).
  restored.ForgetFinishedBefore(std::numeric_limits<int64_t>::max());
  EXPECT_THAT(ids(restored.BattlesOverdueAt(kLater, 0)), ElementsAre("late"));
  EXPECT_TRUE(restored.BattlesOverdueAt((1700000100LL + 299) * 1000, 0).empty());
}

TEST(LiveStateTest, OverdueEventsAboutTheSameBattleShareOneDedupKeyInput) {
  // The dedup key hashes app id, command and raw body: all three must not depend on time.
  const v1::Event one = Overdue(1, 5000);
  const v1::Event two = Overdue(2, 9000);
  EXPECT_EQ(one.raw_body(), two.raw_body());
  EXPECT_EQ(one.command(), two.command());
  EXPECT_NE(Overdue(1, 5000, "other").raw_body(), one.raw_body());
  EXPECT_EQ(Overdue(1, 5000, "a\"b").raw_body(), "{\"BattleId\":\"a\\\"b\",\"StartTime\":0}");
}

TEST(LiveStateTest, ABattleIdReusedForALaterBattleGetsItsOwnOverdueEvent) {
  v1::Battle first;
  first.set_sdk_app_id(kApp);
  first.set_battle_id(kBattle);
  first.set_start_time(1700000010);
  v1::Battle reused = first;
  reused.set_start_time(1700009999);
  EXPECT_NE(MakeBattleOverdueEvent(first, 1, 1).raw_body(),
            MakeBattleOverdueEvent(reused, 1, 1).raw_body());
}

// --- A room's current battle ---

// A StartBattle of `battle_id` starting at `start_time_s` between `rooms` (the first is the
// caller).
v1::Event StartBattleBetween(uint64_t rev, int64_t time_ms, const std::string& battle_id,
                             int64_t start_time_s, const std::vector<std::string>& rooms) {
  v1::Event event = StartBattle(rev, time_ms, battle_id);
  v1::StartBattle& start = *event.mutable_start_battle();
  start.set_start_time(start_time_s);
  start.clear_to_rooms();
  for (size_t i = 0; i < rooms.size(); ++i) {
    v1::BattleRoom& room = i == 0 ? *start.mutable_from_room() : *start.add_to_rooms();
    room = BattleRoom(rooms[i], "owner-" + rooms[i], 0);
  }
  return event;
}

// The current battle of room `room_id` ("<no room>" when it does not exist).
std::string CurrentBattle(const LiveState& state, const std::string& room_id) {
  const v1::Room* room = state.FindRoom(kApp, room_id);
  return room == nullptr ? "<no room>" : room->current_battle_id();
}

TEST(LiveStateTest, StartPutsExistingRoomsInTheBattleAndEndTakesThemOut) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000, "room-a"));
  state.Apply(CreateRoom(2, 1000, "room-b"));
  state.Apply(CreateBattle(3, 1500));
  EXPECT_EQ(CurrentBattle(state, "room-a"), "") << "a CREATED battle may still be declined";

  EXPECT_FALSE(state.Apply(StartBattle(4, 2000)).stale);
  EXPECT_EQ(CurrentBattle(state, "room-a"), kBattle);
  EXPECT_EQ(CurrentBattle(state, "room-b"), kBattle);
  const v1::Room& room = *state.FindRoom(kApp, "room-a");
  EXPECT_EQ(room.last_revision(), 4u);
  EXPECT_EQ(room.last_event_time_ms(), 1000) << "a battle's time is no fact about the room";

  state.Apply(Overdue(5, 9'000'000));
  EXPECT_EQ(CurrentBattle(state, "room-a"), kBattle) << "overdue is still STARTED";

  EXPECT_FALSE(state.Apply(EndBattle(6, 3000, 0)).stale);
  EXPECT_EQ(CurrentBattle(state, "room-a"), "");
  EXPECT_EQ(CurrentBattle(state, "room-b"), "");
  EXPECT_EQ(state.FindRoom(kApp, "room-b")->last_revision(), 6u);
}

// The store persists only the rows TakeChanges reports: a room a battle changed is among them.
TEST(LiveStateTest, RoomsABattleChangesAreAmongTheChangedRows) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000, "room-a"));
  state.Apply(CreateRoom(2, 1000, "other"));
  state.TakeChanges();
  auto written_current_battle = [&state]() -> std::optional<std::string> {
    const StateChanges changes = state.TakeChanges();
    std::optional<std::string> current;
    for (const StateRow& row : changes.written) {
      EXPECT_NE(row.key, RoomRowKey(kApp, "other")) << "a room the battle does not name";
      internal::RoomState room;
      if (row.key == RoomRowKey(kApp, "room-a") && room.ParseFromString(row.value)) {
        current = room.room().current_battle_id();
      }
    }
    return current;
  };
  state.Apply(StartBattle(3, 2000));
  EXPECT_EQ(written_current_battle(), kBattle);
  state.Apply(EndBattle(4, 3000, 0));
  EXPECT_EQ(written_current_battle(), "");
}

TEST(LiveStateTest, ABattleNeverCreatesARoom) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000, "room-a"));
  state.Apply(StartBattle(2, 2000));  // Names room-a and room-b; only room-a exists.
  EXPECT_EQ(CurrentBattle(state, "room-a"), kBattle);
  EXPECT_EQ(CurrentBattle(state, "room-b"), "<no room>");
  EXPECT_THAT(state.AppsWithRoom("room-b"), IsEmpty());
  state.Apply(EndBattle(3, 3000, 0));
  EXPECT_EQ(CurrentBattle(state, "room-b"), "<no room>");
  EXPECT_EQ(state.rooms().size(), 1u);
}

TEST(LiveStateTest, ADestroyedRoomIsInNoBattle) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000, "room-a"));
  state.Apply(StartBattle(2, 2000));
  state.Apply(DestroyRoom(3, 2500, "room-a"));
  EXPECT_EQ(CurrentBattle(state, "room-a"), "");
  // A later battle naming the tombstone leaves it as it is.
  const std::string before = Serialized(state);
  state.Apply(StartBattleBetween(4, 2600, "b2", 1700000100, {"room-a"}));
  EXPECT_EQ(CurrentBattle(state, "room-a"), "");
  EXPECT_EQ(state.FindRoom(kApp, "room-a")->last_revision(), 3u);
  state.Apply(EndBattle(5, 3000, 0));
  EXPECT_EQ(state.FindRoom(kApp, "room-a")->last_revision(), 3u);
  EXPECT_NE(Serialized(state), before) << "the battles changed, the room did not";
}

TEST(LiveStateTest, StaleBattleFactsLeaveRoomsAsTheyWere) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000, "room-a"));
  state.Apply(CreateRoom(2, 1000, "room-b"));
  state.Apply(StartBattle(3, 5000));
  ExpectStaleNoChange(state, StartBattleBetween(4, 3000, kBattle, 1700000000, {"room-b", "x"}));
  EXPECT_EQ(CurrentBattle(state, "room-a"), kBattle);
  state.Apply(EndBattle(5, 6000, 0));
  ExpectStaleNoChange(state, StartBattle(6, 7000));
  ExpectStaleNoChange(state, EndBattle(7, 8000, 1));
  ExpectStaleNoChange(state, Overdue(8, 9000));
  EXPECT_EQ(CurrentBattle(state, "room-a"), "");
  EXPECT_EQ(CurrentBattle(state, "room-b"), "");
}

TEST(LiveStateTest, ANewerStartNamingOtherRoomsMovesTheRooms) {
  LiveState state;
  for (const char* room : {"room-a", "room-b", "room-c"}) state.Apply(CreateRoom(1, 1000, room));
  state.Apply(StartBattleBetween(2, 2000, kBattle, 1700000010, {"room-a", "room-b"}));
  state.Apply(StartBattleBetween(3, 2100, kBattle, 1700000010, {"room-a", "room-c"}));
  EXPECT_EQ(CurrentBattle(state, "room-a"), kBattle);
  EXPECT_EQ(CurrentBattle(state, "room-b"), "");
  EXPECT_EQ(CurrentBattle(state, "room-c"), kBattle);
}

// Only a lost End lets two STARTED battles name one room: whichever Start arrives first, the room
// is in the one that started later; its End leaves the room in none.
TEST(LiveStateTest, ARoomInTwoStartedBattlesIsInTheLaterOneWhateverTheArrivalOrder) {
  const v1::Event earlier = StartBattleBetween(2, 2000, "b-early", 1700000010, {"room-a", "x"});
  const v1::Event later = StartBattleBetween(3, 2100, "b-late", 1700000100, {"room-a", "y"});
  for (bool later_first : {false, true}) {
    SCOPED_TRACE(later_first ? "later first" : "earlier first");
    LiveState state;
    state.Apply(CreateRoom(1, 1000, "room-a"));
    state.Apply(later_first ? later : earlier);
    state.Apply(later_first ? earlier : later);
    EXPECT_EQ(CurrentBattle(state, "room-a"), "b-late");
    state.Apply(EndBattle(4, 3000, 0, "b-early"));
    EXPECT_EQ(CurrentBattle(state, "room-a"), "b-late") << "not the battle that ended";
    state.Apply(EndBattle(5, 3100, 0, "b-late"));
    EXPECT_EQ(CurrentBattle(state, "room-a"), "");
  }
}

// A journal with rooms in and out of battles: replaying it, restoring a snapshot taken halfway
// and folding the rest, and folding it whole, all give the same bytes.
TEST(LiveStateTest, CurrentBattlesSurviveRestoreAndReplayEqually) {
  const std::vector<v1::Event> journal = {
      CreateRoom(1, 1000, "room-a"),
      CreateRoom(2, 1000, "room-b"),
      CreateRoom(3, 1000, "room-c"),
      StartBattle(4, 2000),  // room-a, room-b.
      StartBattleBetween(5, 2100, "b2", 1700000200, {"room-c", "room-d"}),
      Overdue(6, 9'000'000, "b2"),
      // Halfway: a snapshot here holds rooms in battles.
      EndBattle(7, 3000, 0),
      StartBattle(8, 1000),  // Stale: battle-1 has ended.
      StartBattleBetween(9, 3200, "b3", 1700000300, {"room-a", "room-b"}),
  };
  LiveState whole;
  for (const v1::Event& event : journal) whole.Apply(event);
  EXPECT_EQ(CurrentBattle(whole, "room-a"), "b3");
  EXPECT_EQ(CurrentBattle(whole, "room-c"), "b2");

  LiveState first_half;
  for (size_t i = 0; i < 6; ++i) first_half.Apply(journal[i]);
  EXPECT_EQ(CurrentBattle(first_half, "room-a"), kBattle);
  LiveState restored;
  ASSERT_TRUE(restored.Restore(first_half.ToSnapshot()).ok());
  EXPECT_EQ(Serialized(restored), Serialized(first_half));
  EXPECT_EQ(CurrentBattle(restored, "room-b"), kBattle);
  for (size_t i = 6; i < journal.size(); ++i) restored.Apply(journal[i]);
  EXPECT_EQ(Serialized(restored), Serialized(whole));

  LiveState replayed;
  for (const v1::Event& event : journal) replayed.Apply(event);
  EXPECT_EQ(Serialized(replayed), Serialized(whole));
}

TEST(LiveStateTest, EndReasonFollowsOpType) {
  struct Case {
    int64_t op_type;
    v1::BattleEndReason reason;
  };
  const std::vector<Case> cases = {
      {0, v1::BATTLE_END_REASON_TIME_UP},
      {1, v1::BATTLE_END_REASON_OWNERS_LEFT},
      {2, v1::BATTLE_END_REASON_NEVER_STARTED},
      {7, v1::BATTLE_END_REASON_OTHER},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.op_type);
    LiveState state;
    state.Apply(CreateBattle(1, 1000));
    state.Apply(StartBattle(2, 2000));
    EXPECT_FALSE(state.Apply(EndBattle(3, 3000, c.op_type)).stale);
    const v1::Battle* battle = state.FindBattle(kApp, kBattle);
    ASSERT_NE(battle, nullptr);
    EXPECT_EQ(battle->state(), v1::BATTLE_STATE_ENDED);
    EXPECT_EQ(battle->op_type(), c.op_type);
    EXPECT_EQ(battle->end_reason(), c.reason);
  }
}

TEST(LiveStateTest, EndWithoutOpTypeLeavesReasonUnspecified) {
  LiveState state;
  v1::Event end = EndBattle(1, 3000, 0);
  end.mutable_end_battle()->clear_op_type();
  EXPECT_FALSE(state.Apply(end).stale);
  EXPECT_EQ(state.FindBattle(kApp, kBattle)->end_reason(), v1::BATTLE_END_REASON_UNSPECIFIED);
}

TEST(LiveStateTest, EndWithoutStartIsValid) {
  LiveState state;
  EXPECT_FALSE(state.Apply(CreateBattle(1, 1000)).stale);
  EXPECT_FALSE(state.Apply(EndBattle(2, 3000, 2)).stale);
  const v1::Battle* battle = state.FindBattle(kApp, kBattle);
  ASSERT_NE(battle, nullptr);
  EXPECT_EQ(battle->state(), v1::BATTLE_STATE_ENDED);
  EXPECT_EQ(battle->end_reason(), v1::BATTLE_END_REASON_NEVER_STARTED);
  EXPECT_EQ(battle->operator_account(), "op-7");
  EXPECT_EQ(battle->last_revision(), 2u);
}

TEST(LiveStateTest, StartAfterEndIsStaleAndChangesNothing) {
  LiveState state;
  state.Apply(CreateBattle(1, 1000));
  state.Apply(EndBattle(2, 3000, 1));
  ExpectStaleNoChange(state, StartBattle(3, 2000));
  EXPECT_EQ(state.FindBattle(kApp, kBattle)->state(), v1::BATTLE_STATE_ENDED);
}

TEST(LiveStateTest, SecondEndIsStale) {
  LiveState state;
  state.Apply(EndBattle(1, 3000, 0));
  ExpectStaleNoChange(state, EndBattle(2, 4000, 1));
  EXPECT_EQ(state.FindBattle(kApp, kBattle)->end_reason(), v1::BATTLE_END_REASON_TIME_UP);
}

// Only CreateBattle carries operator, timeout, need_response and extension: a late one supplies
// them, so it is applied (not stale), but it never moves the battle back.
TEST(LiveStateTest, LateCreateAfterStartFillsOnlyCreateOnlyFieldsAndIsNotStale) {
  LiveState state;
  EXPECT_FALSE(state.Apply(StartBattle(1, 2000)).stale);
  EXPECT_FALSE(state.Apply(CreateBattle(2, 1000)).stale);
  const v1::Battle* battle = state.FindBattle(kApp, kBattle);
  ASSERT_NE(battle, nullptr);
  EXPECT_EQ(battle->state(), v1::BATTLE_STATE_STARTED);
  EXPECT_EQ(battle->operator_account(), "op-7");
  EXPECT_EQ(battle->timeout_ms(), 10000);
  EXPECT_TRUE(battle->need_response());
  EXPECT_EQ(battle->extension_info(), "ext");
  EXPECT_EQ(battle->from_room().owner_account(), "owner-a");  // Start's richer rooms kept.
  EXPECT_EQ(battle->start_time(), 1700000010);
}

TEST(LiveStateTest, OlderSecondCreateIsStaleEvenAfterStart) {
  LiveState state;
  state.Apply(CreateBattle(1, 1500));
  state.Apply(StartBattle(2, 2000));
  v1::Event older = CreateBattle(3, 1000);
  older.mutable_create_battle()->set_operator_account("someone-else");
  ExpectStaleNoChange(state, older);
  EXPECT_EQ(state.FindBattle(kApp, kBattle)->operator_account(), "op-7");
}

TEST(LiveStateTest, CreateBattleAloneIsCreatedWithRooms) {
  LiveState state;
  EXPECT_FALSE(state.Apply(CreateBattle(1, 1000)).stale);
  const v1::Battle* battle = state.FindBattle(kApp, kBattle);
  ASSERT_NE(battle, nullptr);
  EXPECT_EQ(battle->state(), v1::BATTLE_STATE_CREATED);
  EXPECT_EQ(battle->from_room().room_id(), "room-a");
  ASSERT_EQ(battle->to_rooms_size(), 1);
  EXPECT_EQ(battle->to_rooms(0).room_id(), "room-b");
  EXPECT_EQ(battle->duration_ms(), 300000);
}

TEST(LiveStateTest, OlderSecondStartIsStale) {
  LiveState state;
  state.Apply(StartBattle(1, 2000));
  v1::Event older = StartBattle(2, 1500);
  older.mutable_start_battle()->set_duration_ms(1);
  ExpectStaleNoChange(state, older);
}

// --- Members ---

TEST(LiveStateTest, OnlineMembersAreASetWithNonNegativeCount) {
  struct Step {
    const char* type;
    std::vector<std::string> accounts;
    std::vector<std::string> want_members;
  };
  const std::vector<Step> steps = {
      {"Offline", {"never-online"}, {}},  // Offline for someone never online: still 0.
      {"Online", {"u1", "u2"}, {"u1", "u2"}},
      {"Online", {"u1"}, {"u1", "u2"}},              // Duplicate not double-counted.
      {"Online", {"u3", "u3"}, {"u1", "u2", "u3"}},  // Duplicate within one event.
      {"Offline", {"u2"}, {"u1", "u3"}},
      {"Offline", {"u2"}, {"u1", "u3"}},  // Twice offline.
      {"Offline", {"u1", "u3", "ghost"}, {}},
      {"Offline", {"u1"}, {}},
  };
  LiveState state;
  state.Apply(CreateRoom(1, 1000));
  uint64_t rev = 2;
  for (const Step& step : steps) {
    SCOPED_TRACE(::testing::Message() << "step at revision " << rev);
    EXPECT_FALSE(state.Apply(Members(rev, 1000 + rev, step.type, step.accounts)).stale);
    const v1::Room* room = state.FindRoom(kApp, kRoom);
    ASSERT_NE(room, nullptr);
    EXPECT_EQ(OnlineMembers(state), step.want_members);
    EXPECT_EQ(room->online_count(), static_cast<int64_t>(step.want_members.size()));
    EXPECT_GE(room->online_count(), 0);
    ++rev;
  }
}

// Each member keeps the EventTime of its newest fact: a late Online that Tencent sent before
// the Offline must not leave the member online for good.
TEST(LiveStateTest, OlderOnlineAfterNewerOfflineIsStale) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000));
  state.Apply(Members(2, 1500, "Online", {"u1"}));
  state.Apply(Members(3, 3000, "Offline", {"u1"}));
  EXPECT_TRUE(state.Apply(Members(4, 2000, "Online", {"u1"})).stale);
  EXPECT_THAT(OnlineMembers(state), IsEmpty());
  EXPECT_EQ(state.FindRoom(kApp, kRoom)->online_count(), 0);
}

// --- Seats ---

TEST(LiveStateTest, SeatSnapshotReplacesList) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000));
  EXPECT_FALSE(state.Apply(Seats(2, 2000, {"u1", "u2", ""})).stale);
  EXPECT_FALSE(state.Apply(Seats(3, 3000, {"u9"})).stale);
  const v1::Room* room = state.FindRoom(kApp, kRoom);
  ASSERT_EQ(room->seats_size(), 1);
  EXPECT_EQ(room->seats(0).member_account(), "u9");
  EXPECT_EQ(state.FindRoomRecord(kApp, kRoom)->seats_event_time_ms, 3000);
}

TEST(LiveStateTest, OlderSeatSnapshotIsStaleAndChangesNothing) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000));
  state.Apply(Seats(2, 3000, {"new"}));
  ExpectStaleNoChange(state, Seats(3, 2000, {"old", "older"}));
  ASSERT_EQ(state.FindRoom(kApp, kRoom)->seats_size(), 1);
  EXPECT_EQ(state.FindRoom(kApp, kRoom)->seats(0).member_account(), "new");
}

// --- Metadata, owner, admins ---

TEST(LiveStateTest, SetAndDelMetadata) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000));
  EXPECT_FALSE(state.Apply(SetMetadata(2, 2000, {{"a", "1"}, {"b", "2"}})).stale);
  EXPECT_FALSE(state.Apply(SetMetadata(3, 3000, {{"a", "3"}})).stale);
  EXPECT_THAT(state.FindRoom(kApp, kRoom)->metadata(),
              UnorderedElementsAre(Pair("a", "3"), Pair("b", "2")));
  EXPECT_FALSE(state.Apply(DelMetadata(4, 4000, {"a", "missing"})).stale);
  EXPECT_THAT(state.FindRoom(kApp, kRoom)->metadata(), UnorderedElementsAre(Pair("b", "2")));
  EXPECT_EQ(state.FindRoom(kApp, kRoom)->last_revision(), 4u);
}

// Each metadata key keeps the EventTime of its newest write: an older write that arrives late
// does not overwrite a newer one.
TEST(LiveStateTest, OlderSetMetadataIsStale) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000));
  state.Apply(SetMetadata(2, 3000, {{"k", "new"}}));
  EXPECT_TRUE(state.Apply(SetMetadata(3, 2000, {{"k", "old"}})).stale);
  EXPECT_THAT(state.FindRoom(kApp, kRoom)->metadata(), UnorderedElementsAre(Pair("k", "new")));
}

TEST(LiveStateTest, ChangeOwnerSetsOwner) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000));
  EXPECT_FALSE(state.Apply(ChangeOwner(2, 2000, kOwner, "144115216631667827")).stale);
  EXPECT_EQ(state.FindRoom(kApp, kRoom)->owner_account(), "144115216631667827");
}

TEST(LiveStateTest, OlderChangeOwnerIsStale) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000));
  state.Apply(ChangeOwner(2, 3000, kOwner, "newest"));
  ExpectStaleNoChange(state, ChangeOwner(3, 2000, kOwner, "older"));
  EXPECT_EQ(state.FindRoom(kApp, kRoom)->owner_account(), "newest");
}

TEST(LiveStateTest, ModifyAdminAddsAndDeletes) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000));
  state.Apply(ModifyAdmin(2, 2000, "add", {"a1", "a2"}));
  state.Apply(ModifyAdmin(3, 3000, "add", {"a2", "a3"}));  // a2 not duplicated.
  EXPECT_THAT(state.FindRoom(kApp, kRoom)->admin_accounts(), ElementsAre("a1", "a2", "a3"));
  state.Apply(ModifyAdmin(4, 4000, "delete", {"a1", "nobody"}));
  EXPECT_THAT(state.FindRoom(kApp, kRoom)->admin_accounts(), ElementsAre("a2", "a3"));
}

// --- Retention ---

TEST(LiveStateTest, ForgetFinishedBeforeDropsOnlyOldFinishedEntities) {
  LiveState state;
  state.Apply(CreateRoom(1, 1000, "old-destroyed"));
  state.Apply(DestroyRoom(2, 2000, "old-destroyed"));
  state.Apply(CreateRoom(3, 1000, "old-active"));
  state.Apply(CreateRoom(4, 1000, "new-destroyed"));
  state.Apply(DestroyRoom(5, 9000, "new-destroyed"));
  state.Apply(CreateBattle(6, 1000, "old-ended"));
  state.Apply(EndBattle(7, 2000, 0, "old-ended"));
  state.Apply(StartBattle(8, 1000, "old-started"));
  state.Apply(CreateBattle(9, 1000, "old-created"));
  state.Apply(EndBattle(10, 9000, 0, "new-ended"));

  state.ForgetFinishedBefore(5000);

  EXPECT_EQ(state.FindRoom(kApp, "old-destroyed"), nullptr);
  EXPECT_NE(state.FindRoom(kApp, "old-active"), nullptr);
  EXPECT_NE(state.FindRoom(kApp, "new-destroyed"), nullptr);
  EXPECT_EQ(state.FindBattle(kApp, "old-ended"), nullptr);
  EXPECT_NE(state.FindBattle(kApp, "old-started"), nullptr);
  EXPECT_NE(state.FindBattle(kApp, "old-created"), nullptr);
  EXPECT_NE(state.FindBattle(kApp, "new-ended"), nullptr);
  EXPECT_EQ(state.rooms().size(), 2u);
  EXPECT_EQ(state.battles().size(), 3u);
}

TEST(LiveStateTest, ForgetFinishedBeforeJudgesByReceiveTimeNotEventTime) {
  LiveState state;
  v1::Event destroy = DestroyRoom(1, 1000, "late-destroy");  // Old EventTime...
  destroy.set_received_time_ms(9000);                        // ...received recently.
  state.Apply(destroy);
  v1::Event end = EndBattle(2, 1000, 0, "late-end");
  end.set_received_time_ms(9000);
  state.Apply(end);
  state.ForgetFinishedBefore(5000);
  EXPECT_NE(state.FindRoom(kApp, "late-destroy"), nullptr);
  EXPECT_NE(state.FindBattle(kApp, "late-end"), nullptr);
  state.ForgetFinishedBefore(9001);
  EXPECT_EQ(state.FindRoom(kApp, "late-destroy"), nullptr);
  EXPECT_EQ(state.FindBattle(kApp, "late-end"), nullptr);
}

// --- Stale facts change nothing ---

// For every command with state: a newer fact, then an older one. The older one is stale and the
// state, bookkeeping included, serialises to the same bytes before and after it.
TEST(LiveStateTest, OlderFactOfEveryCommandIsStaleAndChangesNothingAtAll) {
  struct Case {
    const char* name;
    std::vector<v1::Event> newer;
    v1::Event older;
  };
  const std::vector<Case> cases = {
      {"CreateRoom", {CreateRoom(1, 5000)}, CreateRoom(2, 3000)},
      {"DestroyRoom", {CreateRoom(1, 1000), DestroyRoom(2, 5000)}, DestroyRoom(3, 3000)},
      {"UpdateRoomInfo", {UpdateName(1, 5000, "new")}, UpdateName(2, 3000, "old")},
      {"ChangeOwner", {ChangeOwner(1, 5000, kOwner, "new")}, ChangeOwner(2, 3000, kOwner, "old")},
      {"SeatInfoChanged", {Seats(1, 5000, {"new"})}, Seats(2, 3000, {"old"})},
      {"SetMetadata", {SetMetadata(1, 5000, {{"k", "new"}})}, SetMetadata(2, 3000, {{"k", "old"}})},
      {"DelMetadata", {DelMetadata(1, 5000, {"k"})}, DelMetadata(2, 3000, {"k"})},
      {"MemberOnline", {Members(1, 5000, "Online", {"u1"})}, Members(2, 3000, "Offline", {"u1"})},
      {"MemberOffline", {Members(1, 5000, "Offline", {"u1"})}, Members(2, 3000, "Online", {"u1"})},
      {"ModifyAdmin",
       {ModifyAdmin(1, 5000, "delete", {"a1"})},
       ModifyAdmin(2, 3000, "add", {"a1"})},
      {"CreateBattle", {CreateBattle(1, 5000)}, CreateBattle(2, 3000)},
      {"CreateBattleAfterEnd",
       {CreateBattle(1, 4000), EndBattle(2, 5000, 0)},
       CreateBattle(3, 3000)},
      {"StartBattle", {StartBattle(1, 5000)}, StartBattle(2, 3000)},
      {"StartBattleAfterEnd", {EndBattle(1, 5000, 0)}, StartBattle(2, 3000)},
      {"EndBattle", {EndBattle(1, 5000, 0)}, EndBattle(2, 3000, 1)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    LiveState state;
    for (const v1::Event& event : c.newer) EXPECT_FALSE(state.Apply(event).stale);
    ExpectStaleNoChange(state, c.older);
  }
}

TEST(LiveStateTest, FactNamingNoKeyLeavesNoRoomBehind) {
  LiveState state;
  ExpectStaleNoChange(state, Members(1, 1000, "Online", {}));
  EXPECT_THAT(state.rooms(), IsEmpty());
  EXPECT_THAT(state.AppsWithRoom(kRoom), IsEmpty());
}

// --- Member bookkeeping stays bounded ---

TEST(LiveStateTest, OfflineMemberFactTimeIsForgottenBeyondTheReorderHorizon) {
  LiveState state(LiveStateOptions{.member_reorder_horizon_ms = 1000});
  state.Apply(CreateRoom(1, 1000));
  state.Apply(Members(2, 2000, "Online", {"u1"}));
  state.Apply(Members(3, 3000, "Offline", {"u1"}));
  state.Apply(SetMetadata(4, 3500, {{"k", "v"}}));  // Within the horizon: u1's time is kept...
  EXPECT_TRUE(state.Apply(Members(5, 2500, "Online", {"u1"})).stale);  // ...so this is stale.
  EXPECT_EQ(state.FindRoomRecord(kApp, kRoom)->offline.size(), 1u);

  state.Apply(UpdateName(6, 4500, "later"));  // u1's 3000 is now older than 4500 - 1000.
  EXPECT_THAT(state.FindRoomRecord(kApp, kRoom)->offline, IsEmpty());
  EXPECT_THAT(state.FindRoomRecord(kApp, kRoom)->offline_by_time, IsEmpty());
  // The documented trade-off: a fact later than the horizon allows is taken as new.
  EXPECT_FALSE(state.Apply(Members(7, 2800, "Online", {"u1"})).stale);
  EXPECT_THAT(OnlineMembers(state), ElementsAre("u1"));
}

TEST(LiveStateTest, OnlineMembersKeepTheirFactTimesWhateverTheirAge) {
  LiveState state(LiveStateOptions{.member_reorder_horizon_ms = 1000});
  state.Apply(Members(1, 1000, "Online", {"u1"}));
  state.Apply(UpdateName(2, 1000000, "much later"));
  EXPECT_TRUE(state.Apply(Members(3, 500, "Offline", {"u1"})).stale);
  EXPECT_THAT(OnlineMembers(state), ElementsAre("u1"));
}

TEST(LiveStateTest, ManyMembersComingAndGoingLeaveOnlyTheOnlineOnesBehind) {
  LiveState state(LiveStateOptions{.member_reorder_horizon_ms = 1000});
  std::vector<std::string> accounts;
  for (int i = 0; i < 1000; ++i) accounts.push_back(absl::StrCat("user-", i));
  state.Apply(Members(1, 1000, "Online", accounts));
  state.Apply(Members(2, 2000, "Offline", accounts));
  state.Apply(Members(3, 2500, "Online", {"stayer"}));
  EXPECT_EQ(state.FindRoomRecord(kApp, kRoom)->offline.size(), 1000u);
  state.Apply(Members(4, 5000, "Online", {"late-joiner"}));
  const RoomRecord* record = state.FindRoomRecord(kApp, kRoom);
  EXPECT_THAT(record->offline, IsEmpty());
  EXPECT_EQ(record->online.size(), 2u);
  EXPECT_EQ(record->room->online_count(), 2);
}

TEST(LiveStateTest, DestroyDropsAllMemberBookkeeping) {
  LiveState state;
  state.Apply(Members(1, 1000, "Online", {"u1", "u2"}));
  state.Apply(Members(2, 1100, "Offline", {"u2"}));
  state.Apply(DestroyRoom(3, 2000));
  const RoomRecord* record = state.FindRoomRecord(kApp, kRoom);
  EXPECT_THAT(record->online, IsEmpty());
  EXPECT_THAT(record->offline, IsEmpty());
  EXPECT_EQ(record->room->online_count(), 0);
}

// --- Apps ---

v1::Event InApp(uint64_t sdk_app_id, v1::Event event) {
  event.set_sdk_app_id(sdk_app_id);
  return event;
}

TEST(LiveStateTest, SameRoomIdInTwoAppsIsTwoRooms) {
  constexpr uint64_t kOtherApp = 1400000002;
  LiveState state;
  v1::RoomInfo other = FullInfo(kRoom, 1);
  other.set_owner_account("other-owner");
  state.Apply(CreateRoom(1, 1000));
  state.Apply(InApp(kOtherApp, CreateRoom(2, 1000, other)));
  state.Apply(InApp(kOtherApp, DestroyRoom(3, 2000)));

  ASSERT_EQ(state.rooms().size(), 2u);
  const v1::Room* mine = state.FindRoom(kApp, kRoom);
  const v1::Room* theirs = state.FindRoom(kOtherApp, kRoom);
  ASSERT_NE(mine, nullptr);
  ASSERT_NE(theirs, nullptr);
  EXPECT_EQ(mine->sdk_app_id(), kApp);
  EXPECT_EQ(mine->owner_account(), kOwner);
  EXPECT_EQ(mine->status(), v1::ROOM_STATUS_ACTIVE);
  EXPECT_EQ(theirs->sdk_app_id(), kOtherApp);
  EXPECT_EQ(theirs->owner_account(), "other-owner");
  EXPECT_EQ(theirs->status(), v1::ROOM_STATUS_DESTROYED);
  EXPECT_THAT(state.AppsWithRoom(kRoom), ElementsAre(kApp, kOtherApp));
  EXPECT_THAT(state.AppsWithRoom("nowhere"), IsEmpty());
}

TEST(LiveStateTest, SameBattleIdInTwoAppsIsTwoBattles) {
  constexpr uint64_t kOtherApp = 7;
  LiveState state;
  state.Apply(StartBattle(1, 2000));
  state.Apply(InApp(kOtherApp, EndBattle(2, 3000, 0)));
  ASSERT_EQ(state.battles().size(), 2u);
  EXPECT_EQ(state.FindBattle(kApp, kBattle)->state(), v1::BATTLE_STATE_STARTED);
  EXPECT_EQ(state.FindBattle(kOtherApp, kBattle)->state(), v1::BATTLE_STATE_ENDED);
  EXPECT_EQ(state.FindBattle(kOtherApp, kBattle)->sdk_app_id(), kOtherApp);
  EXPECT_THAT(state.AppsWithBattle(kBattle), ElementsAre(kOtherApp, kApp));
}

TEST(LiveStateTest, AppIndexForgetsWhatRetentionDrops) {
  LiveState state;
  state.Apply(DestroyRoom(1, 1000));
  state.Apply(InApp(2, DestroyRoom(2, 9000)));
  state.Apply(EndBattle(3, 1000, 0));
  state.ForgetFinishedBefore(5000);
  EXPECT_THAT(state.AppsWithRoom(kRoom), ElementsAre(2u));
  EXPECT_THAT(state.AppsWithBattle(kBattle), IsEmpty());
}

// --- Snapshot and restore ---

// Applies a mixed history to `state`.
void ApplyHistory(LiveState& state) {
  state.Apply(CreateRoom(1, 1000, "r1"));
  state.Apply(Members(2, 1100, "Online", {"u1", "u2"}, "r1"));
  state.Apply(Seats(3, 1200, {"u1"}, "r1"));
  state.Apply(CreateRoom(4, 1300, "r2"));
  state.Apply(DestroyRoom(5, 1400, "r2"));
  state.Apply(CreateBattle(6, 1500, "b1"));
  state.Apply(EndBattle(7, 1600, 1, "b2"));
}

TEST(LiveStateTest, RestoreOfSnapshotReproducesStateExactly) {
  LiveState original;
  ApplyHistory(original);
  const internal::State snapshot = original.ToSnapshot();
  EXPECT_EQ(snapshot.rooms_size(), 2);
  EXPECT_EQ(snapshot.battles_size(), 2);
  EXPECT_EQ(snapshot.rooms(0).room().room_id(), "r1") << "rooms in id order";
  EXPECT_EQ(snapshot.battles(0).battle().battle_id(), "b1") << "battles in id order";

  LiveState restored;
  restored.Apply(CreateRoom(1, 1000, "to-be-replaced"));
  ASSERT_TRUE(restored.Restore(snapshot).ok());
  EXPECT_EQ(restored.FindRoom(kApp, "to-be-replaced"), nullptr) << "Restore replaces";
  EXPECT_TRUE(MessageDifferencer::Equals(restored.ToSnapshot(), snapshot));

  // Folding on from the restored state equals folding on from the original.
  const std::vector<v1::Event> more = {Members(8, 1700, "Offline", {"u1"}, "r1"),
                                       StartBattle(9, 1800, "b1"), UpdateName(10, 500, "old", "r1"),
                                       UpdateName(11, 1900, "late", "r2")};
  for (const v1::Event& event : more) {
    EXPECT_EQ(original.Apply(event).stale, restored.Apply(event).stale) << event.revision();
  }
  EXPECT_TRUE(MessageDifferencer::Equals(original.ToSnapshot(), restored.ToSnapshot()));
}

TEST(LiveStateTest, RestoreRefusesASnapshotOfAnotherFormat) {
  LiveState original;
  ApplyHistory(original);
  internal::State old_format = original.ToSnapshot();
  old_format.set_format(0);  // What an earlier live-events' v1.Snapshot parses as.
  LiveState restored;
  EXPECT_EQ(restored.Restore(old_format).code(), absl::StatusCode::kDataLoss);
}

// Times come from the sender: the extremes of int64 must not overflow anything (the sanitizer
// build turns an overflow into a failure).
TEST(LiveStateTest, ExtremeTimesNeitherOverflowNorCrash) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  LiveState state;
  state.Apply(CreateRoom(1, kMax, FullInfo(kRoom, kMax)));
  state.Apply(Members(2, kMin, "Online", {"a"}));
  state.Apply(Members(3, kMax, "Offline", {"a"}));
  state.Apply(DestroyRoom(4, kMin));
  state.Apply(CreateRoom(5, kMin, FullInfo(kRoom, kMin)));
  state.Apply(UpdateName(6, kMax, "late"));
  const v1::Room* room = state.FindRoom(kApp, kRoom);
  ASSERT_NE(room, nullptr);
  EXPECT_EQ(room->room_name(), "late");
}

}  // namespace
}  // namespace liveevents::service
