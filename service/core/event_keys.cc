#include "service/core/event_keys.h"

#include <algorithm>

namespace liveevents::service {

using v1::Event;

std::string RoomIdOf(const Event& event) {
  switch (event.payload_case()) {
    case Event::kCreateRoom:
      return event.create_room().room_info().room_id();
    case Event::kDestroyRoom:
      return event.destroy_room().room_id().empty() ? event.destroy_room().room_info().room_id()
                                                    : event.destroy_room().room_id();
    case Event::kUpdateRoomInfo:
      return event.update_room_info().room_info().room_id();
    case Event::kSetMetadata:
      return event.set_metadata().room_id();
    case Event::kDelMetadata:
      return event.del_metadata().room_id();
    case Event::kMemberStateChanged:
      return event.member_state_changed().room_id();
    case Event::kChangeOwner:
      return event.change_owner().room_id();
    case Event::kModifyAdmin:
      return event.modify_admin().room_id();
    case Event::kSeatInfoChanged:
      return event.seat_info_changed().room_id();
    case Event::kBeforeSendGift:
      return event.before_send_gift().room_id();
    case Event::kBeforeSendMsg:
      return event.before_send_msg().group_id();
    case Event::kAfterSendMsg:
      return event.after_send_msg().group_id();
    default:
      return "";
  }
}

std::string BattleIdOf(const Event& event) {
  switch (event.payload_case()) {
    case Event::kCreateBattle:
      return event.create_battle().battle_id();
    case Event::kStartBattle:
      return event.start_battle().battle_id();
    case Event::kEndBattle:
      return event.end_battle().battle_id();
    case Event::kBattleOverdue:
      return event.battle_overdue().battle_id();
    default:
      return "";
  }
}

std::vector<std::string> RoomIdsOf(const Event& event) {
  std::vector<std::string> ids;
  auto add_rooms = [&ids](const v1::BattleRoom& from, const auto& to_rooms) {
    ids.push_back(from.room_id());
    for (const v1::BattleRoom& room : to_rooms) ids.push_back(room.room_id());
  };
  switch (event.payload_case()) {
    case Event::kCreateBattle:
      ids.push_back(event.create_battle().from_room_id());
      ids.insert(ids.end(), event.create_battle().to_room_ids().begin(),
                 event.create_battle().to_room_ids().end());
      break;
    case Event::kStartBattle:
      add_rooms(event.start_battle().from_room(), event.start_battle().to_rooms());
      break;
    case Event::kEndBattle:
      add_rooms(event.end_battle().from_room(), event.end_battle().to_rooms());
      break;
    case Event::kBattleOverdue:
      ids.assign(event.battle_overdue().room_ids().begin(),
                 event.battle_overdue().room_ids().end());
      break;
    default:
      ids.push_back(RoomIdOf(event));
  }
  return ids;
}

bool BattleInvolvesRoom(const v1::Battle& battle, const std::string& room_id) {
  if (battle.from_room().room_id() == room_id) return true;
  return std::any_of(battle.to_rooms().begin(), battle.to_rooms().end(),
                     [&](const v1::BattleRoom& room) { return room.room_id() == room_id; });
}

}  // namespace liveevents::service
