#include "service/core/live_state.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "service/core/battle_overdue.h"
#include "service/core/battle_result.h"
#include "service/core/event_keys.h"

namespace liveevents::service {
namespace {

using v1::Battle;
using v1::Event;
using v1::Room;

constexpr uint32_t kStateFormat = LiveState::kStateFormat;

// Copies the RoomInfo keys Tencent actually sent; absent keys leave the room as it was.
void MergeRoomInfo(const v1::RoomInfo& info, Room& room) {
  if (info.has_room_name()) room.set_room_name(info.room_name());
  if (info.has_room_type()) room.set_room_type(info.room_type());
  if (info.has_owner_account()) room.set_owner_account(info.owner_account());
  if (info.has_max_member_count()) room.set_max_member_count(info.max_member_count());
  if (info.has_is_message_disabled()) room.set_is_message_disabled(info.is_message_disabled());
  if (info.has_custom_info()) room.set_custom_info(info.custom_info());
  if (info.has_is_seat_enabled()) room.set_is_seat_enabled(info.is_seat_enabled());
  if (info.has_take_seat_mode()) room.set_take_seat_mode(info.take_seat_mode());
  if (info.has_max_seat_count()) room.set_max_seat_count(info.max_seat_count());
  if (info.has_create_time()) room.set_create_time(info.create_time());
  if (info.has_is_public_visible()) room.set_is_public_visible(info.is_public_visible());
  if (info.has_cover_url()) room.set_cover_url(info.cover_url());
  if (info.has_background_url()) room.set_background_url(info.background_url());
  if (info.has_category()) *room.mutable_category() = info.category().values();
  if (info.has_activity_status()) room.set_activity_status(info.activity_status());
  if (info.has_view_count()) room.set_view_count(info.view_count());
  if (info.has_is_unlimited_room_enabled()) {
    room.set_is_unlimited_room_enabled(info.is_unlimited_room_enabled());
  }
}

// Times come from the sender and may be anything: arithmetic on them saturates instead of
// overflowing.
int64_t SecondsToMillis(int64_t seconds) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 1000;
  return std::clamp(seconds, -kMax, kMax) * 1000;
}

int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t result;
  if (__builtin_sub_overflow(a, b, &result)) {
    return b > 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  }
  return result;
}

// Records that `event` changed the public `entity` (a Room or a Battle) and its record.
template <typename Entity>
void Touch(const Event& event, Entity& entity, int64_t& last_received_time_ms) {
  entity.set_last_event_time_ms(std::max(entity.last_event_time_ms(), event.event_time_ms()));
  last_received_time_ms = std::max(last_received_time_ms, event.received_time_ms());
  entity.set_last_revision(event.revision());
}

RoomRecord NewRoom(const EntityKey& key) {
  RoomRecord record;
  record.room.Mutable().set_room_id(key.second);
  record.room.Mutable().set_sdk_app_id(key.first);
  record.room.Mutable().set_status(v1::ROOM_STATUS_ACTIVE);
  return record;
}

BattleRecord NewBattle(const EntityKey& key) {
  BattleRecord record;
  record.battle.Mutable().set_battle_id(key.second);
  record.battle.Mutable().set_sdk_app_id(key.first);
  return record;
}

// The ids of the rooms a battle names: from_room, then to_rooms, empty ids left out.
std::vector<std::string> RoomIdsOf(const Battle& battle) {
  std::vector<std::string> ids;
  if (!battle.from_room().room_id().empty()) ids.push_back(battle.from_room().room_id());
  for (const v1::BattleRoom& room : battle.to_rooms()) {
    if (!room.room_id().empty()) ids.push_back(room.room_id());
  }
  return ids;
}

// True when `a` started after `b`: by start_time, then by battle id, so that which of two
// overlapping battles a room is in does not depend on the order their Starts arrived.
bool StartedAfter(const Battle& a, const Battle& b) {
  if (a.start_time() != b.start_time()) return a.start_time() > b.start_time();
  return a.battle_id() > b.battle_id();
}

template <typename Index>
std::vector<uint64_t> AppsIn(const Index& index, const std::string& id) {
  auto it = index.find(id);
  if (it == index.end()) return {};
  return std::vector<uint64_t>(it->second.begin(), it->second.end());
}

template <typename Index>
void Unindex(Index& index, const EntityKey& key) {
  auto it = index.find(key.second);
  if (it == index.end()) return;
  it->second.erase(key.first);
  if (it->second.empty()) index.erase(it);
}

v1::BattleEndReason EndReasonOf(int64_t op_type) {
  switch (op_type) {
    case 0:
      return v1::BATTLE_END_REASON_TIME_UP;
    case 1:
      return v1::BATTLE_END_REASON_OWNERS_LEFT;
    case 2:
      return v1::BATTLE_END_REASON_NEVER_STARTED;
    default:
      return v1::BATTLE_END_REASON_OTHER;
  }
}

// True when a fact at `time` about `key` is not older than the newest one applied.
bool IsNewest(const std::map<std::string, int64_t>& times, const std::string& key, int64_t time) {
  auto it = times.find(key);
  return it == times.end() || time >= it->second;
}

// Adds or removes `account` in a repeated field used as a set (admins: a short list).
void SetMember(google::protobuf::RepeatedPtrField<std::string>& list, const std::string& account,
               bool present) {
  auto it = std::find(list.begin(), list.end(), account);
  if (present && it == list.end()) list.Add(std::string(account));
  if (!present && it != list.end()) list.erase(it);
}

// Each of these applies the keys whose own newest fact this is and returns false, having
// changed nothing, when none was.
bool SetOnline(const v1::MemberStateChanged& change, int64_t time, RoomRecord& record,
               absl::FunctionRef<void(const std::string&)> member_changed) {
  const bool online = change.event_type() == "Online";
  bool applied = false;
  for (const std::string& account : change.member_accounts()) {
    if (!IsNewest(record.online, account, time) || !IsNewest(record.offline, account, time)) {
      continue;
    }
    record.online.erase(account);
    if (auto it = record.offline.find(account); it != record.offline.end()) {
      record.offline_by_time.erase({it->second, account});
      record.offline.erase(it);
    }
    if (online) {
      record.online.emplace(account, time);
    } else {
      record.offline.emplace(account, time);
      record.offline_by_time.emplace(time, account);
    }
    member_changed(account);
    applied = true;
  }
  if (applied) record.room.Mutable().set_online_count(static_cast<int64_t>(record.online.size()));
  return applied;
}

bool ModifyAdmins(const v1::ModifyAdmin& change, int64_t time, RoomRecord& record) {
  const bool add = change.op_type() == "add";
  bool applied = false;
  for (const std::string& account : change.admin_accounts()) {
    if (!IsNewest(record.admin_times, account, time)) continue;
    record.admin_times[account] = time;
    SetMember(*record.room.Mutable().mutable_admin_accounts(), account, add);
    applied = true;
  }
  return applied;
}

bool SetMetadata(const v1::SetMetadata& change, int64_t time, RoomRecord& record) {
  bool applied = false;
  for (const v1::MetadataEntry& entry : change.metadata()) {
    if (!IsNewest(record.metadata_times, entry.key(), time)) continue;
    record.metadata_times[entry.key()] = time;
    (*record.room.Mutable().mutable_metadata())[entry.key()] = entry.value();
    applied = true;
  }
  return applied;
}

bool DelMetadata(const v1::DelMetadata& change, int64_t time, RoomRecord& record) {
  bool applied = false;
  for (const std::string& key : change.keys()) {
    if (!IsNewest(record.metadata_times, key, time)) continue;
    record.metadata_times[key] = time;
    record.room.Mutable().mutable_metadata()->erase(key);
    applied = true;
  }
  return applied;
}

// Applies a fact about the whole room (info or seats) unless `newest_ms` is newer.
template <typename Change>
bool ApplyIfNewest(int64_t time, int64_t& newest_ms, Change change) {
  if (time < newest_ms) return false;
  change();
  newest_ms = time;
  return true;
}

void AddTimes(const std::map<std::string, int64_t>& times,
              google::protobuf::RepeatedPtrField<internal::FactTime>& out) {
  out.Reserve(static_cast<int>(times.size()));
  for (const auto& [key, time] : times) {
    internal::FactTime& fact = *out.Add();
    fact.set_key(key);
    fact.set_time_ms(time);
  }
}

std::map<std::string, int64_t> TimesFrom(
    const google::protobuf::RepeatedPtrField<internal::FactTime>& facts) {
  std::map<std::string, int64_t> times;
  for (const internal::FactTime& fact : facts) times[fact.key()] = fact.time_ms();
  return times;
}

// The persisted form of one room; members are rows of their own (state_rows.h) except in a
// whole-state snapshot.
internal::RoomState RoomStateOf(const RoomRecord& record, bool with_members) {
  internal::RoomState room;
  *room.mutable_room() = *record.room;
  room.set_info_event_time_ms(record.info_event_time_ms);
  room.set_seats_event_time_ms(record.seats_event_time_ms);
  room.set_last_received_time_ms(record.last_received_time_ms);
  AddTimes(record.metadata_times, *room.mutable_metadata_times());
  AddTimes(record.admin_times, *room.mutable_admin_times());
  if (with_members) {
    AddTimes(record.online, *room.mutable_online_members());
    AddTimes(record.offline, *room.mutable_offline_members());
  }
  return room;
}

internal::BattleState BattleStateOf(const BattleRecord& record) {
  internal::BattleState battle;
  *battle.mutable_battle() = *record.battle;
  battle.set_last_received_time_ms(record.last_received_time_ms);
  battle.set_create_applied(record.create_applied);
  battle.set_create_event_time_ms(record.create_event_time_ms);
  return battle;
}

}  // namespace

LiveState::LiveState(LiveStateOptions options) : options_(options) {}

ApplyOutcome LiveState::Apply(const Event& event) {
  // The overdue index follows every battle change: the battle leaves it before and comes back
  // (with its new deadline, if it still has one) after.
  const EntityKey battle(event.sdk_app_id(), event.payload_case() == Event::kBattleOverdue
                                                 ? event.battle_overdue().battle_id()
                                                 : BattleIdOf(event));
  if (!battle.second.empty()) UnindexDeadline(battle);
  const ApplyOutcome outcome = ApplyPayload(event);
  if (!battle.second.empty()) IndexDeadline(battle);
  return outcome;
}

void LiveState::UnindexDeadline(const EntityKey& key) {
  auto it = battles_.find(key);
  if (it == battles_.end()) return;
  if (std::optional<int64_t> deadline = OverdueDeadlineMs(*it->second.battle, 0)) {
    deadlines_.erase({*deadline, key});
  }
}

void LiveState::IndexDeadline(const EntityKey& key) {
  auto it = battles_.find(key);
  if (it == battles_.end()) return;
  if (std::optional<int64_t> deadline = OverdueDeadlineMs(*it->second.battle, 0)) {
    deadlines_.emplace(*deadline, key);
  }
}

ApplyOutcome LiveState::ApplyPayload(const Event& event) {
  switch (event.payload_case()) {
    case Event::kCreateRoom:
      return ApplyCreateRoom(event);
    case Event::kDestroyRoom:
      return ApplyDestroyRoom(event);
    case Event::kUpdateRoomInfo:
    case Event::kSetMetadata:
    case Event::kDelMetadata:
    case Event::kMemberStateChanged:
    case Event::kChangeOwner:
    case Event::kModifyAdmin:
    case Event::kSeatInfoChanged:
      return ApplyRoomFact(event, RoomIdOf(event));
    case Event::kCreateBattle:
      return ApplyCreateBattle(event);
    case Event::kStartBattle:
      return ApplyStartBattle(event);
    case Event::kEndBattle:
      return ApplyEndBattle(event);
    case Event::kBattleOverdue:
      return ApplyBattleOverdue(event);
    default:
      return {};  // Gifts, messages, follows and unknown commands carry no state.
  }
}

const Room* LiveState::FindRoom(uint64_t sdk_app_id, const std::string& room_id) const {
  const RoomRecord* record = FindRoomRecord(sdk_app_id, room_id);
  return record == nullptr ? nullptr : &*record->room;
}

const RoomRecord* LiveState::FindRoomRecord(uint64_t sdk_app_id, const std::string& room_id) const {
  auto it = rooms_.find(EntityKey(sdk_app_id, room_id));
  return it == rooms_.end() ? nullptr : &it->second;
}

const Battle* LiveState::FindBattle(uint64_t sdk_app_id, const std::string& battle_id) const {
  auto it = battles_.find(EntityKey(sdk_app_id, battle_id));
  return it == battles_.end() ? nullptr : &*it->second.battle;
}

std::vector<uint64_t> LiveState::AppsWithRoom(const std::string& room_id) const {
  return AppsIn(room_apps_, room_id);
}

std::vector<uint64_t> LiveState::AppsWithBattle(const std::string& battle_id) const {
  return AppsIn(battle_apps_, battle_id);
}

RoomRecord& LiveState::EmplaceRoom(const EntityKey& key, bool* inserted) {
  auto it = rooms_.find(key);
  const bool added = it == rooms_.end();
  if (added) {
    it = rooms_.emplace(key, NewRoom(key)).first;
    room_apps_[key.second].insert(key.first);
  }
  if (inserted != nullptr) *inserted = added;
  changed_rooms_.insert(key);
  return it->second;
}

void LiveState::EraseRoom(std::map<EntityKey, RoomRecord>::iterator it) {
  erased_rooms_.insert(it->first);
  changed_members_.erase(it->first);
  Unindex(room_apps_, it->first);
  rooms_.erase(it);
}

BattleRecord& LiveState::EmplaceBattle(const EntityKey& key, bool* inserted) {
  auto it = battles_.find(key);
  const bool added = it == battles_.end();
  if (added) {
    it = battles_.emplace(key, NewBattle(key)).first;
    battle_apps_[key.second].insert(key.first);
  }
  if (inserted != nullptr) *inserted = added;
  changed_battles_.insert(key);
  return it->second;
}

void LiveState::EraseBattle(std::map<EntityKey, BattleRecord>::iterator it) {
  changed_battles_.insert(it->first);
  UnindexDeadline(it->first);
  Unindex(battle_apps_, it->first);
  battles_.erase(it);
}

internal::State LiveState::ToSnapshot() const {
  internal::State snapshot;
  snapshot.set_format(kStateFormat);
  for (const auto& [key, record] : rooms_) {
    *snapshot.add_rooms() = RoomStateOf(record, /*with_members=*/true);
  }
  for (const auto& [key, record] : battles_) *snapshot.add_battles() = BattleStateOf(record);
  return snapshot;
}

StateChanges LiveState::TakeChanges() {
  StateChanges changes;
  if (replace_all_) {
    changes.replace_all = true;
    for (const auto& [key, record] : rooms_) {
      AddRoomRows(key, record, /*all_members=*/true, changes);
    }
    for (const auto& [key, record] : battles_) {
      changes.written.push_back({.key = BattleRowKey(key.first, key.second),
                                 .value = BattleStateOf(record).SerializeAsString()});
    }
  } else {
    for (const EntityKey& key : erased_rooms_) {
      changes.erased_prefixes.push_back(RoomRowKey(key.first, key.second));
    }
    // A changed room that no longer exists was erased, and its prefix covers it.
    for (const EntityKey& key : changed_rooms_) {
      if (auto it = rooms_.find(key); it != rooms_.end()) {
        AddRoomRows(key, it->second, /*all_members=*/false, changes);
      }
    }
    for (const EntityKey& key : changed_battles_) {
      std::string row_key = BattleRowKey(key.first, key.second);
      if (auto it = battles_.find(key); it != battles_.end()) {
        changes.written.push_back(
            {.key = std::move(row_key), .value = BattleStateOf(it->second).SerializeAsString()});
      } else {
        changes.erased.push_back(std::move(row_key));
      }
    }
  }
  ForgetChanges();
  return changes;
}

void LiveState::ForgetChanges() {
  changed_rooms_.clear();
  erased_rooms_.clear();
  changed_battles_.clear();
  changed_members_.clear();
  replace_all_ = false;
}

void LiveState::AddRoomRows(const EntityKey& key, const RoomRecord& record, bool all_members,
                            StateChanges& changes) const {
  std::string room_key = RoomRowKey(key.first, key.second);
  auto add_member = [&](const std::string& account) {
    internal::MemberRow member;
    if (auto online = record.online.find(account); online != record.online.end()) {
      member.set_online(true);
      member.set_time_ms(online->second);
    } else if (auto offline = record.offline.find(account); offline != record.offline.end()) {
      member.set_time_ms(offline->second);
    } else {
      changes.erased.push_back(MemberRowKey(room_key, account));
      return;
    }
    changes.written.push_back(
        {.key = MemberRowKey(room_key, account), .value = member.SerializeAsString()});
  };
  if (all_members) {
    for (const auto& [account, time] : record.online) add_member(account);
    for (const auto& [account, time] : record.offline) add_member(account);
  } else if (auto changed = changed_members_.find(key); changed != changed_members_.end()) {
    for (const std::string& account : changed->second) add_member(account);
  }
  changes.written.push_back(
      {.key = std::move(room_key),
       .value = RoomStateOf(record, /*with_members=*/false).SerializeAsString()});
}

absl::Status LiveState::Restore(const internal::State& snapshot) {
  if (snapshot.format() != kStateFormat) {
    return absl::DataLossError(absl::StrCat("state format ", snapshot.format(),
                                            " (this server reads format ", kStateFormat, ")"));
  }
  rooms_.clear();
  battles_.clear();
  room_apps_.clear();
  battle_apps_.clear();
  deadlines_.clear();
  for (const internal::RoomState& room : snapshot.rooms()) {
    RoomRecord& record = EmplaceRoom(EntityKey(room.room().sdk_app_id(), room.room().room_id()));
    record.room.Mutable() = room.room();
    record.info_event_time_ms = room.info_event_time_ms();
    record.seats_event_time_ms = room.seats_event_time_ms();
    record.last_received_time_ms = room.last_received_time_ms();
    record.metadata_times = TimesFrom(room.metadata_times());
    record.admin_times = TimesFrom(room.admin_times());
    record.online = TimesFrom(room.online_members());
    record.offline = TimesFrom(room.offline_members());
    for (const auto& [account, time] : record.offline)
      record.offline_by_time.emplace(time, account);
  }
  for (const internal::BattleState& battle : snapshot.battles()) {
    BattleRecord& record =
        EmplaceBattle(EntityKey(battle.battle().sdk_app_id(), battle.battle().battle_id()));
    record.battle.Mutable() = battle.battle();
    // Snapshots written before battles had results hold ended battles without one; the result
    // depends only on the stored battle, so it is derived exactly as ApplyEndBattle would have.
    if (record.battle->state() == v1::BATTLE_STATE_ENDED && !record.battle->has_result()) {
      *record.battle.Mutable().mutable_result() = BattleResultOf(*record.battle);
    }
    record.last_received_time_ms = battle.last_received_time_ms();
    record.create_applied = battle.create_applied();
    record.create_event_time_ms = battle.create_event_time_ms();
    IndexDeadline(EntityKey(battle.battle().sdk_app_id(), battle.battle().battle_id()));
  }
  ForgetChanges();  // The state now is what the store holds.
  return absl::OkStatus();
}

void LiveState::ForgetFinishedBefore(int64_t cutoff_ms) {
  for (auto it = rooms_.begin(); it != rooms_.end();) {
    const RoomRecord& record = it->second;
    const bool forget = record.room->status() == v1::ROOM_STATUS_DESTROYED &&
                        record.last_received_time_ms < cutoff_ms;
    if (forget) {
      EraseRoom(it++);
    } else {
      ++it;
    }
  }
  for (auto it = battles_.begin(); it != battles_.end();) {
    const BattleRecord& record = it->second;
    const bool forget = record.battle->state() == v1::BATTLE_STATE_ENDED &&
                        record.last_received_time_ms < cutoff_ms;
    if (forget) {
      EraseBattle(it++);
    } else {
      ++it;
    }
  }
}

void LiveState::TouchRoom(const Event& event, const EntityKey& key, RoomRecord& record) {
  Touch(event, record.room.Mutable(), record.last_received_time_ms);
  // Bounded bookkeeping: an offline member's fact time matters only while a late Online from
  // before it may still arrive. Judged against the room's newest EventTime, never the clock,
  // so replaying the journal forgets exactly the same members.
  const int64_t cutoff =
      SaturatingSub(record.room->last_event_time_ms(), options_.member_reorder_horizon_ms);
  while (!record.offline_by_time.empty() && record.offline_by_time.begin()->first < cutoff) {
    MemberChanged(key, record.offline_by_time.begin()->second);
    record.offline.erase(record.offline_by_time.begin()->second);
    record.offline_by_time.erase(record.offline_by_time.begin());
  }
}

void LiveState::EnterBattle(const Battle& battle, uint64_t revision) {
  for (const std::string& room_id : RoomIdsOf(battle)) {
    const RoomRecord* record = FindRoomRecord(battle.sdk_app_id(), room_id);
    if (record == nullptr) continue;
    const std::string& current = record->room->current_battle_id();
    if (!current.empty() && current != battle.battle_id()) {
      // A lost End can leave a room in two STARTED battles: it stays in the later one.
      const Battle* other = FindBattle(battle.sdk_app_id(), current);
      if (other != nullptr && other->state() == v1::BATTLE_STATE_STARTED &&
          StartedAfter(*other, battle)) {
        continue;
      }
    }
    SetCurrentBattle(EntityKey(battle.sdk_app_id(), room_id), battle.battle_id(), revision);
  }
}

void LiveState::LeaveBattle(const Battle& battle, uint64_t revision) {
  for (const std::string& room_id : RoomIdsOf(battle)) {
    const RoomRecord* record = FindRoomRecord(battle.sdk_app_id(), room_id);
    if (record != nullptr && record->room->current_battle_id() == battle.battle_id()) {
      SetCurrentBattle(EntityKey(battle.sdk_app_id(), room_id), "", revision);
    }
  }
}

void LiveState::SetCurrentBattle(const EntityKey& room_key, const std::string& battle_id,
                                 uint64_t revision) {
  auto it = rooms_.find(room_key);
  if (it == rooms_.end() || it->second.room->status() == v1::ROOM_STATUS_DESTROYED ||
      it->second.room->current_battle_id() == battle_id) {
    return;
  }
  Room& room = it->second.room.Mutable();
  room.set_current_battle_id(battle_id);
  // Not TouchRoom: a battle's EventTime is no fact about the room, and must neither make a
  // room fact look stale nor move the room's member reorder horizon.
  room.set_last_revision(revision);
  changed_rooms_.insert(room_key);  // Its row is written with the event that did this.
}

ApplyOutcome LiveState::ApplyCreateRoom(const Event& event) {
  const v1::RoomInfo& info = event.create_room().room_info();
  if (info.room_id().empty()) return {.stale = false};
  const EntityKey key(event.sdk_app_id(), info.room_id());
  if (auto it = rooms_.find(key); it != rooms_.end()) {
    const RoomRecord& existing = it->second;
    const bool destroyed = existing.room->status() == v1::ROOM_STATUS_DESTROYED;
    // A create newer than the destruction is the same id reused for a new room; judge by the
    // room's own CreateTime where Tencent sent it (CreateRoom often has no EventTime).
    const int64_t created_ms =
        info.has_create_time() ? SecondsToMillis(info.create_time()) : event.event_time_ms();
    if (destroyed && created_ms > existing.room->destroyed_time_ms()) {
      EraseRoom(it);
    } else if (destroyed || event.event_time_ms() < existing.info_event_time_ms) {
      return {.stale = true};
    }
  }
  RoomRecord& record = EmplaceRoom(key);
  MergeRoomInfo(info, record.room.Mutable());
  record.info_event_time_ms = event.event_time_ms();
  TouchRoom(event, key, record);
  return {};
}

ApplyOutcome LiveState::ApplyDestroyRoom(const Event& event) {
  const v1::DestroyRoom& destroy = event.destroy_room();
  const std::string room_id = RoomIdOf(event);
  if (room_id.empty()) return {};
  const EntityKey key(event.sdk_app_id(), room_id);
  if (auto it = rooms_.find(key); it != rooms_.end()) {
    const Room& room = *it->second.room;
    if (room.status() == v1::ROOM_STATUS_DESTROYED) return {.stale = true};
    // A destruction older than this room's creation ended an earlier room with the same id.
    if (room.create_time() > 0 && event.event_time_ms() < SecondsToMillis(room.create_time())) {
      return {.stale = true};
    }
  }
  // Otherwise destruction is terminal whatever its EventTime: no later fact can undo it.
  RoomRecord& record = EmplaceRoom(key);
  MergeRoomInfo(destroy.room_info(), record.room.Mutable());
  if (destroy.has_statistic()) *record.room.Mutable().mutable_statistic() = destroy.statistic();
  record.room.Mutable().set_status(v1::ROOM_STATUS_DESTROYED);
  record.room.Mutable().set_destroyed_time_ms(event.event_time_ms());
  record.room.Mutable().set_online_count(0);
  record.room.Mutable().clear_current_battle_id();  // A destroyed room is in no battle.
  // Every later member fact is stale anyway: the tombstone keeps no member bookkeeping.
  for (const auto& [account, time] : record.online) MemberChanged(key, account);
  for (const auto& [account, time] : record.offline) MemberChanged(key, account);
  record.online.clear();
  record.offline.clear();
  record.offline_by_time.clear();
  TouchRoom(event, key, record);
  return {};
}

ApplyOutcome LiveState::ApplyRoomFact(const Event& event, const std::string& room_id) {
  if (room_id.empty()) return {};
  const EntityKey key(event.sdk_app_id(), room_id);
  // A fact about a room we never saw created means its CreateRoom was lost or is late: the room
  // exists all the same (unless the fact turns out to change nothing; see below).
  bool inserted = false;
  RoomRecord& record = EmplaceRoom(key, &inserted);
  if (record.room->status() == v1::ROOM_STATUS_DESTROYED) return {.stale = true};
  Room& room = record.room.Mutable();
  const int64_t time = event.event_time_ms();
  bool applied = false;
  switch (event.payload_case()) {
    case Event::kUpdateRoomInfo:
      applied = ApplyIfNewest(time, record.info_event_time_ms,
                              [&] { MergeRoomInfo(event.update_room_info().room_info(), room); });
      break;
    case Event::kChangeOwner:
      applied = ApplyIfNewest(time, record.info_event_time_ms, [&] {
        room.set_owner_account(event.change_owner().current_owner_account());
      });
      break;
    case Event::kSeatInfoChanged:
      applied = ApplyIfNewest(time, record.seats_event_time_ms,
                              [&] { *room.mutable_seats() = event.seat_info_changed().seats(); });
      break;
    case Event::kSetMetadata:
      applied = SetMetadata(event.set_metadata(), time, record);
      break;
    case Event::kDelMetadata:
      applied = DelMetadata(event.del_metadata(), time, record);
      break;
    case Event::kMemberStateChanged:
      applied = SetOnline(event.member_state_changed(), time, record,
                          [&](const std::string& account) { MemberChanged(key, account); });
      break;
    case Event::kModifyAdmin:
      applied = ModifyAdmins(event.modify_admin(), time, record);
      break;
    default:
      break;
  }
  if (!applied) {
    // Stale (or naming no key at all): the state must be exactly as before, so a room this
    // event brought into being goes again.
    if (inserted) EraseRoom(rooms_.find(key));
    return {.stale = true};
  }
  TouchRoom(event, key, record);
  return {};
}

ApplyOutcome LiveState::ApplyCreateBattle(const Event& event) {
  const v1::CreateBattle& create = event.create_battle();
  if (create.battle_id().empty()) return {};
  const EntityKey key(event.sdk_app_id(), create.battle_id());
  if (auto it = battles_.find(key); it != battles_.end()) {
    const BattleRecord& existing = it->second;
    if (existing.create_applied && event.event_time_ms() < existing.create_event_time_ms) {
      return {.stale = true};
    }
  }
  BattleRecord& record = EmplaceBattle(key);
  Battle& battle = record.battle.Mutable();
  record.create_applied = true;
  record.create_event_time_ms = event.event_time_ms();
  // Only CreateBattle carries these, so a late Create still supplies them (and is not stale).
  battle.set_operator_account(create.operator_account());
  battle.set_timeout_ms(create.timeout_ms());
  battle.set_need_response(create.need_response());
  battle.set_extension_info(create.extension_info());
  // Start and End carry richer rooms and times: a Create never moves a battle back.
  if (battle.state() <= v1::BATTLE_STATE_CREATED) {
    battle.set_state(v1::BATTLE_STATE_CREATED);
    battle.set_duration_ms(create.duration_ms());
    battle.mutable_from_room()->set_room_id(create.from_room_id());
    battle.clear_to_rooms();
    for (const std::string& room_id : create.to_room_ids()) {
      battle.add_to_rooms()->set_room_id(room_id);
    }
  }
  Touch(event, battle, record.last_received_time_ms);
  return {};
}

ApplyOutcome LiveState::ApplyStartBattle(const Event& event) {
  const v1::StartBattle& start = event.start_battle();
  if (start.battle_id().empty()) return {};
  const EntityKey key(event.sdk_app_id(), start.battle_id());
  if (auto it = battles_.find(key); it != battles_.end()) {
    const Battle& battle = *it->second.battle;
    if (battle.state() == v1::BATTLE_STATE_ENDED ||
        (battle.state() == v1::BATTLE_STATE_STARTED &&
         event.event_time_ms() < battle.last_event_time_ms())) {
      return {.stale = true};  // EndBattle carries everything StartBattle does, and more.
    }
  }
  BattleRecord& record = EmplaceBattle(key);
  // A newer Start may name other rooms: the ones it drops leave the battle.
  LeaveBattle(*record.battle, event.revision());
  Battle& battle = record.battle.Mutable();
  battle.set_state(v1::BATTLE_STATE_STARTED);
  battle.set_duration_ms(start.duration_ms());
  battle.set_create_time(start.create_time());
  battle.set_start_time(start.start_time());
  *battle.mutable_from_room() = start.from_room();
  *battle.mutable_to_rooms() = start.to_rooms();
  Touch(event, battle, record.last_received_time_ms);
  EnterBattle(*record.battle, event.revision());
  return {};
}

ApplyOutcome LiveState::ApplyEndBattle(const Event& event) {
  const v1::EndBattle& end = event.end_battle();
  if (end.battle_id().empty()) return {};
  const EntityKey key(event.sdk_app_id(), end.battle_id());
  if (auto it = battles_.find(key);
      it != battles_.end() && it->second.battle->state() == v1::BATTLE_STATE_ENDED) {
    return {.stale = true};
  }
  BattleRecord& record = EmplaceBattle(key);
  // The rooms its Start named are the ones that can be in it (an End alone enters none).
  LeaveBattle(*record.battle, event.revision());
  Battle& battle = record.battle.Mutable();
  battle.set_state(v1::BATTLE_STATE_ENDED);
  battle.set_op_type(end.op_type());
  battle.set_end_reason(end.has_op_type() ? EndReasonOf(end.op_type())
                                          : v1::BATTLE_END_REASON_UNSPECIFIED);
  battle.set_duration_ms(end.duration_ms());
  battle.set_create_time(end.create_time());
  battle.set_start_time(end.start_time());
  battle.set_end_time(end.end_time());
  *battle.mutable_from_room() = end.from_room();
  *battle.mutable_to_rooms() = end.to_rooms();
  // Derived here, from this End alone, so that replay and every subscriber's snapshot agree.
  *battle.mutable_result() = BattleResultOf(battle);
  Touch(event, battle, record.last_received_time_ms);
  return {};
}

ApplyOutcome LiveState::ApplyBattleOverdue(const Event& event) {
  const EntityKey key(event.sdk_app_id(), event.battle_overdue().battle_id());
  auto it = battles_.find(key);
  // Only a battle still waiting for its End can be overdue; an End that won the race to the
  // journal makes the synthetic event stale (it never creates a battle either).
  if (it == battles_.end() || it->second.battle->state() != v1::BATTLE_STATE_STARTED ||
      it->second.battle->overdue()) {
    return {.stale = true};
  }
  BattleRecord& record = it->second;
  changed_battles_.insert(key);
  Battle& battle = record.battle.Mutable();
  battle.set_overdue(true);
  // Not Touch: the service's clock is no Tencent EventTime, and must not make a late End (or
  // Start) look older than the battle's newest fact.
  battle.set_last_revision(event.revision());
  record.last_received_time_ms = std::max(record.last_received_time_ms, event.received_time_ms());
  return {};
}

std::vector<const Battle*> LiveState::BattlesOverdueAt(int64_t now_ms, int64_t grace_ms,
                                                       size_t limit) const {
  std::vector<const Battle*> due;
  // In deadline order, so the walk stops at the first battle not yet due.
  for (const auto& [deadline, key] : deadlines_) {
    if (due.size() >= limit) break;
    const Battle& battle = *battles_.at(key).battle;
    if (OverdueDeadlineMs(battle, grace_ms).value_or(now_ms + 1) > now_ms) break;
    due.push_back(&battle);
  }
  return due;
}

}  // namespace liveevents::service
