#include "service/core/event_filter.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "service/core/event_keys.h"
#include "service/core/request_limits.h"

namespace liveevents::service {
namespace {

constexpr int kMaxFilterValues = 1000;

template <typename List, typename Value>
bool Contains(const List& list, const Value& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

template <typename List>
absl::Status CheckStrings(const List& list, const char* name) {
  if (list.size() > kMaxFilterValues) {
    return absl::InvalidArgumentError(
        absl::StrCat("filter.", name, ": more than ", kMaxFilterValues, " values"));
  }
  for (const std::string& value : list) {
    if (value.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("filter.", name, ": empty value"));
    }
    if (absl::Status status = CheckIdLength(value, absl::StrCat("filter.", name, " value"));
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateFilter(const v1::EventFilter& filter) {
  if (auto status = CheckStrings(filter.commands(), "commands"); !status.ok()) return status;
  if (auto status = CheckStrings(filter.room_ids(), "room_ids"); !status.ok()) return status;
  if (auto status = CheckStrings(filter.battle_ids(), "battle_ids"); !status.ok()) return status;
  if (filter.sdk_app_ids_size() > kMaxFilterValues) {
    return absl::InvalidArgumentError("filter.sdk_app_ids: too many values");
  }
  return absl::OkStatus();
}

bool MatchesFilter(const v1::EventFilter& filter, const v1::Event& event) {
  if (!filter.commands().empty() && !Contains(filter.commands(), event.command())) return false;
  if (!filter.sdk_app_ids().empty() && !Contains(filter.sdk_app_ids(), event.sdk_app_id())) {
    return false;
  }
  if (!filter.battle_ids().empty() && !Contains(filter.battle_ids(), BattleIdOf(event))) {
    return false;
  }
  if (!filter.room_ids().empty()) {
    const std::vector<std::string> ids = RoomIdsOf(event);
    const bool any = std::any_of(ids.begin(), ids.end(), [&filter](const std::string& id) {
      return !id.empty() && Contains(filter.room_ids(), id);
    });
    if (!any) return false;
  }
  return true;
}

}  // namespace liveevents::service
