// Range checks for flag values that parse but make no sense (a negative timeout, a port beyond
// 65535), so that every binary refuses them at start with a message naming the flag.
#ifndef LIVEEVENTS_COMMON_FLAG_CHECKS_H_
#define LIVEEVENTS_COMMON_FLAG_CHECKS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace liveevents {

// Each returns OK or INVALID_ARGUMENT "--<flag> ...: got <value>". Thread-safe (pure).
absl::Status CheckPositive(absl::string_view flag, absl::Duration value);
absl::Status CheckNonNegative(absl::string_view flag, absl::Duration value);
absl::Status CheckNonNegative(absl::string_view flag, double value);
absl::Status CheckAtLeast(absl::string_view flag, int64_t value, int64_t minimum);

// "host:port" or "[v6]:port" with a decimal port from 0 to 65535 (0: the kernel picks one).
absl::Status CheckHostPort(absl::string_view flag, absl::string_view address);

}  // namespace liveevents

#endif  // LIVEEVENTS_COMMON_FLAG_CHECKS_H_
