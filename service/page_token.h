// Page tokens for the List calls: the opaque (hex) form of the last key of the previous page.
#ifndef LIVEEVENTS_SERVICE_PAGE_TOKEN_H_
#define LIVEEVENTS_SERVICE_PAGE_TOKEN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace liveevents::service {

inline std::string EncodePageToken(const std::string& last_key) {
  return absl::BytesToHexString(last_key);
}

// The key after which the page starts; "" for the first page.
inline absl::StatusOr<std::string> DecodePageToken(const std::string& token) {
  if (token.size() % 2 != 0 || token.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return absl::InvalidArgumentError("page_token: not a token this server issued");
  }
  return absl::HexStringToBytes(token);
}

// Tokens for maps keyed by (sdk_app_id, id): the app in decimal, '/', then the id (which may
// hold any byte, '/' included, since only the first '/' separates).
inline std::string EncodeAppKeyPageToken(uint64_t sdk_app_id, const std::string& id) {
  return EncodePageToken(absl::StrCat(sdk_app_id, "/", id));
}

// The (sdk_app_id, id) after which the page starts; nullopt for the first page.
inline absl::StatusOr<std::optional<std::pair<uint64_t, std::string>>> DecodeAppKeyPageToken(
    const std::string& token) {
  absl::StatusOr<std::string> key = DecodePageToken(token);
  if (!key.ok()) return key.status();
  if (key->empty()) return std::nullopt;
  const size_t slash = key->find('/');
  uint64_t sdk_app_id = 0;
  if (slash == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(*key).substr(0, slash), &sdk_app_id)) {
    return absl::InvalidArgumentError("page_token: not a token this server issued");
  }
  return std::make_pair(sdk_app_id, key->substr(slash + 1));
}

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_PAGE_TOKEN_H_
