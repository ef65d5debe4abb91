// One test per quirk of Tencent's real payloads (gateway/README.md, "Conversion rules") that can
// occur on the wire and that callback_converter_test.cc does not already pin down (comments, the
// trailing comma, big accounts in DestroyRoom, EndBattle and SeatInfoChanged, quoted EventTime, the
// empty seat, both Follow shapes, query key spellings and `contenttype` are covered there or in
// query_params_test.cc). Defects only in the docs' prose have nothing to test. Also regression
// tests for converter bugs found by the golden tests and the fuzzer.
#include <string>
#include <vector>

#include "gateway/tencent/callback_converter.h"
#include "gtest/gtest.h"

namespace liveevents::gateway {
namespace {

using liveevents::v1::Event;

constexpr int64_t kReceivedMs = 1700000000123;

absl::StatusOr<Event> Convert(const std::string& body, const std::string& hint = "",
                              const std::string& client_ip = "10.1.2.3",
                              const std::string& opt_platform = "Web") {
  return ConvertCallback(
      CallbackInput{1400000001, hint, body, kReceivedMs, client_ip, opt_platform});
}

Event ConvertOk(const std::string& body, const std::string& hint = "") {
  absl::StatusOr<Event> event = Convert(body, hint);
  EXPECT_TRUE(event.ok()) << event.status();
  return event.ok() ? *event : Event();
}

// the samples' missing commas and the flattened pages (a `//` comment swallowing
// the rest of the line) are refused as malformed: strict on the wire, lenient nowhere.
TEST(QuirksTest, RefusesDocSampleSyntaxDefectsAsMalformedJson) {
  const std::vector<std::string> bodies = {
      // UpdateRoomInfo: no comma between RoomInfo's `}` and "EventTime".
      R"({"CallbackCommand":"Live.CallbackAfterUpdateRoomInfo","RoomInfo":{"RoomId":"r"})"
      R"("EventTime":1})",
      // SeatInfoChanged: no comma between `]` and "EventTime".
      R"({"CallbackCommand":"Mic.CallbackAfterSeatInfoChanged","SeatList":[{"Index":0}])"
      R"("EventTime":1})",
      // Older DestroyRoom: a comment where the comma should be.
      "{\"CallbackCommand\":\"Live.CallbackAfterDestroyRoom\",\"EventType\":\"DestroyByUser\" "
      "// destroyed by user\n\"EventTime\":1}",
      // A flattened copy: the comment runs to the end of the text.
      R"({"CallbackCommand":"Live.CallbackAfterStartBattle","EventTime":1, // ms })",
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body);
    const absl::StatusOr<Event> event = Convert(body);
    ASSERT_FALSE(event.ok());
    EXPECT_EQ(ClassifyConversionError(event.status()), ConversionError::kMalformedJson);
  }
}

// tabs (and CR/LF) are JSON whitespace, so the Group.*SendMsg samples' stray tabs before the
// closing brace are fine once the rest is valid.
TEST(QuirksTest, AcceptsStrayTabsBeforeClosingBrace) {
  const Event event = ConvertOk(
      "{\"CallbackCommand\":\"Group.CallbackAfterSendMsg\",\r\n\t\"GroupId\":\"@TGS#1\",\t"
      "\"EventTime\":\"1670574414123\"\t\t\n\t}");
  EXPECT_EQ(event.after_send_msg().group_id(), "@TGS#1");
  EXPECT_EQ(event.event_time_ms(), 1670574414123);
}

// every `*_Account` field, wherever it sits, accepts a JSON integer beyond 2^53 and keeps
// its exact decimal text. The four documented values do not survive a double.
TEST(QuirksTest, KeepsEveryBigIntegerAccountFieldExact) {
  struct Case {
    const char* body;
    std::string (*get)(const Event&);
  };
  const std::string big = "144115245442327522";
  const std::vector<Case> cases = {
      {R"({"CallbackCommand":"Live.CallbackAfterCreateRoom","Operator_Account":144115245442327522})",
       [](const Event& e) { return e.create_room().operator_account(); }},
      {R"({"CallbackCommand":"Live.CallbackAfterUpdateRoomInfo",
          "RoomInfo":{"Owner_Account":144115245442327522}})",
       [](const Event& e) { return e.update_room_info().room_info().owner_account(); }},
      {R"({"CallbackCommand":"Live.CallbackAfterChangeOwner",
          "CurrentOwner_Account":144115245442327522})",
       [](const Event& e) { return e.change_owner().current_owner_account(); }},
      {R"({"CallbackCommand":"Live.CallbackAfterChangeOwner",
          "OriginalOwner_Account":144115245442327522})",
       [](const Event& e) { return e.change_owner().original_owner_account(); }},
      {R"({"CallbackCommand":"Live.CallbackAfterModifyAdmin","Admin_Account":[144115245442327522]})",
       [](const Event& e) { return e.modify_admin().admin_accounts(0); }},
      {R"({"CallbackCommand":"Live.CallbackAfterStartBattle",
          "ToRoomList":[{"Owner_Account":144115245442327522}]})",
       [](const Event& e) { return e.start_battle().to_rooms(0).owner_account(); }},
      {R"({"CallbackCommand":"Live.CallbackBeforeSendGift",
          "GiftWater":{"From_Account":144115245442327522}})",
       [](const Event& e) { return e.before_send_gift().gift().from_account(); }},
      {R"({"CallbackCommand":"Live.CallbackBeforeSendGift",
          "GiftWater":{"To_Account":[144115245442327522]}})",
       [](const Event& e) { return e.before_send_gift().gift().to_accounts(0); }},
      {R"({"CallbackCommand":"Group.CallbackBeforeSendMsg","From_Account":144115245442327522})",
       [](const Event& e) { return e.before_send_msg().from_account(); }},
      {R"({"CallbackCommand":"Group.CallbackAfterSendMsg","Operator_Account":144115245442327522})",
       [](const Event& e) { return e.after_send_msg().operator_account(); }},
      {R"({"CallbackCommand":"Follow.CallbackAfterFollowDelete","To_Account":[144115245442327522]})",
       [](const Event& e) { return e.follow_delete().to_accounts(0); }},
      {R"({"CallbackCommand":"Follow.CallbackAfterFollowAdd","From_Account":144115245442327522})",
       [](const Event& e) { return e.follow_add().from_account(); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    const absl::StatusOr<Event> event = Convert(c.body);
    ASSERT_TRUE(event.ok()) << event.status();
    EXPECT_EQ(c.get(*event), big);
  }
  // The whole unsigned 64-bit range stays exact too.
  const Event max = ConvertOk(
      R"({"CallbackCommand":"Live.CallbackAfterChangeOwner","Operator_Account":18446744073709551615})");
  EXPECT_EQ(max.change_owner().operator_account(), "18446744073709551615");
}

// Quoted integers, generalised: the documented integers of the message callbacks take numeric
// strings too, but nothing looser than a plain decimal.
TEST(QuirksTest, ReadsQuotedMessageIntegersStrictly) {
  const Event event = ConvertOk(R"({"CallbackCommand":"Group.CallbackAfterSendMsg",
    "Random":"3043911227","MsgSeq":"42","MsgTime":"1670574414","EventTime":"1670574414200"})");
  EXPECT_EQ(event.after_send_msg().random(), 3043911227);
  EXPECT_EQ(event.after_send_msg().msg_seq(), 42);
  EXPECT_EQ(event.after_send_msg().msg_time(), 1670574414);
  for (const char* time : {"\" 1670574414123\"", "\"+1670574414123\"", "\"1.670574414123e12\"",
                           "\"1670574414123.0\"", "\"\"", "1670574414123.0"}) {
    SCOPED_TRACE(time);
    const absl::StatusOr<Event> bad =
        Convert(std::string(R"({"CallbackCommand":"Group.CallbackAfterSendMsg","EventTime":)") +
                time + "}");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(ClassifyConversionError(bad.status()), ConversionError::kFieldType);
  }
}

// the doc's URL tables name some commands wrongly; the gateway trusts the request. A body
// with the URL-table spelling is an unknown command (acknowledged, raw body kept), not a guess.
TEST(QuirksTest, DispatchesOnTheCommandActuallySent) {
  const Event event = ConvertOk(R"({"CallbackCommand":"Live.CallbackMemberStateChanged",
    "RoomId":"r","EventType":"Online"})");
  EXPECT_EQ(event.command(), "Live.CallbackMemberStateChanged");
  EXPECT_TRUE(event.has_unknown());
  // The DelMetadata page's URL table says SetMetadata. Should the wire ever carry that
  // disagreement, it is refused rather than silently resolved (README: "both present and
  // different is an error").
  const absl::StatusOr<Event> mismatch =
      Convert(R"({"CallbackCommand":"Live.CallbackAfterDelMetadata","Keys":["k"]})",
              "Live.CallbackAfterSetMetadata");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(ClassifyConversionError(mismatch.status()), ConversionError::kCommand);
}

// `OpType` (integer, EndBattle) and `opType` (string, ModifyAdmin) are different keys; the
// other command's spelling is not read.
TEST(QuirksTest, ReadsOpTypeOnlyWithEachCommandsOwnCasing) {
  const Event end = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterEndBattle",
    "opType":"add"})");
  EXPECT_FALSE(end.end_battle().has_op_type());
  const Event end2 = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterEndBattle","OpType":2})");
  ASSERT_TRUE(end2.end_battle().has_op_type());
  EXPECT_EQ(end2.end_battle().op_type(), 2);
  const Event admin = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterModifyAdmin",
    "OpType":1})");
  EXPECT_EQ(admin.modify_admin().op_type(), "");
}

// OptPlatform is an open set with inconsistent spellings; it is recorded as sent.
TEST(QuirksTest, RecordsOptPlatformVerbatim) {
  for (const char* platform :
       {"macOS", "Mac", "IOS", "iOS", "RESTAPI", "Unknown", "SomethingNew"}) {
    const absl::StatusOr<Event> event =
        Convert(R"({"CallbackCommand":"Live.CallbackAfterChangeOwner"})", "", "", platform);
    ASSERT_TRUE(event.ok());
    EXPECT_EQ(event->opt_platform(), platform);
  }
}

// ChangeOwner, ModifyAdmin and MemberStateChanged: no ClientIP/OptPlatform in the URL.
TEST(QuirksTest, LeavesClientIpAndPlatformEmptyWhenAbsent) {
  const absl::StatusOr<Event> event =
      Convert(R"({"CallbackCommand":"Live.CallbackAfterModifyAdmin"})", "", "", "");
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->client_ip(), "");
  EXPECT_EQ(event->opt_platform(), "");
}

// Regression (golden tests): a command whose RoomInfo is absent (the older DestroyRoom shape,
// seen in real payloads) must not get an empty room_info, or subscribers cannot tell "absent" from
// "{}".
TEST(ConverterRegressionTest, LeavesRoomInfoUnsetWhenAbsent) {
  const Event destroy =
      ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterDestroyRoom","RoomId":"r"})");
  EXPECT_FALSE(destroy.destroy_room().has_room_info());
  const Event create = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterCreateRoom"})");
  EXPECT_FALSE(create.create_room().has_room_info());
  const Event update = ConvertOk(R"({"CallbackCommand":"Live.CallbackAfterUpdateRoomInfo",
    "RoomInfo":{}})");
  EXPECT_TRUE(update.update_room_info().has_room_info());
}

// Regression (fuzzer): query values are percent-decoded bytes, but proto3 `string` fields must be
// UTF-8 or the service refuses the whole Publish. Invalid bytes become U+FFFD; a command that is
// not UTF-8 is refused.
TEST(ConverterRegressionTest, KeepsQueryTextValidUtf8) {
  const absl::StatusOr<Event> event =
      Convert(R"({"CallbackCommand":"Live.CallbackAfterChangeOwner"})", "", "10.0.0.\xff",
              "i\xc3OS\xe4\xbd");
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->client_ip(), "10.0.0.\xef\xbf\xbd");
  EXPECT_EQ(event->opt_platform(), "i\xef\xbf\xbdOS\xef\xbf\xbd");
  const absl::StatusOr<Event> valid =
      Convert(R"({"CallbackCommand":"Live.CallbackAfterChangeOwner"})", "", "\xe4\xbd\xa0",
              "\xf0\x9f\x98\x80");
  ASSERT_TRUE(valid.ok());
  EXPECT_EQ(valid->client_ip(), "\xe4\xbd\xa0");
  EXPECT_EQ(valid->opt_platform(), "\xf0\x9f\x98\x80");
  const absl::StatusOr<Event> command = Convert(R"({"RoomId":"r"})", "Live.\xc0\xaf");
  ASSERT_FALSE(command.ok());
  EXPECT_EQ(ClassifyConversionError(command.status()), ConversionError::kCommand);
}

// Regression (fuzzer, tests/fuzz/corpus/crash-nul-then-invalid-utf8-in-raw-body): nlohmann reads a
// NUL byte as the end of input, so anything after it was accepted and copied into raw_body, where
// invalid UTF-8 made the event unparsable for the service. Neither can be part of strict JSON.
TEST(ConverterRegressionTest, RefusesBodiesWithNulOrInvalidUtf8) {
  const std::string command = R"({"CallbackCommand":"Live.CallbackAfterEndBattle"})";
  for (const std::string& body :
       {command + std::string("\0\xff\xff", 3), command + "\xff",
        std::string(R"({"CallbackCommand":"Live.Callback)") + "\xc0\xaf" + R"("})"}) {
    const absl::StatusOr<Event> event = Convert(body);
    ASSERT_FALSE(event.ok());
    EXPECT_EQ(ClassifyConversionError(event.status()), ConversionError::kMalformedJson);
  }
}

// Regression: the error message quotes at most 64 bytes of the offending value; the cut used to
// split a multi-byte character, which the answer's JSON encoder then showed as U+FFFD.
TEST(ConverterRegressionTest, QuotesLongValuesAtACharacterBoundary) {
  const std::string a62(62, 'a');
  const absl::StatusOr<Event> event = Convert(
      R"({"CallbackCommand":"Live.CallbackAfterCreateRoom","RoomInfo":{"MaxMemberCount":")" + a62 +
      "\xe4\xbd\xa0\xe5\xa5\xbd\"}}");
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.status().message(),
            "RoomInfo.MaxMemberCount: expected integer, got string \"" + a62 + "...");
}

}  // namespace
}  // namespace liveevents::gateway
