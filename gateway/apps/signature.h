// Tencent's callback authentication (https://trtc.io/document/64412): when a token is configured
// for an app, every callback carries `RequestTime` (Unix seconds) and `Sign` = lowercase hex
// SHA-256(token followed by the RequestTime text) in its query. A pure function: the clock is an
// input, nothing is logged.
#ifndef LIVEEVENTS_GATEWAY_APPS_SIGNATURE_H_
#define LIVEEVENTS_GATEWAY_APPS_SIGNATURE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace liveevents::gateway {

// The query parameters that authenticate a callback, exactly as received (percent-decoded).
// Empty means absent.
struct SignedRequest {
  absl::string_view sign;
  absl::string_view request_time;
};

// Lowercase hex SHA-256 of `token` followed by `request_time`. Thread-safe (pure).
std::string ComputeCallbackSign(absl::string_view token, absl::string_view request_time);

// Checks a callback against the app's `token` at time `now`. The RequestTime is hashed as the
// exact received text (never reformatted), the Sign is compared in constant time and may be hex
// in either case, and RequestTime must lie within `max_skew` of `now` in either direction.
// Returns OK, or one of (the messages name the problem but never the token):
//  - UNAUTHENTICATED: Sign or RequestTime is missing;
//  - PERMISSION_DENIED: Sign does not match;
//  - OUT_OF_RANGE: RequestTime is not a Unix time in seconds, or is outside the window.
// The Sign is checked before the time, so an unsigned request learns nothing about the clock.
// Thread-safe (pure).
absl::Status VerifyCallbackSignature(absl::string_view token, const SignedRequest& request,
                                     absl::Time now, absl::Duration max_skew);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_APPS_SIGNATURE_H_
