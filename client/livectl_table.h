// livectl's `--output table`: rooms, battles, events and members as aligned columns for people
// (JSON lines stay the default, for scripts). Pure functions: rows from messages, and the
// formatting of a table, tested directly.
#ifndef LIVEEVENTS_CLIENT_LIVECTL_TABLE_H_
#define LIVEEVENTS_CLIENT_LIVECTL_TABLE_H_

#include <string>
#include <vector>

#include "liveevents/v1/live_events.pb.h"

namespace liveevents::client {

using TableRow = std::vector<std::string>;

TableRow RoomHeader();
TableRow RoomRow(const liveevents::v1::Room& room);
TableRow BattleHeader();
TableRow BattleRow(const liveevents::v1::Battle& battle);
TableRow EventHeader();
TableRow EventRow(const liveevents::v1::Event& event);
TableRow MemberHeader();

// The header and rows as text: columns left-aligned, separated by two spaces, widths in UTF-8
// characters, one line per row, each ending in '\n'. Control characters in cells (a newline in
// a room name, ESC, C1 controls such as U+009B) print as spaces, so a cell never breaks the
// layout or drives the terminal. Missing cells print empty.
// Thread-safe (pure).
std::string FormatTable(const TableRow& header, const std::vector<TableRow>& rows);

}  // namespace liveevents::client

#endif  // LIVEEVENTS_CLIENT_LIVECTL_TABLE_H_
