// Tests for the dedup key: equal for a Tencent retry, different for anything else.
#include "service/core/dedup_key.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace liveevents::service {
namespace {

v1::Event Make(uint64_t app, const std::string& command, const std::string& body) {
  v1::Event event;
  event.set_sdk_app_id(app);
  event.set_command(command);
  event.set_raw_body(body);
  return event;
}

bool IsLowerHex64(const std::string& key) {
  return key.size() == 64 && key.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(DedupKeyTest, SameAppCommandAndBodyGiveSameHexKey) {
  const v1::Event a = Make(1400000001, "Live.CallbackAfterCreateRoom", R"({"RoomId":"r1"})");
  const v1::Event b = Make(1400000001, "Live.CallbackAfterCreateRoom", R"({"RoomId":"r1"})");
  const std::string key = ComputeDedupKey(a);
  EXPECT_TRUE(IsLowerHex64(key)) << key;
  EXPECT_EQ(key, ComputeDedupKey(b));
  EXPECT_EQ(key, ComputeDedupKey(a)) << "deterministic";
}

TEST(DedupKeyTest, EmptyEventStillGivesHexKey) {
  EXPECT_TRUE(IsLowerHex64(ComputeDedupKey(v1::Event())));
}

TEST(DedupKeyTest, DiffersWhenAnyInputDiffers) {
  const v1::Event base = Make(1400000001, "Live.CallbackAfterCreateRoom", "{\"a\":1}");
  const std::vector<std::pair<const char*, v1::Event>> cases = {
      {"app", Make(1400000002, "Live.CallbackAfterCreateRoom", "{\"a\":1}")},
      {"command", Make(1400000001, "Live.CallbackAfterDestroyRoom", "{\"a\":1}")},
      {"body", Make(1400000001, "Live.CallbackAfterCreateRoom", "{\"a\":2}")},
      {"body whitespace", Make(1400000001, "Live.CallbackAfterCreateRoom", "{\"a\": 1}")},
      {"empty body", Make(1400000001, "Live.CallbackAfterCreateRoom", "")},
  };
  const std::string key = ComputeDedupKey(base);
  for (const auto& [name, event] : cases) {
    EXPECT_NE(ComputeDedupKey(event), key) << name;
  }
}

TEST(DedupKeyTest, ShiftingBytesBetweenFieldsDoesNotCollide) {
  struct Case {
    const char* name;
    v1::Event a;
    v1::Event b;
  };
  const std::vector<Case> cases = {
      {"command/body boundary", Make(1, "ab", "c"), Make(1, "a", "bc")},
      {"empty command", Make(1, "", "abc"), Make(1, "abc", "")},
      {"length-like body", Make(1, "a", "1:b"), Make(1, "a1", ":b")},
      {"separator in command", Make(1, "a\n1:b", ""), Make(1, "a", "b")},
      {"app digits/command", Make(12, "3", "x"), Make(1, "23", "x")},
      {"app/command with prefix text", Make(1, "\n1:a", ""), Make(1, "a", "")},
  };
  for (const Case& c : cases) {
    EXPECT_NE(ComputeDedupKey(c.a), ComputeDedupKey(c.b)) << c.name;
  }
}

TEST(DedupKeyTest, IgnoresEverythingButAppCommandAndBody) {
  // A retry arrives with a new Sign/RequestTime (not in the body), a new receive time and, before
  // journaling, no revision: none of that may change the key.
  const v1::Event original = Make(1400000001, "Live.CallbackAfterCreateRoom", "{\"a\":1}");
  v1::Event retry = original;
  retry.set_revision(42);
  retry.set_received_time_ms(1700000099999);
  retry.set_event_time_ms(1700000000000);
  retry.set_client_ip("10.0.0.1");
  retry.set_opt_platform("Web");
  retry.set_stale(true);
  retry.set_dedup_key("something else");
  retry.mutable_create_room()->set_operator_account("admin");
  EXPECT_EQ(ComputeDedupKey(retry), ComputeDedupKey(original));
}

}  // namespace
}  // namespace liveevents::service
