#include "service/core/battle_overdue.h"

#include <algorithm>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace liveevents::service {
namespace {

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
  }
  return sum;
}

// A JSON string literal: battle ids come from the sender and may hold quotes or control bytes.
std::string JsonString(const std::string& value) {
  std::string out = "\"";
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace

std::optional<int64_t> OverdueDeadlineMs(const v1::Battle& battle, int64_t grace_ms) {
  if (battle.state() != v1::BATTLE_STATE_STARTED || battle.overdue() || battle.start_time() <= 0) {
    return std::nullopt;
  }
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1000;
  const int64_t start_ms = std::min(battle.start_time(), kMaxSeconds) * 1000;
  return SaturatingAdd(SaturatingAdd(start_ms, std::max<int64_t>(battle.duration_ms(), 0)),
                       grace_ms);
}

v1::Event MakeBattleOverdueEvent(const v1::Battle& battle, int64_t deadline_ms, int64_t now_ms) {
  v1::Event event;
  event.set_sdk_app_id(battle.sdk_app_id());
  event.set_command(kBattleOverdueCommand);
  event.set_event_time_ms(now_ms);
  event.set_received_time_ms(now_ms);
  // The start time too: a battle id reused for a later battle must not be a duplicate of the
  // earlier battle's event (it would never be applied, and stay due forever). Both are the same
  // on every replica, whatever its clock or grace.
  event.set_raw_body(absl::StrCat("{\"BattleId\":", JsonString(battle.battle_id()),
                                  ",\"StartTime\":", battle.start_time(), "}"));
  v1::BattleOverdue& overdue = *event.mutable_battle_overdue();
  overdue.set_battle_id(battle.battle_id());
  if (!battle.from_room().room_id().empty()) overdue.add_room_ids(battle.from_room().room_id());
  for (const v1::BattleRoom& room : battle.to_rooms()) overdue.add_room_ids(room.room_id());
  overdue.set_start_time(battle.start_time());
  overdue.set_duration_ms(battle.duration_ms());
  overdue.set_deadline_ms(deadline_ms);
  return event;
}

}  // namespace liveevents::service
