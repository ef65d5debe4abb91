#include "service/core/live_state.h"

#include <algorithm>

#include "service/core/event_keys.h"

namespace liveevents::service {
namespace {

using v1::Battle;
using v1::Event;
using v1::Room;

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

// Records that `event` changed `entity` (a Room or a Battle).
template <typename Entity>
void Touch(const Event& event, Entity& entity) {
  entity.set_last_event_time_ms(std::max(entity.last_event_time_ms(), event.event_time_ms()));
  entity.set_last_received_time_ms(
      std::max(entity.last_received_time_ms(), event.received_time_ms()));
  entity.set_last_revision(event.revision());
}

Room NewRoom(const EntityKey& key) {
  Room room;
  room.set_room_id(key.second);
  room.set_sdk_app_id(key.first);
  room.set_status(v1::ROOM_STATUS_ACTIVE);
  return room;
}

Battle NewBattle(const EntityKey& key) {
  Battle battle;
  battle.set_battle_id(key.second);
  battle.set_sdk_app_id(key.first);
  return battle;
}

template <typename Map>
std::vector<uint64_t> AppsIn(const Map& index, const std::string& id) {
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

// Records `time` for `key` unless a newer fact about the key was applied; true when applied.
bool Newest(google::protobuf::Map<std::string, int64_t>& times, const std::string& key,
            int64_t time) {
  auto [it, inserted] = times.try_emplace(key, time);
  if (!inserted && time < it->second) return false;
  it->second = time;
  return true;
}

// Adds or removes `account` in a repeated field used as an ordered set.
void SetMember(google::protobuf::RepeatedPtrField<std::string>& list, const std::string& account,
               bool present) {
  auto it = std::find(list.begin(), list.end(), account);
  if (present && it == list.end()) list.Add(std::string(account));
  if (!present && it != list.end()) list.erase(it);
}

// Each of these applies the keys whose own newest fact this is; false when none was.
bool SetOnline(const v1::MemberStateChanged& change, int64_t time, Room& room) {
  const bool online = change.event_type() == "Online";
  bool applied = false;
  for (const std::string& account : change.member_accounts()) {
    if (!Newest(*room.mutable_fact_times()->mutable_members(), account, time)) continue;
    SetMember(*room.mutable_online_members(), account, online);
    applied = true;
  }
  room.set_online_count(room.online_members_size());
  return applied;
}

bool ModifyAdmins(const v1::ModifyAdmin& change, int64_t time, Room& room) {
  const bool add = change.op_type() == "add";
  bool applied = false;
  for (const std::string& account : change.admin_accounts()) {
    if (!Newest(*room.mutable_fact_times()->mutable_admins(), account, time)) continue;
    SetMember(*room.mutable_admin_accounts(), account, add);
    applied = true;
  }
  return applied;
}

bool SetMetadata(const v1::SetMetadata& change, int64_t time, Room& room) {
  bool applied = false;
  for (const v1::MetadataEntry& entry : change.metadata()) {
    if (!Newest(*room.mutable_fact_times()->mutable_metadata(), entry.key(), time)) continue;
    (*room.mutable_metadata())[entry.key()] = entry.value();
    applied = true;
  }
  return applied;
}

bool DelMetadata(const v1::DelMetadata& change, int64_t time, Room& room) {
  bool applied = false;
  for (const std::string& key : change.keys()) {
    if (!Newest(*room.mutable_fact_times()->mutable_metadata(), key, time)) continue;
    room.mutable_metadata()->erase(key);
    applied = true;
  }
  return applied;
}

}  // namespace

ApplyOutcome LiveState::Apply(const Event& event) {
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
    default:
      return {};  // Gifts, messages, follows and unknown commands carry no state.
  }
}

const Room* LiveState::FindRoom(uint64_t sdk_app_id, const std::string& room_id) const {
  auto it = rooms_.find(EntityKey(sdk_app_id, room_id));
  return it == rooms_.end() ? nullptr : &it->second;
}

const Battle* LiveState::FindBattle(uint64_t sdk_app_id, const std::string& battle_id) const {
  auto it = battles_.find(EntityKey(sdk_app_id, battle_id));
  return it == battles_.end() ? nullptr : &it->second;
}

std::vector<uint64_t> LiveState::AppsWithRoom(const std::string& room_id) const {
  return AppsIn(room_apps_, room_id);
}

std::vector<uint64_t> LiveState::AppsWithBattle(const std::string& battle_id) const {
  return AppsIn(battle_apps_, battle_id);
}

Room& LiveState::EmplaceRoom(const EntityKey& key, bool* inserted) {
  auto [it, added] = rooms_.try_emplace(key, NewRoom(key));
  if (added) room_apps_[key.second].insert(key.first);
  if (inserted != nullptr) *inserted = added;
  return it->second;
}

void LiveState::EraseRoom(std::map<EntityKey, Room>::iterator it) {
  Unindex(room_apps_, it->first);
  rooms_.erase(it);
}

Battle& LiveState::EmplaceBattle(const EntityKey& key, bool* inserted) {
  auto [it, added] = battles_.try_emplace(key, NewBattle(key));
  if (added) battle_apps_[key.second].insert(key.first);
  if (inserted != nullptr) *inserted = added;
  return it->second;
}

void LiveState::EraseBattle(std::map<EntityKey, Battle>::iterator it) {
  Unindex(battle_apps_, it->first);
  battles_.erase(it);
}

v1::Snapshot LiveState::ToSnapshot() const {
  v1::Snapshot snapshot;
  for (const auto& [key, room] : rooms_) *snapshot.add_rooms() = room;
  for (const auto& [key, battle] : battles_) *snapshot.add_battles() = battle;
  return snapshot;
}

void LiveState::Restore(const v1::Snapshot& snapshot) {
  rooms_.clear();
  battles_.clear();
  room_apps_.clear();
  battle_apps_.clear();
  for (const Room& room : snapshot.rooms()) {
    EmplaceRoom(EntityKey(room.sdk_app_id(), room.room_id())) = room;
  }
  for (const Battle& battle : snapshot.battles()) {
    EmplaceBattle(EntityKey(battle.sdk_app_id(), battle.battle_id())) = battle;
  }
}

void LiveState::ForgetFinishedBefore(int64_t cutoff_ms) {
  for (auto it = rooms_.begin(); it != rooms_.end();) {
    const Room& room = it->second;
    const bool forget =
        room.status() == v1::ROOM_STATUS_DESTROYED && room.last_received_time_ms() < cutoff_ms;
    if (forget) {
      EraseRoom(it++);
    } else {
      ++it;
    }
  }
  for (auto it = battles_.begin(); it != battles_.end();) {
    const Battle& battle = it->second;
    const bool forget =
        battle.state() == v1::BATTLE_STATE_ENDED && battle.last_received_time_ms() < cutoff_ms;
    if (forget) {
      EraseBattle(it++);
    } else {
      ++it;
    }
  }
}

ApplyOutcome LiveState::ApplyCreateRoom(const Event& event) {
  const v1::RoomInfo& info = event.create_room().room_info();
  if (info.room_id().empty()) return {.stale = false};
  const EntityKey key(event.sdk_app_id(), info.room_id());
  auto it = rooms_.find(key);
  if (it != rooms_.end()) {
    Room& room = it->second;
    // A create newer than the destruction is the same id reused for a new room; judge by the
    // room's own CreateTime where Tencent sent it (CreateRoom often has no EventTime).
    const int64_t created_ms =
        info.has_create_time() ? info.create_time() * 1000 : event.event_time_ms();
    if (room.status() == v1::ROOM_STATUS_DESTROYED && created_ms > room.destroyed_time_ms()) {
      EraseRoom(it);
    } else if (room.status() == v1::ROOM_STATUS_DESTROYED ||
               event.event_time_ms() < room.info_event_time_ms()) {
      return {.stale = true};
    }
  }
  Room& room = EmplaceRoom(key);
  MergeRoomInfo(info, room);
  room.set_info_event_time_ms(event.event_time_ms());
  Touch(event, room);
  return {};
}

ApplyOutcome LiveState::ApplyDestroyRoom(const Event& event) {
  const v1::DestroyRoom& destroy = event.destroy_room();
  const std::string room_id = RoomIdOf(event);
  if (room_id.empty()) return {};
  Room& room = EmplaceRoom(EntityKey(event.sdk_app_id(), room_id));
  if (room.status() == v1::ROOM_STATUS_DESTROYED) return {.stale = true};
  // A destruction older than this room's creation ended an earlier room with the same id.
  if (room.create_time() > 0 && event.event_time_ms() < room.create_time() * 1000) {
    return {.stale = true};
  }
  // Otherwise destruction is terminal whatever its EventTime: no later fact can undo it.
  MergeRoomInfo(destroy.room_info(), room);
  if (destroy.has_statistic()) *room.mutable_statistic() = destroy.statistic();
  room.set_status(v1::ROOM_STATUS_DESTROYED);
  room.set_destroyed_time_ms(event.event_time_ms());
  room.clear_online_members();
  room.set_online_count(0);
  Touch(event, room);
  return {};
}

ApplyOutcome LiveState::ApplyRoomFact(const Event& event, const std::string& room_id) {
  if (room_id.empty()) return {};
  // A fact about a room we never saw created means its CreateRoom was lost or is late: the room
  // exists all the same.
  Room& room = EmplaceRoom(EntityKey(event.sdk_app_id(), room_id));
  if (room.status() == v1::ROOM_STATUS_DESTROYED) return {.stale = true};
  const int64_t time = event.event_time_ms();
  switch (event.payload_case()) {
    case Event::kUpdateRoomInfo:
      if (time < room.info_event_time_ms()) return {.stale = true};
      MergeRoomInfo(event.update_room_info().room_info(), room);
      room.set_info_event_time_ms(time);
      break;
    case Event::kChangeOwner:
      if (time < room.info_event_time_ms()) return {.stale = true};
      room.set_owner_account(event.change_owner().current_owner_account());
      room.set_info_event_time_ms(time);
      break;
    case Event::kSeatInfoChanged:
      if (time < room.seats_event_time_ms()) return {.stale = true};
      *room.mutable_seats() = event.seat_info_changed().seats();
      room.set_seats_event_time_ms(time);
      break;
    case Event::kSetMetadata:
      if (!SetMetadata(event.set_metadata(), time, room)) return {.stale = true};
      break;
    case Event::kDelMetadata:
      if (!DelMetadata(event.del_metadata(), time, room)) return {.stale = true};
      break;
    case Event::kMemberStateChanged:
      if (!SetOnline(event.member_state_changed(), time, room)) return {.stale = true};
      break;
    case Event::kModifyAdmin:
      if (!ModifyAdmins(event.modify_admin(), time, room)) return {.stale = true};
      break;
    default:
      return {};
  }
  Touch(event, room);
  return {};
}

ApplyOutcome LiveState::ApplyCreateBattle(const Event& event) {
  const v1::CreateBattle& create = event.create_battle();
  if (create.battle_id().empty()) return {};
  Battle& battle = EmplaceBattle(EntityKey(event.sdk_app_id(), create.battle_id()));
  // Only CreateBattle carries these, so a late Create still supplies them.
  battle.set_operator_account(create.operator_account());
  battle.set_timeout_ms(create.timeout_ms());
  battle.set_need_response(create.need_response());
  battle.set_extension_info(create.extension_info());
  const bool stale = battle.state() > v1::BATTLE_STATE_CREATED;
  if (!stale) {
    battle.set_state(v1::BATTLE_STATE_CREATED);
    battle.set_duration_ms(create.duration_ms());
    battle.mutable_from_room()->set_room_id(create.from_room_id());
    battle.clear_to_rooms();
    for (const std::string& room_id : create.to_room_ids()) {
      battle.add_to_rooms()->set_room_id(room_id);
    }
  }
  Touch(event, battle);
  return {.stale = stale};
}

ApplyOutcome LiveState::ApplyStartBattle(const Event& event) {
  const v1::StartBattle& start = event.start_battle();
  if (start.battle_id().empty()) return {};
  Battle& battle = EmplaceBattle(EntityKey(event.sdk_app_id(), start.battle_id()));
  if (battle.state() == v1::BATTLE_STATE_ENDED ||
      (battle.state() == v1::BATTLE_STATE_STARTED &&
       event.event_time_ms() < battle.last_event_time_ms())) {
    return {.stale = true};  // EndBattle carries everything StartBattle does, and more.
  }
  battle.set_state(v1::BATTLE_STATE_STARTED);
  battle.set_duration_ms(start.duration_ms());
  battle.set_create_time(start.create_time());
  battle.set_start_time(start.start_time());
  *battle.mutable_from_room() = start.from_room();
  *battle.mutable_to_rooms() = start.to_rooms();
  Touch(event, battle);
  return {};
}

ApplyOutcome LiveState::ApplyEndBattle(const Event& event) {
  const v1::EndBattle& end = event.end_battle();
  if (end.battle_id().empty()) return {};
  Battle& battle = EmplaceBattle(EntityKey(event.sdk_app_id(), end.battle_id()));
  if (battle.state() == v1::BATTLE_STATE_ENDED) return {.stale = true};
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
  Touch(event, battle);
  return {};
}

}  // namespace liveevents::service
