// Battles in newest-first order (ListBattlesRequest.ORDER_NEWEST_FIRST) and one page of them.
// Pure: no I/O, clocks or threads; the service supplies the state and the request.
#ifndef LIVEEVENTS_SERVICE_CORE_BATTLE_ORDER_H_
#define LIVEEVENTS_SERVICE_CORE_BATTLE_ORDER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "liveevents/v1/live_events.pb.h"
#include "service/core/live_state.h"
#include "service/core/request_limits.h"

namespace liveevents::service {

// Where a battle sorts: start_time descending, then (sdk_app_id, battle_id) ascending. A total
// order over battles (keys are unique), so a page continues exactly after the previous one.
// Battles without a start time have 0, which sorts after every positive start time.
struct BattlePosition {
  int64_t start_time = 0;
  uint64_t sdk_app_id = 0;
  std::string battle_id;
};

BattlePosition PositionOf(const v1::Battle& battle);

// True when `a` comes before `b` in newest-first order.
bool ComesBefore(const BattlePosition& a, const BattlePosition& b);

struct BattlePage {
  std::vector<const v1::Battle*> battles;  // In newest-first order.
  bool more = false;                       // Battles that `keep` accepts follow the last one.
};

// The next page of `battles` in newest-first order: the battles of app `sdk_app_id` (0: every
// app) that `keep` accepts and that come after `after` (nullopt: from the first), at most
// `limit` of them and at most `max_bytes` of public size (always at least one). One scan of the
// app's battles, O(n log limit). The pointers point into `battles`.
BattlePage NewestFirstPage(const std::map<EntityKey, BattleRecord>& battles, uint64_t sdk_app_id,
                           const std::optional<BattlePosition>& after, int limit,
                           absl::FunctionRef<bool(const v1::Battle&)> keep,
                           size_t max_bytes = kMaxPageBytes);

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_CORE_BATTLE_ORDER_H_
