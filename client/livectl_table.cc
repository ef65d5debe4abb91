#include "client/livectl_table.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"

namespace liveevents::client {
namespace {

namespace v1 = liveevents::v1;

std::string FormatUtc(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", time, absl::UTCTimeZone());
}

// Unix milliseconds (or seconds) as "2023-12-26 11:25:22" UTC; "-" when unset.
std::string FormatMillis(int64_t millis) {
  return millis <= 0 ? "-" : FormatUtc(absl::FromUnixMillis(millis));
}

// Not through milliseconds: the times come from callbacks, and seconds * 1000 can overflow.
std::string FormatSeconds(int64_t seconds) {
  return seconds <= 0 ? "-" : FormatUtc(absl::FromUnixSeconds(seconds));
}

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

// Enum names without their prefix: ROOM_STATUS_ACTIVE -> active.
std::string ShortName(const std::string& name, absl::string_view prefix) {
  absl::string_view rest = name;
  if (absl::StartsWith(rest, prefix)) rest.remove_prefix(prefix.size());
  std::string lower(rest);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.empty() ? "-" : lower;
}

// The room or battle an event is about: the payload's battle_id, room_id or room_info.room_id,
// found by name so that every command is covered without a list to keep in step.
std::string EventSubject(const v1::Event& event) {
  const google::protobuf::Reflection* reflection = event.GetReflection();
  const google::protobuf::OneofDescriptor* payload =
      event.GetDescriptor()->FindOneofByName("payload");
  const google::protobuf::FieldDescriptor* field =
      payload == nullptr ? nullptr : reflection->GetOneofFieldDescriptor(event, payload);
  if (field == nullptr || field->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
    return "-";
  }
  const google::protobuf::Message& body = reflection->GetMessage(event, field);
  struct Key {
    const char* field;
    const char* label;
  };
  for (const Key& key :
       {Key{"battle_id", "battle "}, Key{"room_id", "room "}, Key{"room_info", "room "}}) {
    const char* name = key.field;
    const google::protobuf::FieldDescriptor* id = body.GetDescriptor()->FindFieldByName(name);
    if (id == nullptr || id->is_repeated()) continue;
    if (id->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      const std::string value = body.GetReflection()->GetString(body, id);
      if (!value.empty()) return absl::StrCat(key.label, value);
    } else if (id->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE &&
               body.GetReflection()->HasField(body, id)) {
      const google::protobuf::Message& nested = body.GetReflection()->GetMessage(body, id);
      // Found by name: only a RoomInfo may be read as one.
      if (nested.GetDescriptor() != v1::RoomInfo::descriptor()) continue;
      const auto& info = static_cast<const v1::RoomInfo&>(nested);
      if (info.has_room_id()) return absl::StrCat("room ", info.room_id());
    }
  }
  return "-";
}

// Characters as a terminal counts them: UTF-8 continuation bytes take no column.
size_t DisplayWidth(const std::string& text) {
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

// Control characters become one space each: C0 (ESC included) and DEL, and C1 (U+0080..U+009F,
// UTF-8 C2 80..C2 9F), which terminals also obey (U+009B is CSI), so a cell cannot send escapes.
std::string Clean(const std::string& cell) {
  std::string out;
  out.reserve(cell.size());
  for (size_t i = 0; i < cell.size(); ++i) {
    const auto c = static_cast<unsigned char>(cell[i]);
    if (c < 0x20 || c == 0x7F) {
      out += ' ';
    } else if (c == 0xC2 && i + 1 < cell.size() &&
               static_cast<unsigned char>(cell[i + 1]) <= 0x9F &&
               static_cast<unsigned char>(cell[i + 1]) >= 0x80) {
      out += ' ';
      ++i;
    } else {
      out += cell[i];
    }
  }
  return out;
}

}  // namespace

TableRow RoomHeader() {
  return {"APP", "ROOM", "STATUS", "OWNER", "ONLINE", "BATTLE", "CREATED", "NAME"};
}

TableRow RoomRow(const v1::Room& room) {
  return {absl::StrCat(room.sdk_app_id()),
          room.room_id(),
          ShortName(v1::RoomStatus_Name(room.status()), "ROOM_STATUS_"),
          OrDash(room.owner_account()),
          absl::StrCat(room.online_count()),
          OrDash(room.current_battle_id()),
          FormatSeconds(room.create_time()),
          OrDash(room.room_name())};
}

TableRow BattleHeader() {
  return {"APP", "BATTLE", "STATE", "STARTED", "DURATION", "ROOMS", "WINNERS", "OVERDUE"};
}

TableRow BattleRow(const v1::Battle& battle) {
  std::vector<std::string> rooms;
  if (!battle.from_room().room_id().empty()) rooms.push_back(battle.from_room().room_id());
  for (const v1::BattleRoom& room : battle.to_rooms()) rooms.push_back(room.room_id());
  std::string winners = absl::StrJoin(battle.result().winner_room_ids(), ",");
  if (battle.result().draw()) winners = absl::StrCat("draw: ", winners);
  return {absl::StrCat(battle.sdk_app_id()),
          battle.battle_id(),
          ShortName(v1::BattleState_Name(battle.state()), "BATTLE_STATE_"),
          FormatSeconds(battle.start_time()),
          battle.duration_ms() > 0 ? absl::FormatDuration(absl::Milliseconds(battle.duration_ms()))
                                   : "-",
          OrDash(absl::StrJoin(rooms, ",")),
          OrDash(winners),
          battle.overdue() ? "yes" : "no"};
}

TableRow EventHeader() { return {"REVISION", "EVENT TIME (UTC)", "APP", "COMMAND", "SUBJECT"}; }

TableRow EventRow(const v1::Event& event) {
  return {absl::StrCat(event.revision()), FormatMillis(event.event_time_ms()),
          absl::StrCat(event.sdk_app_id()),
          event.stale() ? absl::StrCat(event.command(), " (stale)") : event.command(),
          EventSubject(event)};
}

TableRow MemberHeader() { return {"ACCOUNT"}; }

std::string FormatTable(const TableRow& header, const std::vector<TableRow>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  auto measure = [&](const TableRow& row) {
    for (size_t i = 0; i < widths.size() && i < row.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(Clean(row[i])));
    }
  };
  measure(header);
  for (const TableRow& row : rows) measure(row);
  std::string out;
  auto print = [&](const TableRow& row) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < row.size() ? Clean(row[i]) : std::string();
      line += cell;
      // The last column is not padded: no trailing spaces.
      if (i + 1 < widths.size()) line.append(widths[i] - DisplayWidth(cell) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  print(header);
  for (const TableRow& row : rows) print(row);
  return out;
}

}  // namespace liveevents::client
