#include "service/core/battle_order.h"

#include <algorithm>
#include <queue>
#include <string>
#include <tuple>

namespace liveevents::service {
namespace {

// A battle's position without copying its id (the scan compares often).
using PositionRef = std::tuple<int64_t, uint64_t, const std::string&>;

PositionRef RefOf(const BattlePosition& position) {
  return PositionRef(position.start_time, position.sdk_app_id, position.battle_id);
}

PositionRef RefOf(const v1::Battle& battle) {
  return PositionRef(battle.start_time(), battle.sdk_app_id(), battle.battle_id());
}

// Newest first: the greater start time comes first; then the key in ascending order.
bool Before(const PositionRef& a, const PositionRef& b) {
  if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) > std::get<0>(b);
  if (std::get<1>(a) != std::get<1>(b)) return std::get<1>(a) < std::get<1>(b);
  return std::get<2>(a) < std::get<2>(b);
}

// A max-heap under this keeps the last battle of the page on top.
struct ComesBeforeBattle {
  bool operator()(const v1::Battle* a, const v1::Battle* b) const {
    return Before(RefOf(*a), RefOf(*b));
  }
};

}  // namespace

BattlePosition PositionOf(const v1::Battle& battle) {
  return BattlePosition{.start_time = battle.start_time(),
                        .sdk_app_id = battle.sdk_app_id(),
                        .battle_id = battle.battle_id()};
}

bool ComesBefore(const BattlePosition& a, const BattlePosition& b) {
  return Before(RefOf(a), RefOf(b));
}

BattlePage NewestFirstPage(const std::map<EntityKey, BattleRecord>& battles, uint64_t sdk_app_id,
                           const std::optional<BattlePosition>& after, int limit,
                           absl::FunctionRef<bool(const v1::Battle&)> keep, size_t max_bytes) {
  BattlePage page;
  if (limit <= 0) return page;
  // The first `limit` candidates in order; the heap's top is the last of them.
  std::priority_queue<const v1::Battle*, std::vector<const v1::Battle*>, ComesBeforeBattle> first;
  size_t candidates = 0;
  auto it = battles.lower_bound(EntityKey(sdk_app_id, ""));
  for (; it != battles.end(); ++it) {
    if (sdk_app_id != 0 && it->first.first != sdk_app_id) break;
    const v1::Battle& battle = *it->second.battle;
    if (!keep(battle)) continue;
    if (after.has_value() && !Before(RefOf(*after), RefOf(battle))) continue;
    ++candidates;
    if (first.size() < static_cast<size_t>(limit)) {
      first.push(&battle);
    } else if (Before(RefOf(battle), RefOf(*first.top()))) {
      first.pop();
      first.push(&battle);
    }
  }
  page.battles.resize(first.size());
  for (size_t i = first.size(); i > 0; --i) {
    page.battles[i - 1] = first.top();
    first.pop();
  }
  PageBudget budget(max_bytes);
  for (size_t i = 0; i < page.battles.size(); ++i) {
    if (!budget.Take(page.battles[i]->ByteSizeLong())) {
      page.battles.resize(i);
      break;
    }
  }
  page.more = candidates > page.battles.size();
  return page;
}

}  // namespace liveevents::service
