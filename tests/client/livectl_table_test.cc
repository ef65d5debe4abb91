#include "client/livectl_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace liveevents::client {
namespace {

namespace v1 = liveevents::v1;

TEST(FormatTableTest, AlignsColumnsWithoutTrailingSpaces) {
  EXPECT_EQ(FormatTable({"A", "BB", "C"}, {{"long", "x", "end"}, {"s", "yyyy", ""}}),
            "A     BB    C\n"
            "long  x     end\n"
            "s     yyyy\n");
}

TEST(FormatTableTest, CountsUtf8CharactersAndBlanksControlCharacters) {
  // "é" is two bytes and one column; a newline in a cell must not break the row.
  EXPECT_EQ(FormatTable({"NAME", "N"}, {{"caf\xc3\xa9", "1"}, {"a\nb", "2"}}),
            "NAME  N\n"
            "caf\xc3\xa9  1\n"
            "a b   2\n");
}

TEST(FormatTableTest, BlanksEscapesAndC1ControlsThatWouldDriveTheTerminal) {
  // ESC [ 2 J, then U+009B (CSI in C1, UTF-8 C2 9B) 2 J, then U+0085 (NEL): each control is one
  // blank column. "\xc2\xa0" (no-break space) and "\xe2\x82\xac" ("€", whose continuation
  // byte 0x82 is in the C1 range) are printable and stay.
  EXPECT_EQ(FormatTable({"NAME", "N"}, {{"a\x1b[2J", "1"},
                                        {"b\xc2\x9b"
                                         "2J\xc2\x85",
                                         "2"},
                                        {"\xc2\xa0\xe2\x82\xac", "3"}}),
            "NAME   N\n"
            "a [2J  1\n"
            "b 2J   2\n"
            "\xc2\xa0\xe2\x82\xac     3\n");
}

TEST(FormatTableTest, ShortRowsAndAnEmptyTable) {
  EXPECT_EQ(FormatTable({"A", "B"}, {{"x"}}), "A  B\nx\n");
  EXPECT_EQ(FormatTable({"A", "B"}, {}), "A  B\n");
}

TEST(TableRowTest, EventsNameTheirRoomOrBattle) {
  v1::Event created;
  created.set_revision(7);
  created.set_sdk_app_id(1400000001);
  created.set_command("Live.CallbackAfterCreateRoom");
  created.set_event_time_ms(1703589922780);
  created.mutable_create_room()->mutable_room_info()->set_room_id("room-1");
  EXPECT_EQ(EventRow(created), (TableRow{"7", "2023-12-26 11:25:22", "1400000001",
                                         "Live.CallbackAfterCreateRoom", "room room-1"}));

  v1::Event ended;
  ended.set_command("Live.CallbackAfterEndBattle");
  ended.set_stale(true);
  ended.mutable_end_battle()->set_battle_id("b9");
  const TableRow row = EventRow(ended);
  EXPECT_EQ(row[1], "-");
  EXPECT_EQ(row[3], "Live.CallbackAfterEndBattle (stale)");
  EXPECT_EQ(row[4], "battle b9");

  EXPECT_EQ(EventRow(v1::Event())[4], "-");  // No payload at all.
}

TEST(TableRowTest, BattlesShowRoomsWinnersAndOverdue) {
  v1::Battle battle;
  battle.set_sdk_app_id(1);
  battle.set_battle_id("b1");
  battle.set_state(v1::BATTLE_STATE_ENDED);
  battle.set_start_time(1703589922);
  battle.set_duration_ms(300000);
  battle.mutable_from_room()->set_room_id("r1");
  battle.add_to_rooms()->set_room_id("r2");
  battle.mutable_result()->add_winner_room_ids("r1");
  battle.mutable_result()->add_winner_room_ids("r2");
  battle.mutable_result()->set_draw(true);
  battle.set_overdue(true);
  EXPECT_EQ(BattleRow(battle), (TableRow{"1", "b1", "ended", "2023-12-26 11:25:22", "5m", "r1,r2",
                                         "draw: r1,r2", "yes"}));
  EXPECT_EQ(BattleRow(v1::Battle())[2], "unspecified");
}

TEST(TableRowTest, Rooms) {
  v1::Room room;
  room.set_sdk_app_id(1);
  room.set_room_id("r1");
  room.set_status(v1::ROOM_STATUS_DESTROYED);
  room.set_online_count(12);
  room.set_room_name("Friday");
  EXPECT_EQ(RoomRow(room), (TableRow{"1", "r1", "destroyed", "-", "12", "-", "-", "Friday"}));

  // Times come from callbacks: one too large for milliseconds must not overflow.
  room.set_create_time(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(RoomRow(room)[6], "292277026596-12-04 15:30:07");
  room.set_create_time(1703589922);
  EXPECT_EQ(RoomRow(room)[6], "2023-12-26 11:25:22");
}

}  // namespace
}  // namespace liveevents::client
