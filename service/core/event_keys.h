// What an event is about: the room or battle id it names, and whether a battle involves a room.
// Pure helpers shared by the state machine, the filters and the service, so that "which room
// does this event concern" has one answer.
#ifndef LIVEEVENTS_SERVICE_CORE_EVENT_KEYS_H_
#define LIVEEVENTS_SERVICE_CORE_EVENT_KEYS_H_

#include <string>
#include <vector>

#include "liveevents/v1/live_events.pb.h"

namespace liveevents::service {

// The room id an event is about, or "" when it concerns no single room (battles included).
std::string RoomIdOf(const v1::Event& event);

// The battle id of a CreateBattle, StartBattle or EndBattle event, or "" for any other event.
std::string BattleIdOf(const v1::Event& event);

// Every room an event concerns: its own room, or the caller and callees of a battle event. May
// hold "" entries for ids Tencent left out.
std::vector<std::string> RoomIdsOf(const v1::Event& event);

// True when `room_id` is the battle's caller or one of its callees. Ids are compared within the
// battle's own app: a battle only ever involves rooms of its app.
bool BattleInvolvesRoom(const v1::Battle& battle, const std::string& room_id);

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_CORE_EVENT_KEYS_H_
