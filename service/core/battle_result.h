// The outcome of an ended battle (ranking, winners, draw), derived from the rooms and scores of
// the EndBattle that ended it. Pure: no I/O, clocks or threads.
#ifndef LIVEEVENTS_SERVICE_CORE_BATTLE_RESULT_H_
#define LIVEEVENTS_SERVICE_CORE_BATTLE_RESULT_H_

#include "liveevents/v1/live_events.pb.h"

namespace liveevents::service {

// The result of `battle` as the proto documents it (v1.BattleResult): every room (from_room,
// then to_rooms) ranked by score with competition ranking (1, 1, 3), ties ordered by room id;
// the rooms ranked 1 win unless the battle never started; a draw is two or more winners.
// Depends only on end_reason, from_room and to_rooms, so replaying the journal reproduces it
// byte for byte. A room without a room id (an End that named none) is left out.
// Thread-safe (a pure function).
v1::BattleResult BattleResultOf(const v1::Battle& battle);

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_CORE_BATTLE_RESULT_H_
