// The before-callback policy as tables: which gifts and messages are denied, with which code, and
// which deny codes a policy may use (https://trtc.io/document/72210,
// https://trtc.io/document/74347).
#include "gateway/apps/before_callback_policy.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace liveevents::gateway {
namespace {

using liveevents::v1::BeforeSendGift;
using liveevents::v1::Decision;
using liveevents::v1::GroupMessage;

BeforeCallbackPolicy Strict() {
  BeforeCallbackPolicy policy;
  policy.deny_gift_ids = {"rocket", "spam-gift"};
  policy.deny_senders = {"troll"};
  policy.gift_deny_code = 102150;
  policy.message_deny_code = 2;
  return policy;
}

BeforeSendGift Gift(const std::string& from, const std::string& gift_id) {
  BeforeSendGift gift;
  gift.set_room_id("room");
  gift.mutable_gift()->set_from_account(from);
  gift.mutable_gift()->set_gift_id(gift_id);
  return gift;
}

struct GiftCase {
  const char* name;
  BeforeCallbackPolicy policy;
  std::string from;
  std::string gift_id;
  bool allow;
  int64_t code;
};

TEST(BeforeCallbackPolicyTest, DecidesGifts) {
  const std::vector<GiftCase> cases = {
      {"default allows all", {}, "troll", "rocket", true, 0},
      {"unlisted", Strict(), "alice", "rose", true, 0},
      {"listed gift", Strict(), "alice", "rocket", false, 102150},
      {"listed sender", Strict(), "troll", "rose", false, 102150},
      {"both listed", Strict(), "troll", "rocket", false, 102150},
      {"no GiftWater", Strict(), "", "", true, 0},
      {"case matters", Strict(), "Troll", "Rocket", true, 0},
  };
  for (const GiftCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Decision decision = DecideGift(c.policy, Gift(c.from, c.gift_id));
    EXPECT_EQ(decision.allow(), c.allow);
    EXPECT_EQ(decision.error_code(), c.code);
    EXPECT_FALSE(decision.reason().empty());
  }
}

TEST(BeforeCallbackPolicyTest, UsesTheDefaultDenyCodeOne) {
  BeforeCallbackPolicy policy;
  policy.deny_gift_ids = {"rocket"};
  policy.deny_senders = {"troll"};
  EXPECT_EQ(DecideGift(policy, Gift("a", "rocket")).error_code(), 1);
  GroupMessage message;
  message.set_from_account("troll");
  EXPECT_EQ(DecideMessage(policy, message).error_code(), 1);
}

TEST(BeforeCallbackPolicyTest, ExplainsTheDenial) {
  const Decision decision = DecideGift(Strict(), Gift("alice", "rocket"));
  EXPECT_EQ(decision.reason(), "gift \"rocket\" is denied by policy");
}

struct MessageCase {
  const char* name;
  int64_t deny_code;
  std::string from;
  bool allow;
  int64_t code;
};

TEST(BeforeCallbackPolicyTest, DecidesMessages) {
  const std::vector<MessageCase> cases = {
      {"unlisted", 1, "alice", true, 0},      {"listed, reject", 1, "troll", false, 1},
      {"listed, drop", 2, "troll", false, 2}, {"listed, custom", 10150, "troll", false, 10150},
      {"absent sender", 1, "", true, 0},
  };
  for (const MessageCase& c : cases) {
    SCOPED_TRACE(c.name);
    BeforeCallbackPolicy policy = Strict();
    policy.message_deny_code = c.deny_code;
    GroupMessage message;
    message.set_group_id("@TGS#1");
    message.set_from_account(c.from);
    const Decision decision = DecideMessage(policy, message);
    EXPECT_EQ(decision.allow(), c.allow);
    EXPECT_EQ(decision.error_code(), c.code);
  }
}

TEST(BeforeCallbackPolicyTest, GiftIdListDoesNotApplyToMessages) {
  BeforeCallbackPolicy policy;
  policy.deny_gift_ids = {"alice"};
  GroupMessage message;
  message.set_from_account("alice");
  EXPECT_TRUE(DecideMessage(policy, message).allow());
}

TEST(BeforeCallbackPolicyTest, RecordsTheDecisionOnBeforeCallbackEventsOnly) {
  liveevents::v1::Event gift;
  *gift.mutable_before_send_gift() = Gift("troll", "rose");
  const std::optional<Decision> decided = ApplyBeforeCallbackPolicy(Strict(), &gift);
  ASSERT_TRUE(decided.has_value());
  EXPECT_FALSE(decided->allow());
  EXPECT_EQ(gift.before_send_gift().decision().error_code(), 102150);

  liveevents::v1::Event message;
  message.mutable_before_send_msg()->set_from_account("troll");
  ASSERT_TRUE(ApplyBeforeCallbackPolicy(Strict(), &message).has_value());
  EXPECT_EQ(message.before_send_msg().decision().error_code(), 2);

  liveevents::v1::Event after;
  after.mutable_after_send_msg()->set_from_account("troll");
  EXPECT_FALSE(ApplyBeforeCallbackPolicy(Strict(), &after).has_value());
  EXPECT_FALSE(after.after_send_msg().has_decision());
}

struct CodeCase {
  int64_t code;
  bool gift_ok;
  bool message_ok;
};

TEST(BeforeCallbackPolicyTest, KnowsTencentsDenyCodeRanges) {
  const std::vector<CodeCase> cases = {
      {0, false, false},      {1, true, true},       {2, false, true},      {3, false, false},
      {10099, false, false},  {10100, false, true},  {10200, false, true},  {10201, false, false},
      {102099, false, false}, {102100, true, false}, {102200, true, false}, {102201, false, false},
      {-1, false, false},
  };
  for (const CodeCase& c : cases) {
    SCOPED_TRACE(c.code);
    EXPECT_EQ(IsValidGiftDenyCode(c.code), c.gift_ok);
    EXPECT_EQ(IsValidMessageDenyCode(c.code), c.message_ok);
  }
}

TEST(BeforeCallbackPolicyTest, ValidatesCodesAndLists) {
  EXPECT_TRUE(ValidateBeforeCallbackPolicy({}).ok());
  EXPECT_TRUE(ValidateBeforeCallbackPolicy(Strict()).ok());
  BeforeCallbackPolicy bad_gift = Strict();
  bad_gift.gift_deny_code = 2;  // Only messages have "drop silently".
  EXPECT_NE(ValidateBeforeCallbackPolicy(bad_gift).message().find("gift_deny_code"),
            absl::string_view::npos);
  BeforeCallbackPolicy bad_message = Strict();
  bad_message.message_deny_code = 102150;
  EXPECT_NE(ValidateBeforeCallbackPolicy(bad_message).message().find("message_deny_code"),
            absl::string_view::npos);
  BeforeCallbackPolicy empty_entry = Strict();
  empty_entry.deny_senders.insert("");
  EXPECT_EQ(ValidateBeforeCallbackPolicy(empty_entry).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace liveevents::gateway
