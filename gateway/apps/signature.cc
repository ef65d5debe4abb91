#include "gateway/apps/signature.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace liveevents::gateway {
namespace {

using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

// Longest decimal text an int64 always holds; longer cannot be a Unix time in seconds anyway.
constexpr size_t kMaxTimeDigits = 18;

Digest Sha256(absl::string_view token, absl::string_view request_time) {
  // The one-shot SHA256(): OpenSSL 3 deprecates the SHA256_Init/Update/Final trio.
  const std::string input = absl::StrCat(token, request_time);
  Digest digest;
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  return digest;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  const char lower = absl::ascii_tolower(c);
  if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
  return -1;
}

// The 32 bytes of a 64-digit hex string in either case; nullopt for anything else.
std::optional<Digest> DecodeHexDigest(absl::string_view hex) {
  if (hex.size() != 2 * SHA256_DIGEST_LENGTH) return std::nullopt;
  Digest out;
  for (size_t i = 0; i < out.size(); ++i) {
    const int high = HexValue(hex[2 * i]);
    const int low = HexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return out;
}

// Digits only: SimpleAtoi would also take a sign and surrounding spaces, which Tencent never sends.
std::optional<int64_t> ParseUnixSeconds(absl::string_view text) {
  if (text.empty() || text.size() > kMaxTimeDigits) return std::nullopt;
  int64_t value = 0;
  for (const char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

absl::Status CheckRequestTime(absl::string_view text, absl::Time now, absl::Duration max_skew) {
  const std::optional<int64_t> seconds = ParseUnixSeconds(text);
  if (!seconds.has_value()) {
    return absl::OutOfRangeError(
        absl::StrCat("RequestTime \"", absl::CHexEscape(text), "\" is not a Unix time in seconds"));
  }
  // Whole seconds on both sides: RequestTime is truncated to seconds by the sender.
  const int64_t now_seconds = absl::ToUnixSeconds(now);
  const int64_t max_seconds = absl::ToInt64Seconds(max_skew);
  const int64_t age = now_seconds - *seconds;  // Both are within int64 range: no overflow.
  if (age > max_seconds) {
    return absl::OutOfRangeError(
        absl::StrCat("RequestTime is ", age, " s in the past (max ", max_seconds, " s)"));
  }
  if (-age > max_seconds) {
    return absl::OutOfRangeError(
        absl::StrCat("RequestTime is ", -age, " s in the future (max ", max_seconds, " s)"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string ComputeCallbackSign(absl::string_view token, absl::string_view request_time) {
  const Digest digest = Sha256(token, request_time);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

absl::Status VerifyCallbackSignature(absl::string_view token, const SignedRequest& request,
                                     absl::Time now, absl::Duration max_skew) {
  if (request.sign.empty()) return absl::UnauthenticatedError("Sign is missing");
  if (request.request_time.empty()) return absl::UnauthenticatedError("RequestTime is missing");
  const Digest expected = Sha256(token, request.request_time);
  const std::optional<Digest> received = DecodeHexDigest(request.sign);
  // CRYPTO_memcmp takes the same time wherever the first difference is, so the answer's timing
  // does not reveal how much of a forged Sign was right.
  if (!received.has_value() ||
      CRYPTO_memcmp(expected.data(), received->data(), expected.size()) != 0) {
    return absl::PermissionDeniedError("Sign does not match");
  }
  return CheckRequestTime(request.request_time, now, max_skew);
}

}  // namespace liveevents::gateway
