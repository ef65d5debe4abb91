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
#include "absl/strings/strip.h"
#include "service/core/battle_order.h"

namespace liveevents::service {

inline constexpr absl::string_view kNewestFirstTokenPrefix = "newest/";

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

// Tokens for battles in newest-first order: "newest/", the start time, '/', the app, '/', the
// id. The prefix keeps them apart from key-order tokens, so a token of one order given with the
// other is INVALID_ARGUMENT instead of a silently wrong page.
inline std::string EncodeNewestFirstPageToken(const BattlePosition& last) {
  return EncodePageToken(absl::StrCat(kNewestFirstTokenPrefix, last.start_time, "/",
                                      last.sdk_app_id, "/", last.battle_id));
}

// The position after which the page starts; nullopt for the first page.
inline absl::StatusOr<std::optional<BattlePosition>> DecodeNewestFirstPageToken(
    const std::string& token) {
  absl::StatusOr<std::string> text = DecodePageToken(token);
  if (!text.ok()) return text.status();
  if (text->empty()) return std::nullopt;
  const absl::Status foreign = absl::InvalidArgumentError(
      "page_token: not a token this server issued for ORDER_NEWEST_FIRST");
  absl::string_view rest(*text);
  if (!absl::ConsumePrefix(&rest, kNewestFirstTokenPrefix)) return foreign;
  const size_t first = rest.find('/');
  const size_t second = first == absl::string_view::npos ? first : rest.find('/', first + 1);
  BattlePosition position;
  if (second == absl::string_view::npos ||
      !absl::SimpleAtoi(rest.substr(0, first), &position.start_time) ||
      !absl::SimpleAtoi(rest.substr(first + 1, second - first - 1), &position.sdk_app_id)) {
    return foreign;
  }
  position.battle_id = std::string(rest.substr(second + 1));
  return position;
}

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_PAGE_TOKEN_H_
