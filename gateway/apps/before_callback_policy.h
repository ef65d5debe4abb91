// The allow/deny answer to Tencent's two blocking callbacks, Live.CallbackBeforeSendGift
// (https://trtc.io/document/72210) and Group.CallbackBeforeSendMsg
// (https://trtc.io/document/74347), from an app's configured policy. Pure functions: the same
// policy and event always give the same Decision, so they are table-tested directly.
#ifndef LIVEEVENTS_GATEWAY_APPS_BEFORE_CALLBACK_POLICY_H_
#define LIVEEVENTS_GATEWAY_APPS_BEFORE_CALLBACK_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "liveevents/v1/events.pb.h"

namespace liveevents::gateway {

// Tencent's deny codes (on the two pages above): 1 rejects; gifts also take a custom code in
// [102100, 102200], messages 2 (drop silently, the sender sees success) or a custom code in
// [10100, 10200]. Custom codes are passed through to the sender's client.
inline constexpr int64_t kDenyCode = 1;
inline constexpr int64_t kMessageDropSilentlyCode = 2;
bool IsValidGiftDenyCode(int64_t code);
bool IsValidMessageDenyCode(int64_t code);

// One app's policy. The default (empty lists) allows everything.
struct BeforeCallbackPolicy {
  absl::flat_hash_set<std::string> deny_gift_ids;  // GiftWater.GiftId values to deny.
  absl::flat_hash_set<std::string> deny_senders;   // From_Account values to deny (gifts, messages).
  int64_t gift_deny_code = kDenyCode;
  int64_t message_deny_code = kDenyCode;
};

// INVALID_ARGUMENT naming the field when a deny code is outside Tencent's ranges or a list holds
// an empty string. Thread-safe (pure).
absl::Status ValidateBeforeCallbackPolicy(const BeforeCallbackPolicy& policy);

// A denied gift is sent by a listed sender (GiftWater.From_Account) or has a listed GiftId.
liveevents::v1::Decision DecideGift(const BeforeCallbackPolicy& policy,
                                    const liveevents::v1::BeforeSendGift& gift);
// A denied message is sent by a listed sender (From_Account).
liveevents::v1::Decision DecideMessage(const BeforeCallbackPolicy& policy,
                                       const liveevents::v1::GroupMessage& message);

// For a before-callback event: decides, records the Decision on the event and returns it.
// Returns nullopt (and leaves the event alone) for every other command. Thread-safe (pure).
std::optional<liveevents::v1::Decision> ApplyBeforeCallbackPolicy(
    const BeforeCallbackPolicy& policy, liveevents::v1::Event* event);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_APPS_BEFORE_CALLBACK_POLICY_H_
