// Page tokens for the List calls: the opaque (hex) form of the last key of the previous page.
#ifndef LIVEEVENTS_SERVICE_PAGE_TOKEN_H_
#define LIVEEVENTS_SERVICE_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"

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

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_PAGE_TOKEN_H_
