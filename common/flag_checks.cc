#include "common/flag_checks.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace liveevents {

absl::Status CheckPositive(absl::string_view flag, absl::Duration value) {
  if (value > absl::ZeroDuration()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, " must be positive: got ", absl::FormatDuration(value)));
}

absl::Status CheckNonNegative(absl::string_view flag, absl::Duration value) {
  if (value >= absl::ZeroDuration()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, " must not be negative: got ", absl::FormatDuration(value)));
}

absl::Status CheckNonNegative(absl::string_view flag, double value) {
  if (value >= 0) return absl::OkStatus();  // Also refuses NaN.
  return absl::InvalidArgumentError(absl::StrCat("--", flag, " must not be negative: got ", value));
}

absl::Status CheckAtLeast(absl::string_view flag, int64_t value, int64_t minimum) {
  if (value >= minimum) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, " must be at least ", minimum, ": got ", value));
}

absl::Status CheckHostPort(absl::string_view flag, absl::string_view address) {
  const size_t colon = address.rfind(':');
  const absl::string_view host = address.substr(0, colon);
  const absl::string_view port =
      colon == absl::string_view::npos ? absl::string_view() : address.substr(colon + 1);
  uint32_t number = 0;
  const bool digits_only = !port.empty() && port.size() <= 5 &&
                           port.find_first_not_of("0123456789") == absl::string_view::npos;
  if (host.empty() || colon == absl::string_view::npos || !digits_only ||
      !absl::SimpleAtoi(port, &number) || number > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " must be host:port with a port from 0 to 65535: got \"",
                     address.substr(0, 128), "\""));
  }
  return absl::OkStatus();
}

}  // namespace liveevents
