#include "client/event_json.h"

#include <gtest/gtest.h>

#include "liveevents/v1/live_events.pb.h"

namespace liveevents::client {
namespace {

namespace v1 = liveevents::v1;

TEST(ToJsonTest, KeepsProtoFieldNamesOnOneLine) {
  v1::Event event;
  event.set_revision(7);
  event.set_sdk_app_id(1400000001);
  event.set_command("Live.CallbackAfterCreateRoom");
  event.mutable_create_room()->set_operator_account("admin");
  event.mutable_create_room()->mutable_room_info()->set_room_id("r1");
  absl::StatusOr<std::string> json = ToJson(event);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json,
            R"({"revision":"7","sdk_app_id":"1400000001","command":"Live.CallbackAfterCreateRoom",)"
            R"("create_room":{"operator_account":"admin","room_info":{"room_id":"r1"}}})");
}

TEST(ToJsonTest, EscapesNewlinesSoOutputStaysOneLine) {
  v1::Event event;
  event.set_raw_body("{\n  \"a\": 1\n}");
  absl::StatusOr<std::string> json = ToJson(event);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->find('\n'), std::string::npos);
  EXPECT_EQ(*json, R"({"raw_body":"{\n  \"a\": 1\n}"})");
}

TEST(ToJsonTest, PrintsEnumsByNameAndDefaultsOnRequest) {
  v1::Room room;
  room.set_room_id("r1");
  room.set_status(v1::ROOM_STATUS_DESTROYED);
  absl::StatusOr<std::string> json = ToJson(room);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, R"({"room_id":"r1","status":"ROOM_STATUS_DESTROYED"})");

  absl::StatusOr<std::string> full = ToJson(v1::ServerInfo(), /*print_defaults=*/true);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_NE(full->find(R"("head_revision":"0")"), std::string::npos) << *full;
}

TEST(ToJsonTest, WrapsSubscribeResponsesByTheirOneofName) {
  v1::SubscribeResponse progress;
  progress.mutable_progress()->set_revision(12);
  absl::StatusOr<std::string> json = ToJson(progress);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, R"({"progress":{"revision":"12"}})");
}

}  // namespace
}  // namespace liveevents::client
