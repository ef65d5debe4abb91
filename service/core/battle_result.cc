#include "service/core/battle_result.h"

#include <algorithm>
#include <vector>

namespace liveevents::service {

v1::BattleResult BattleResultOf(const v1::Battle& battle) {
  std::vector<const v1::BattleRoom*> rooms;
  rooms.reserve(battle.to_rooms_size() + 1);
  // proto3 cannot tell an absent from_room from an empty one: a room without an id is no room.
  if (!battle.from_room().room_id().empty()) rooms.push_back(&battle.from_room());
  for (const v1::BattleRoom& room : battle.to_rooms()) {
    if (!room.room_id().empty()) rooms.push_back(&room);
  }
  // Ties are ordered by room id (then owner), never by Tencent's listing order, so that two
  // Ends listing the same rooms differently give the same result.
  std::stable_sort(rooms.begin(), rooms.end(),
                   [](const v1::BattleRoom* a, const v1::BattleRoom* b) {
                     if (a->score() != b->score()) return a->score() > b->score();
                     if (a->room_id() != b->room_id()) return a->room_id() < b->room_id();
                     return a->owner_account() < b->owner_account();
                   });

  v1::BattleResult result;
  const bool started = battle.end_reason() != v1::BATTLE_END_REASON_NEVER_STARTED;
  for (size_t i = 0; i < rooms.size(); ++i) {
    v1::RankedRoom& ranked = *result.add_ranking();
    const bool tied_with_previous = i > 0 && rooms[i]->score() == rooms[i - 1]->score();
    ranked.set_rank(tied_with_previous ? result.ranking(i - 1).rank()
                                       : static_cast<int32_t>(i + 1));
    ranked.set_room_id(rooms[i]->room_id());
    ranked.set_owner_account(rooms[i]->owner_account());
    ranked.set_score(rooms[i]->score());
    if (started && ranked.rank() == 1) result.add_winner_room_ids(ranked.room_id());
  }
  result.set_draw(result.winner_room_ids_size() > 1);
  return result;
}

}  // namespace liveevents::service
