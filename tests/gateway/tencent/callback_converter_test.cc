#include "gateway/tencent/callback_converter.h"

#include <string>
#include <vector>

#include "gateway/tencent/json_body.h"
#include "gtest/gtest.h"

namespace liveevents::gateway {
namespace {

using liveevents::v1::Event;

constexpr int64_t kReceivedMs = 1700000000123;

absl::StatusOr<Event> Convert(const std::string& body, const std::string& hint = "") {
  return ConvertCallback(CallbackInput{1400000001, hint, body, kReceivedMs, "10.1.2.3", "Web"});
}

Event ConvertOk(const std::string& body, const std::string& hint = "") {
  absl::StatusOr<Event> event = Convert(body, hint);
  EXPECT_TRUE(event.ok()) << event.status();
  return event.ok() ? *event : Event();
}

TEST(CallbackConverterTest, FillsEnvelopeFromInputAndBody) {
  const std::string body =
      R"({"CallbackCommand":"Live.CallbackAfterChangeOwner","EventTime":1739954005000})";
  const Event event = ConvertOk(body);
  EXPECT_EQ(event.sdk_app_id(), 1400000001u);
  EXPECT_EQ(event.command(), "Live.CallbackAfterChangeOwner");
  EXPECT_EQ(event.event_time_ms(), 1739954005000);
  EXPECT_EQ(event.received_time_ms(), kReceivedMs);
  EXPECT_EQ(event.raw_body(), body);
  EXPECT_EQ(event.client_ip(), "10.1.2.3");
  EXPECT_EQ(event.opt_platform(), "Web");
  EXPECT_EQ(event.revision(), 0u);
}

TEST(CallbackConverterTest, UsesReceiveTimeWhenEventTimeIsAbsent) {
  const Event event = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterCreateRoom"})");
  EXPECT_EQ(event.event_time_ms(), kReceivedMs);
}

TEST(CallbackConverterTest, AcceptsEventTimeAsNumericString) {
  const Event event =
      ConvertOk(R"({"CallbackCommand":"Group.CallbackAfterSendMsg","EventTime":"1670574414123"})");
  EXPECT_EQ(event.event_time_ms(), 1670574414123);
}

TEST(CallbackConverterTest, ConvertsCreateRoomWithEveryRoomInfoField) {
  const Event event = ConvertOk(R"({
    "CallbackCommand": "Live.CallbackAfterCreateRoom", "Operator_Account": "admin",
    "RoomInfo": {"RoomId": "r1", "RoomName": "n", "RoomType": "Live", "Owner_Account": "user3",
      "MaxMemberCount": 300, "IsMessageDisabled": true, "CustomInfo": "c", "IsSeatEnabled": true,
      "TakeSeatMode": "ApplyToTake", "MaxSeatCount": 16, "CreateTime": 1703589922,
      "IsPublicVisible": false, "CoverURL": "u", "Category": [1, 2]}})");
  ASSERT_TRUE(event.has_create_room());
  const auto& p = event.create_room();
  EXPECT_EQ(p.operator_account(), "admin");
  const auto& room = p.room_info();
  EXPECT_EQ(room.room_id(), "r1");
  EXPECT_EQ(room.room_name(), "n");
  EXPECT_EQ(room.room_type(), "Live");
  EXPECT_EQ(room.owner_account(), "user3");
  EXPECT_EQ(room.max_member_count(), 300);
  EXPECT_TRUE(room.is_message_disabled());
  EXPECT_EQ(room.custom_info(), "c");
  EXPECT_TRUE(room.is_seat_enabled());
  EXPECT_EQ(room.take_seat_mode(), "ApplyToTake");
  EXPECT_EQ(room.max_seat_count(), 16);
  EXPECT_EQ(room.create_time(), 1703589922);
  ASSERT_TRUE(room.has_is_public_visible());
  EXPECT_FALSE(room.is_public_visible());
  EXPECT_EQ(room.cover_url(), "u");
  EXPECT_EQ(std::vector<int64_t>(room.category().values().begin(), room.category().values().end()),
            (std::vector<int64_t>{1, 2}));
  EXPECT_FALSE(room.has_background_url());
  EXPECT_FALSE(room.has_view_count());
}

TEST(CallbackConverterTest, KeepsBigIntegerAccountsExactly) {
  const Event event = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterDestroyRoom",
    "Operator_Account":"@TIM#SYSTEM","RoomId":"r1","EventType":"DestroyBySystem",
    "EventTime":1703589922780,
    "RoomInfo":{"RoomId":"436","Owner_Account":144115216631667826,"BackgroundURL":"b",
      "ActivityStatus":0,"ViewCount":7,"IsUnlimitedRoomEnabled":true},
    "Statistic":{"TotalViewers":1,"TotalGiftsSent":2,"TotalGiftCoins":3,
      "TotalUniqueGiftSenders":4,"TotalLikesReceived":5}})");
  ASSERT_TRUE(event.has_destroy_room());
  const auto& p = event.destroy_room();
  EXPECT_EQ(p.operator_account(), "@TIM#SYSTEM");
  EXPECT_EQ(p.room_id(), "r1");
  EXPECT_EQ(p.event_type(), "DestroyBySystem");
  EXPECT_EQ(p.room_info().owner_account(), "144115216631667826");
  EXPECT_EQ(p.room_info().background_url(), "b");
  EXPECT_EQ(p.room_info().activity_status(), 0);
  EXPECT_TRUE(p.room_info().has_activity_status());
  EXPECT_EQ(p.room_info().view_count(), 7);
  EXPECT_TRUE(p.room_info().is_unlimited_room_enabled());
  ASSERT_TRUE(p.has_statistic());
  EXPECT_EQ(p.statistic().total_viewers(), 1);
  EXPECT_EQ(p.statistic().total_gifts_sent(), 2);
  EXPECT_EQ(p.statistic().total_gift_coins(), 3);
  EXPECT_EQ(p.statistic().total_unique_gift_senders(), 4);
  EXPECT_EQ(p.statistic().total_likes_received(), 5);
}

TEST(CallbackConverterTest, LeavesMissingOptionalFieldsUnset) {
  const Event event =
      ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterDestroyRoom","RoomId":"r1"})");
  EXPECT_FALSE(event.destroy_room().has_statistic());
  EXPECT_FALSE(event.destroy_room().room_info().has_owner_account());
  EXPECT_FALSE(event.destroy_room().room_info().has_category());
}

TEST(CallbackConverterTest, ConvertsUpdateRoomInfoWithPartialRoomInfo) {
  const Event event = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterUpdateRoomInfo",
    "Operator_Account":"bob","RoomInfo":{"RoomId":"live-room","MaxMemberCount":"300",
    "Category":[]},"EventTime":1})");
  const auto& room = event.update_room_info().room_info();
  EXPECT_EQ(event.update_room_info().operator_account(), "bob");
  EXPECT_EQ(room.max_member_count(), 300);
  EXPECT_TRUE(room.has_category());
  EXPECT_EQ(room.category().values_size(), 0);
  EXPECT_FALSE(room.has_room_name());
}

TEST(CallbackConverterTest, ConvertsMetadataCommands) {
  const Event set = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterSetMetadata",
    "Operator_Account":"brennanli","RoomId":"r","Metadata":[{"Key":"k1","Value":"v1"},
    {"Key":"k2","Value":"v2"}],"EventTime":1739965885831})");
  ASSERT_EQ(set.set_metadata().metadata_size(), 2);
  EXPECT_EQ(set.set_metadata().metadata(1).key(), "k2");
  EXPECT_EQ(set.set_metadata().metadata(1).value(), "v2");
  EXPECT_EQ(set.set_metadata().room_id(), "r");
  const Event del = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterDelMetadata",
    "Operator_Account":"o","RoomId":"r","Keys":["k1","k2"]})");
  ASSERT_EQ(del.del_metadata().keys_size(), 2);
  EXPECT_EQ(del.del_metadata().keys(0), "k1");
  EXPECT_EQ(del.del_metadata().operator_account(), "o");
}

TEST(CallbackConverterTest, ConvertsRoomCountThresholdFromIntegersOrStrings) {
  const Event event = ConvertOk(R"({"CallbackCommand":
    "Live.CallbackAfterCreateRoomReachingThreshold","Operator_Account":"a","CurRoomCount":"400",
    "MaxRoomCount":500})");
  EXPECT_EQ(event.room_count_threshold().cur_room_count(), 400);
  EXPECT_EQ(event.room_count_threshold().max_room_count(), 500);
  EXPECT_EQ(event.room_count_threshold().operator_account(), "a");
}

TEST(CallbackConverterTest, ConvertsMemberStateChanged) {
  const Event event = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterMemberStateChanged",
    "RoomId":"r","EventType":"Online","EventCause":"Enter",
    "MemberList":[{"Member_Account":"jared"},{"Member_Account":144115233775727695}]})");
  const auto& p = event.member_state_changed();
  EXPECT_EQ(p.room_id(), "r");
  EXPECT_EQ(p.event_type(), "Online");
  EXPECT_EQ(p.event_cause(), "Enter");
  ASSERT_EQ(p.member_accounts_size(), 2);
  EXPECT_EQ(p.member_accounts(1), "144115233775727695");
}

TEST(CallbackConverterTest, ConvertsOwnerAndAdminChanges) {
  const Event owner = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterChangeOwner",
    "RoomId":"r","Operator_Account":"op","CurrentOwner_Account":"user2",
    "OriginalOwner_Account":"user1"})");
  EXPECT_EQ(owner.change_owner().current_owner_account(), "user2");
  EXPECT_EQ(owner.change_owner().original_owner_account(), "user1");
  EXPECT_EQ(owner.change_owner().operator_account(), "op");
  const Event admin = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterModifyAdmin",
    "RoomId":"r","Operator_Account":"op","Admin_Account":["user1",42],"opType":"delete"})");
  ASSERT_EQ(admin.modify_admin().admin_accounts_size(), 2);
  EXPECT_EQ(admin.modify_admin().admin_accounts(1), "42");
  EXPECT_EQ(admin.modify_admin().op_type(), "delete");
}

TEST(CallbackConverterTest, ConvertsSeatListWithEmptySeats) {
  const Event event = ConvertOk(R"({"CallbackCommand":"Mic.CallbackAfterSeatInfoChanged",
    "RoomId":"rid-123","EventTime":1670574414123,"SeatList":[
      {"Index":0,"Member_Account":144115233775727695,"IsTakenDisabled":false,
       "IsVideoDisabled":true,"IsAudioDisabled":false},
      {"Index":1,"IsTakenDisabled":true},
      {"Index":2,"Member_Account":""}]})");
  const auto& p = event.seat_info_changed();
  ASSERT_EQ(p.seats_size(), 3);
  EXPECT_EQ(p.seats(0).member_account(), "144115233775727695");
  EXPECT_TRUE(p.seats(0).is_video_disabled());
  EXPECT_EQ(p.seats(1).index(), 1);
  EXPECT_EQ(p.seats(1).member_account(), "");
  EXPECT_TRUE(p.seats(1).is_taken_disabled());
  EXPECT_EQ(p.seats(2).member_account(), "");
  EXPECT_EQ(p.operator_account(), "");
}

TEST(CallbackConverterTest, ConvertsBattleLifecycle) {
  const Event create = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterCreateBattle",
    "Operator_Account":"brennanli","BattleId":"4siH/T3+d/3M=","FromRoomId":"pk-3",
    "ToRoomIdList":["pk-5","pk-6"],"Timeout":30000,"Duration":60000,"NeedResponse":true,
    "ExtensionInfo":"ext","EventTime":1739954005000})");
  const auto& c = create.create_battle();
  EXPECT_EQ(c.battle_id(), "4siH/T3+d/3M=");
  EXPECT_EQ(c.from_room_id(), "pk-3");
  EXPECT_EQ(c.to_room_ids_size(), 2);
  EXPECT_EQ(c.timeout_ms(), 30000);
  EXPECT_EQ(c.duration_ms(), 60000);
  EXPECT_TRUE(c.need_response());
  EXPECT_EQ(c.extension_info(), "ext");

  const Event start = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterStartBattle",
    "BattleId":"b","Duration":60000,"CreateTime":1739954005,"StartTime":1739954006,
    "FromRoomInfo":{"RoomId":"pk-3","Owner_Account":"brennan"},
    "ToRoomList":[{"RoomId":"pk-5","Owner_Account":"tandy"}],"EventTime":1739954005000})");
  const auto& s = start.start_battle();
  EXPECT_EQ(s.start_time(), 1739954006);
  EXPECT_EQ(s.from_room().owner_account(), "brennan");
  ASSERT_EQ(s.to_rooms_size(), 1);
  EXPECT_EQ(s.to_rooms(0).room_id(), "pk-5");

  const Event end = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterEndBattle",
    "BattleId":"b","Duration":30000,"CreateTime":1739956115,"StartTime":1739956115,
    "EndTime":1739956145,"OpType":0,
    "FromRoomInfo":{"RoomId":"pk-3","Score":10,"Owner_Account":144115245353757792},
    "ToRoomList":[{"RoomId":"pk-5","Score":20,"Owner_Account":144115245442327522}],
    "EventTime":1739956146119})");
  const auto& e = end.end_battle();
  ASSERT_TRUE(e.has_op_type());
  EXPECT_EQ(e.op_type(), 0);
  EXPECT_EQ(e.end_time(), 1739956145);
  EXPECT_EQ(e.from_room().owner_account(), "144115245353757792");
  EXPECT_EQ(e.from_room().score(), 10);
  EXPECT_EQ(e.to_rooms(0).owner_account(), "144115245442327522");
  EXPECT_EQ(e.to_rooms(0).score(), 20);
}

TEST(CallbackConverterTest, ConvertsBeforeSendGift) {
  const Event event = ConvertOk(R"({"CallbackCommand":"Live.CallbackBeforeSendGift",
    "Operator_Account":"op","RoomId":"r","GiftWater":{"From_Account":"from",
    "To_Account":["to1"],"Time":1703589922,"GiftId":"gift1","Count":1,"Coins":1000}})");
  const auto& p = event.before_send_gift();
  EXPECT_EQ(p.room_id(), "r");
  EXPECT_EQ(p.gift().from_account(), "from");
  ASSERT_EQ(p.gift().to_accounts_size(), 1);
  EXPECT_EQ(p.gift().time(), 1703589922);
  EXPECT_EQ(p.gift().gift_id(), "gift1");
  EXPECT_EQ(p.gift().count(), 1);
  EXPECT_EQ(p.gift().coins(), 1000);
  EXPECT_FALSE(p.has_decision());  // The policy is the request handler's job.
  EXPECT_EQ(event.event_time_ms(), kReceivedMs);
}

TEST(CallbackConverterTest, ConvertsGroupMessagesKeepingContentAsJson) {
  const std::string fields = R"("GroupId":"@TGS#2J4SZEAEL","Type":"Live","From_Account":"alice",
    "Operator_Account":"alice","Random":123456,"MsgId":"144115233406643804-1727580296-4026038328",
    "MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{ "Text" : "hi" }}],
    "CloudCustomData":"ccd","EventTime":"1670574414123")";
  const Event before =
      ConvertOk(R"({"CallbackCommand":"Group.CallbackBeforeSendMsg",)" + fields + "}");
  const auto& b = before.before_send_msg();
  EXPECT_EQ(b.group_id(), "@TGS#2J4SZEAEL");
  EXPECT_EQ(b.type(), "Live");
  EXPECT_EQ(b.from_account(), "alice");
  EXPECT_EQ(b.random(), 123456);
  EXPECT_EQ(b.msg_id(), "144115233406643804-1727580296-4026038328");
  ASSERT_EQ(b.msg_body_size(), 1);
  EXPECT_EQ(b.msg_body(0).msg_type(), "TIMTextElem");
  EXPECT_EQ(b.msg_body(0).msg_content_json(), R"({"Text":"hi"})");
  EXPECT_EQ(b.cloud_custom_data(), "ccd");

  const Event after = ConvertOk(R"({"CallbackCommand":"Group.CallbackAfterSendMsg",)" + fields +
                                R"(,"MsgSeq":42,"MsgTime":1670574414})");
  EXPECT_EQ(after.after_send_msg().msg_seq(), 42);
  EXPECT_EQ(after.after_send_msg().msg_time(), 1670574414);
  EXPECT_EQ(after.event_time_ms(), 1670574414123);
}

// Purely numeric accounts of any length keep their digits; only plain integer syntax counts.
TEST(CallbackConverterTest, KeepsAccountsBeyond64BitsAsTheirDigits) {
  struct Case {
    std::string body;
    std::string (*get)(const Event&);
    std::string want;
  };
  const std::string big = "123456789012345678901234567890";
  const std::vector<Case> cases = {
      {R"({"CallbackCommand":"Live.CallbackAfterCreateRoom","Operator_Account":)" + big + "}",
       [](const Event& e) { return e.create_room().operator_account(); }, big},
      {R"({"CallbackCommand":"Live.CallbackAfterCreateRoom","Operator_Account":-)" + big + "}",
       [](const Event& e) { return e.create_room().operator_account(); }, "-" + big},
      {R"({"CallbackCommand":"Live.CallbackAfterChangeOwner","Operator_Account":18446744073709551616})",
       [](const Event& e) { return e.change_owner().operator_account(); }, "18446744073709551616"},
      {R"({"CallbackCommand":"Live.CallbackAfterModifyAdmin","Admin_Account":["a",)" + big + "]}",
       [](const Event& e) { return e.modify_admin().admin_accounts(1); }, big},
      {R"({"CallbackCommand":"Live.CallbackBeforeSendGift","GiftWater":{"From_Account":)" + big +
           "}}",
       [](const Event& e) { return e.before_send_gift().gift().from_account(); }, big},
      {R"({"CallbackCommand":"Group.CallbackAfterSendMsg",
          "MsgBody":[{"MsgType":"TIMCustomElem","MsgContent":{"Data": )" +
           big + "}}]}",
       [](const Event& e) { return e.after_send_msg().msg_body(0).msg_content_json(); },
       R"({"Data":)" + big + "}"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    const absl::StatusOr<Event> event = Convert(c.body);
    ASSERT_TRUE(event.ok()) << event.status();
    EXPECT_EQ(c.get(*event), c.want);
  }
}

TEST(CallbackConverterTest, AcceptsMessageContentNestedUpToTheLimit) {
  // The body adds three levels (body, MsgBody, its element) to MsgContent's own.
  const int inner = kMaxJsonDepth - 3;
  const std::string content = std::string(inner, '[') + std::string(inner, ']');
  const Event event = ConvertOk(R"({"CallbackCommand":"Group.CallbackAfterSendMsg",
    "MsgBody":[{"MsgType":"TIMCustomElem","MsgContent":)" +
                                content + "}]}");
  EXPECT_EQ(event.after_send_msg().msg_body(0).msg_content_json(), content);
  EXPECT_FALSE(Convert(R"({"CallbackCommand":"Group.CallbackAfterSendMsg",
    "MsgBody":[{"MsgType":"TIMCustomElem","MsgContent":[)" +
                       content + "]}]}")
                   .ok());
}

TEST(CallbackConverterTest, ConvertsBothFollowArrayShapes) {
  const Event add = ConvertOk(R"({"CallbackCommand":"Follow.CallbackAfterFollowAdd",
    "From_Account":"a","FollowList":[{"To_Account":"b"},{"To_Account":144115245442327522}]})");
  ASSERT_EQ(add.follow_add().to_accounts_size(), 2);
  EXPECT_EQ(add.follow_add().from_account(), "a");
  EXPECT_EQ(add.follow_add().to_accounts(1), "144115245442327522");
  const Event del = ConvertOk(R"({"CallbackCommand":"Follow.CallbackAfterFollowDelete",
    "From_Account":"a","To_Account":["b","c"]})");
  ASSERT_EQ(del.follow_delete().to_accounts_size(), 2);
  EXPECT_EQ(del.follow_delete().to_accounts(1), "c");
}

TEST(CallbackConverterTest, TakesCommandFromQueryWhenBodyHasNone) {
  const Event event = ConvertOk(R"({"RoomId":"r","Keys":["k"]})", "Live.CallbackAfterDelMetadata");
  EXPECT_EQ(event.command(), "Live.CallbackAfterDelMetadata");
  EXPECT_TRUE(event.has_del_metadata());
}

TEST(CallbackConverterTest, MapsUnknownCommandToUnknownPayload) {
  const Event event = ConvertOk(R"({"CallbackCommand":"Room.CallbackAfterSomething","x":1.5})");
  EXPECT_TRUE(event.has_unknown());
  EXPECT_EQ(event.command(), "Room.CallbackAfterSomething");
}

struct ErrorCase {
  const char* name;
  std::string body;
  std::string hint;
  ConversionError kind;
  std::string message;  // A substring the message must contain.
};

TEST(CallbackConverterTest, RejectsBadInputNamingTheProblem) {
  const std::vector<ErrorCase> cases = {
      {"malformed", R"({"CallbackCommand":"Live.CallbackAfterCreateRoom",})", "",
       ConversionError::kMalformedJson, "not valid JSON"},
      {"comment", "{\"a\":1 // c\n}", "", ConversionError::kMalformedJson, "not valid JSON"},
      {"empty body", "", "", ConversionError::kMalformedJson, "not valid JSON"},
      {"array body", "[1]", "", ConversionError::kMalformedJson, "must be a JSON object"},
      {"string body", R"("x")", "", ConversionError::kMalformedJson, "must be a JSON object"},
      {"no command", R"({"RoomId":"r"})", "", ConversionError::kCommand, "missing"},
      {"mismatch", R"({"CallbackCommand":"Live.CallbackAfterCreateRoom"})",
       "Live.CallbackAfterDestroyRoom", ConversionError::kCommand, "differs"},
      {"command type", R"({"CallbackCommand":7})", "", ConversionError::kFieldType,
       "CallbackCommand: expected string, got integer 7"},
      {"trtc", R"({"EventGroupId":1,"EventType":103,"CallbackTs":1,"EventInfo":{}})", "",
       ConversionError::kTrtcCallback, "TRTC"},
      {"int as string", R"({"CallbackCommand":"Live.CallbackAfterCreateRoom",
         "RoomInfo":{"MaxMemberCount":"abc"}})",
       "", ConversionError::kFieldType,
       R"(RoomInfo.MaxMemberCount: expected integer, got string "abc")"},
      {"float account", R"({"CallbackCommand":"Live.CallbackAfterEndBattle",
         "FromRoomInfo":{"Owner_Account":1.44115245442327522e17}})",
       "", ConversionError::kFieldType, "FromRoomInfo.Owner_Account: expected string or integer"},
      {"bool type", R"({"CallbackCommand":"Live.CallbackAfterCreateRoom",
         "RoomInfo":{"IsSeatEnabled":"yes"}})",
       "", ConversionError::kFieldType, "RoomInfo.IsSeatEnabled: expected boolean"},
      {"room info string", R"({"CallbackCommand":"Live.CallbackAfterStartBattle",
         "FromRoomInfo":"pk-3"})",
       "", ConversionError::kFieldType, "FromRoomInfo: expected object"},
      {"seat element", R"({"CallbackCommand":"Mic.CallbackAfterSeatInfoChanged",
         "SeatList":[{"Index":0},{"Index":1.5}]})",
       "", ConversionError::kFieldType, "SeatList[1].Index: expected integer, got float 1.5"},
      {"array element", R"({"CallbackCommand":"Live.CallbackAfterDelMetadata","Keys":["a",1]})", "",
       ConversionError::kFieldType, "Keys[1]: expected string"},
      {"not array", R"({"CallbackCommand":"Live.CallbackAfterDelMetadata","Keys":"a"})", "",
       ConversionError::kFieldType, "Keys: expected array"},
      {"event time", R"({"CallbackCommand":"Live.CallbackAfterCreateRoom","EventTime":"12a"})", "",
       ConversionError::kFieldType, "EventTime: expected integer"},
      {"int overflow", R"({"CallbackCommand":"Live.CallbackAfterEndBattle",
         "Duration":18446744073709551615})",
       "", ConversionError::kFieldType, "Duration: expected integer within int64"},
      {"int beyond 64 bits", R"({"CallbackCommand":"Live.CallbackAfterEndBattle",
         "Duration":123456789012345678901234567890})",
       "", ConversionError::kFieldType,
       "Duration: expected integer within int64, got integer 123456789012345678901234567890"},
      {"fraction account", R"({"CallbackCommand":"Live.CallbackAfterCreateRoom",
         "Operator_Account":1.5})",
       "", ConversionError::kFieldType,
       "Operator_Account: expected string or integer account, got float 1.5"},
      {"exponent account", R"({"CallbackCommand":"Live.CallbackAfterCreateRoom",
         "Operator_Account":1e3})",
       "", ConversionError::kFieldType,
       "Operator_Account: expected string or integer account, got float 1000.0"},
      {"big exponent account", R"({"CallbackCommand":"Live.CallbackAfterCreateRoom",
         "Operator_Account":123456789012345678901234567890e0})",
       "", ConversionError::kFieldType, "Operator_Account: expected string or integer account"},
      {"nested too deep",
       R"({"CallbackCommand":"Group.CallbackAfterSendMsg",
         "MsgBody":[{"MsgType":"TIMCustomElem","MsgContent":)" +
           std::string(1000, '[') + std::string(1000, ']') + "}]}",
       "", ConversionError::kMalformedJson, "JSON nested deeper than 64 levels (the limit)"},
      {"nested too deep, unclosed",
       R"({"CallbackCommand":"Group.CallbackAfterSendMsg",
         "MsgBody":[{"MsgType":"TIMCustomElem","MsgContent":)" +
           std::string(40000, '[') + "}]}",
       "", ConversionError::kMalformedJson, "JSON nested deeper than 64 levels (the limit)"},
      {"objects too deep", std::string(65, '{') + "}", "", ConversionError::kMalformedJson,
       "JSON nested deeper than 64 levels (the limit)"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    const absl::StatusOr<Event> event = Convert(c.body, c.hint);
    ASSERT_FALSE(event.ok());
    EXPECT_EQ(ClassifyConversionError(event.status()), c.kind);
    EXPECT_NE(event.status().message().find(c.message), absl::string_view::npos)
        << event.status().message();
  }
}

TEST(CallbackConverterTest, ReportsTrtcBodiesAsFailedPrecondition) {
  const absl::StatusOr<Event> event = Convert(R"({"EventGroupId":2,"EventType":201})");
  EXPECT_EQ(event.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ClassifyConversionError(absl::InvalidArgumentError("x")), ConversionError::kOther);
}

TEST(CallbackConverterTest, TreatsNullAsAbsent) {
  const Event event = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterDestroyRoom",
    "RoomId":null,"EventTime":null,"Statistic":null})");
  EXPECT_EQ(event.destroy_room().room_id(), "");
  EXPECT_FALSE(event.destroy_room().has_statistic());
  EXPECT_EQ(event.event_time_ms(), kReceivedMs);
}

}  // namespace
}  // namespace liveevents::gateway
