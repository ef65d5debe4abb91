#include "service/core/publish_rules.h"

#include "service/core/battle_overdue.h"

namespace liveevents::service {

absl::Status CheckPublishable(const v1::Event& event) {
  if (event.command().empty()) return absl::InvalidArgumentError("event.command is required");
  // Overdue events speak for the service's own clock; one from outside could end-run the
  // once-per-battle rule (its dedup key would block the real one) or mark a live battle.
  if (event.has_battle_overdue() || event.command() == kBattleOverdueCommand) {
    return absl::InvalidArgumentError(
        "LiveEvents.BattleOverdue is journaled only by the service itself");
  }
  return absl::OkStatus();
}

void FillPublishTimes(int64_t now_ms, v1::Event& event) {
  if (event.received_time_ms() == 0) event.set_received_time_ms(now_ms);
  if (event.event_time_ms() == 0) event.set_event_time_ms(event.received_time_ms());
}

}  // namespace liveevents::service
