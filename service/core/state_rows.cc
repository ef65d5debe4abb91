#include "service/core/state_rows.h"

#include "absl/strings/str_cat.h"

namespace liveevents::service {
namespace {

constexpr char kRoomTag = 'R';
constexpr char kMemberTag = 'M';
constexpr char kBattleTag = 'B';
constexpr size_t kIdOffset = 1 + 8 + 4;  // Tag, sdk_app_id, id length.

// Big-endian, so that keys sort by app as numbers.
void PutBigEndian(uint64_t value, int bytes, char* out) {
  for (int i = bytes - 1; i >= 0; --i, value >>= 8) out[i] = static_cast<char>(value & 0xff);
}

uint64_t GetBigEndian(const char* in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = value << 8 | static_cast<unsigned char>(in[i]);
  return value;
}

std::string EntityRowKey(char tag, uint64_t sdk_app_id, absl::string_view id) {
  std::string key(kIdOffset, '\0');
  key[0] = tag;
  PutBigEndian(sdk_app_id, 8, key.data() + 1);
  PutBigEndian(id.size(), 4, key.data() + 9);
  key.append(id.data(), id.size());
  return key;
}

// The length of the entity key at the start of `key` (tag, app, id), or 0 if malformed.
size_t EntityKeyLength(absl::string_view key) {
  if (key.size() < kIdOffset) return 0;
  const size_t id_length = GetBigEndian(key.data() + 9, 4);
  return key.size() - kIdOffset < id_length ? 0 : kIdOffset + id_length;
}

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("the stored state holds a corrupt ", what, " row"));
}

}  // namespace

std::string RoomRowKey(uint64_t sdk_app_id, absl::string_view room_id) {
  return EntityRowKey(kRoomTag, sdk_app_id, room_id);
}

std::string MemberRowKey(absl::string_view room_key, absl::string_view account) {
  return absl::StrCat(room_key, absl::string_view(&kMemberTag, 1), account);
}

std::string BattleRowKey(uint64_t sdk_app_id, absl::string_view battle_id) {
  return EntityRowKey(kBattleTag, sdk_app_id, battle_id);
}

std::string PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;  // Empty only for an all-0xff prefix, which no row key is.
}

absl::StatusOr<internal::State> StateFromRows(absl::Span<const StateRow> rows, uint32_t format) {
  internal::State state;
  state.set_format(format);
  internal::RoomState* room = nullptr;
  absl::string_view room_key;
  for (const StateRow& row : rows) {
    const size_t entity_length = EntityKeyLength(row.key);
    if (entity_length == 0) return Corrupt("state");
    const absl::string_view entity(row.key.data(), entity_length);
    if (row.key[0] == kBattleTag && entity_length == row.key.size()) {
      if (!state.add_battles()->ParseFromString(row.value)) return Corrupt("battle");
    } else if (row.key[0] == kRoomTag && entity_length == row.key.size()) {
      room = state.add_rooms();
      room_key = row.key;
      if (!room->ParseFromString(row.value)) return Corrupt("room");
    } else if (row.key[0] == kRoomTag && row.key[entity_length] == kMemberTag) {
      // Members sort right after their room's row; one without it is an orphan.
      if (room == nullptr || entity != room_key) return Corrupt("member");
      internal::MemberRow member;
      if (!member.ParseFromString(row.value)) return Corrupt("member");
      internal::FactTime& fact =
          member.online() ? *room->add_online_members() : *room->add_offline_members();
      fact.set_key(row.key.substr(entity_length + 1));
      fact.set_time_ms(member.time_ms());
    } else {
      return Corrupt("state");
    }
  }
  return state;
}

}  // namespace liveevents::service
