#include "client/reconnect_policy.h"

#include <algorithm>

namespace liveevents::client {

absl::Duration BackoffDelay(int attempt, const BackoffPolicy& policy, double random01) {
  absl::Duration delay = std::max(policy.initial, absl::ZeroDuration());
  // Doubling stops as soon as the cap is reached, so large attempt counts cannot overflow.
  for (int i = 0; i < attempt && delay < policy.max; ++i) delay *= 2;
  delay = std::min(delay, std::max(policy.max, policy.initial));
  const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  const double draw = std::clamp(random01, 0.0, 1.0);
  return delay - delay * (jitter * draw);
}

StreamEndAction DecideStreamEnd(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kCancelled:
      return StreamEndAction::kReconnect;
    case absl::StatusCode::kFailedPrecondition:
      return StreamEndAction::kResnapshot;
    default:
      return StreamEndAction::kTerminate;
  }
}

}  // namespace liveevents::client
