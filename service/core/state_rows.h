// The state as rows of a key-value table, so that a store can persist it incrementally: each
// group commit writes the rows of the rooms, members and battles its events changed, in the
// same transaction as the events, and a restart loads the rows instead of replaying the journal.
//
// Keys sort so that a room's members follow the room row and a room's key is a prefix of its
// members' keys and of nothing else:
//   room:   'R' be64(sdk_app_id) be32(len(room_id)) room_id     -> internal::RoomState (no members)
//   member: <room key> 'M' account                              -> internal::MemberRow
//   battle: 'B' be64(sdk_app_id) be32(len(battle_id)) battle_id -> internal::BattleState
#ifndef LIVEEVENTS_SERVICE_CORE_STATE_ROWS_H_
#define LIVEEVENTS_SERVICE_CORE_STATE_ROWS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "liveevents/internal/state.pb.h"

namespace liveevents::service {

struct StateRow {
  std::string key;
  std::string value;
};

// What changed since the previous set of changes. A store applies them in this order: erase
// every key starting with each of `erased_prefixes` (a room and all its members), erase
// `erased`, then write `written` (insert or replace).
struct StateChanges {
  std::vector<std::string> erased_prefixes;
  std::vector<std::string> erased;
  std::vector<StateRow> written;
  // Replace the whole table by `written` (the first write after a replay).
  bool replace_all = false;

  bool empty() const {
    return !replace_all && erased_prefixes.empty() && erased.empty() && written.empty();
  }
};

std::string RoomRowKey(uint64_t sdk_app_id, absl::string_view room_id);
std::string MemberRowKey(absl::string_view room_key, absl::string_view account);
std::string BattleRowKey(uint64_t sdk_app_id, absl::string_view battle_id);

// The smallest key greater than every key starting with `prefix` (for range deletes).
std::string PrefixEnd(absl::string_view prefix);

// Rebuilds the whole state from rows in key order (as a store returns them).
absl::StatusOr<internal::State> StateFromRows(absl::Span<const StateRow> rows, uint32_t format);

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_CORE_STATE_ROWS_H_
