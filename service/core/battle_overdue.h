// When a STARTED battle is overdue (its EndBattle never came) and the synthetic event that says
// so. Pure: the caller supplies the time, so the same journal always gives the same events.
#ifndef LIVEEVENTS_SERVICE_CORE_BATTLE_OVERDUE_H_
#define LIVEEVENTS_SERVICE_CORE_BATTLE_OVERDUE_H_

#include <cstdint>
#include <optional>

#include "liveevents/v1/events.pb.h"
#include "liveevents/v1/live_events.pb.h"

namespace liveevents::service {

inline constexpr char kBattleOverdueCommand[] = "LiveEvents.BattleOverdue";

// The Unix ms from which `battle` is overdue: start_time + duration + grace. nullopt when it
// cannot become overdue: not STARTED, already marked overdue, or without a start time (a
// deadline measured from 1970 would flag it at once). Saturates instead of overflowing.
std::optional<int64_t> OverdueDeadlineMs(const v1::Battle& battle, int64_t grace_ms);

// The LiveEvents.BattleOverdue event for `battle` (revision and dedup key unset: the journal
// sets them). Its raw body holds only the battle id, so the dedup key, over app id, command and
// raw body, is the same for every event about the same battle. Thread-safe.
v1::Event MakeBattleOverdueEvent(const v1::Battle& battle, int64_t deadline_ms, int64_t now_ms);

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_CORE_BATTLE_OVERDUE_H_
