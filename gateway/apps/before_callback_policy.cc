#include "gateway/apps/before_callback_policy.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace liveevents::gateway {
namespace {

using liveevents::v1::Decision;

constexpr absl::string_view kAllowReason = "allowed by policy";

Decision Allow() {
  Decision decision;
  decision.set_allow(true);
  decision.set_error_code(0);
  decision.set_reason(std::string(kAllowReason));
  return decision;
}

Decision Deny(int64_t code, absl::string_view what, absl::string_view value) {
  Decision decision;
  decision.set_allow(false);
  decision.set_error_code(code);
  // The reason goes back to Tencent as ErrorInfo and onto the event; the value is client input,
  // so it is escaped.
  decision.set_reason(absl::StrCat(what, " \"", absl::CHexEscape(value), "\" is denied by policy",
                                   code == kMessageDropSilentlyCode ? " (dropped silently)" : ""));
  return decision;
}

bool Listed(const absl::flat_hash_set<std::string>& list, const std::string& value) {
  // An absent field arrives as "", which is never a listed value (validation refuses "").
  return !value.empty() && list.contains(value);
}

absl::Status CheckList(const absl::flat_hash_set<std::string>& list, absl::string_view name) {
  if (list.contains("")) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": entries must be non-empty strings"));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsValidGiftDenyCode(int64_t code) {
  return code == kDenyCode || (code >= 102100 && code <= 102200);
}

bool IsValidMessageDenyCode(int64_t code) {
  return code == kDenyCode || code == kMessageDropSilentlyCode || (code >= 10100 && code <= 10200);
}

absl::Status ValidateBeforeCallbackPolicy(const BeforeCallbackPolicy& policy) {
  if (!IsValidGiftDenyCode(policy.gift_deny_code)) {
    return absl::InvalidArgumentError(
        absl::StrCat("gift_deny_code: ", policy.gift_deny_code,
                     " is not a Tencent gift deny code (1 or 102100..102200)"));
  }
  if (!IsValidMessageDenyCode(policy.message_deny_code)) {
    return absl::InvalidArgumentError(
        absl::StrCat("message_deny_code: ", policy.message_deny_code,
                     " is not a Tencent message deny code (1, 2 or 10100..10200)"));
  }
  if (absl::Status status = CheckList(policy.deny_gift_ids, "deny_gift_ids"); !status.ok()) {
    return status;
  }
  return CheckList(policy.deny_senders, "deny_senders");
}

Decision DecideGift(const BeforeCallbackPolicy& policy,
                    const liveevents::v1::BeforeSendGift& gift) {
  const std::string& sender = gift.gift().from_account();
  if (Listed(policy.deny_senders, sender)) return Deny(policy.gift_deny_code, "sender", sender);
  const std::string& gift_id = gift.gift().gift_id();
  if (Listed(policy.deny_gift_ids, gift_id)) return Deny(policy.gift_deny_code, "gift", gift_id);
  return Allow();
}

Decision DecideMessage(const BeforeCallbackPolicy& policy,
                       const liveevents::v1::GroupMessage& message) {
  const std::string& sender = message.from_account();
  if (Listed(policy.deny_senders, sender)) return Deny(policy.message_deny_code, "sender", sender);
  return Allow();
}

std::optional<Decision> ApplyBeforeCallbackPolicy(const BeforeCallbackPolicy& policy,
                                                  liveevents::v1::Event* event) {
  if (event->has_before_send_gift()) {
    Decision decision = DecideGift(policy, event->before_send_gift());
    *event->mutable_before_send_gift()->mutable_decision() = decision;
    return decision;
  }
  if (event->has_before_send_msg()) {
    Decision decision = DecideMessage(policy, event->before_send_msg());
    *event->mutable_before_send_msg()->mutable_decision() = decision;
    return decision;
  }
  return std::nullopt;
}

}  // namespace liveevents::gateway
