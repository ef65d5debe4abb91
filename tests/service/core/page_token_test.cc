// Tests for the List calls' page tokens and page-size clamping (service/page_token.h).
#include "service/page_token.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace liveevents::service {
namespace {

TEST(PageTokenTest, RoundTripsAnyKey) {
  const std::vector<std::string> keys = {"",
                                         "room-1",
                                         "144115216631667826",
                                         std::string("a\0b", 3),
                                         std::string("\xff\x00\x80", 3),
                                         "ünïcödé",
                                         std::string(1000, 'z')};
  for (const std::string& key : keys) {
    const std::string token = EncodePageToken(key);
    EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos) << token;
    absl::StatusOr<std::string> decoded = DecodePageToken(token);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, key);
  }
}

TEST(PageTokenTest, EmptyTokenIsFirstPage) {
  absl::StatusOr<std::string> decoded = DecodePageToken("");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, "");
}

TEST(PageTokenTest, RejectsTokensThisServerNeverIssued) {
  const std::vector<std::string> tokens = {
      "a",       // Odd length.
      "abc",     // Odd length.
      "zz",      // Not hex.
      "AB",      // Upper case: never issued.
      "room-1",  // A raw key instead of a token.
      "00 11",   // Space.
      std::string("0\0", 2),
  };
  for (const std::string& token : tokens) {
    absl::StatusOr<std::string> decoded = DecodePageToken(token);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << token;
  }
}

TEST(PageTokenTest, AppKeyTokensRoundTripIdsWithAnyByte) {
  const std::vector<std::pair<uint64_t, std::string>> keys = {
      {1400000001, "room-1"}, {0, ""}, {UINT64_MAX, "a/b/c"}, {7, std::string("x\0/y", 4)}};
  for (const auto& key : keys) {
    auto decoded = DecodeAppKeyPageToken(EncodeAppKeyPageToken(key.first, key.second));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    ASSERT_TRUE(decoded->has_value());
    EXPECT_EQ(**decoded, key);
  }
  auto first = DecodeAppKeyPageToken("");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
}

TEST(PageTokenTest, AppKeyTokenRejectsKeysWithoutAnApp) {
  for (const std::string key : {"room-1", "/room-1", "x1/room-1", "-1/room"}) {
    EXPECT_EQ(DecodeAppKeyPageToken(EncodePageToken(key)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << key;
  }
}

TEST(PageTokenTest, NewestFirstTokensRoundTripAndRejectKeyOrderTokens) {
  const std::vector<BattlePosition> positions = {
      {1700000000, 1400000001, "4siHsNsWN/T3aub9zKraqPfGQAimPhdFoe6VWhtz9lY="},
      {0, 0, ""},
      {-5, 18446744073709551615u, std::string("a/\0b", 4)}};
  for (const BattlePosition& position : positions) {
    absl::StatusOr<std::optional<BattlePosition>> decoded =
        DecodeNewestFirstPageToken(EncodeNewestFirstPageToken(position));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    ASSERT_TRUE(decoded->has_value());
    EXPECT_EQ((*decoded)->start_time, position.start_time);
    EXPECT_EQ((*decoded)->sdk_app_id, position.sdk_app_id);
    EXPECT_EQ((*decoded)->battle_id, position.battle_id);
  }
  absl::StatusOr<std::optional<BattlePosition>> first = DecodeNewestFirstPageToken("");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
  // A token of the other order, or a truncated one, is refused instead of giving a wrong page.
  EXPECT_EQ(DecodeNewestFirstPageToken(EncodeAppKeyPageToken(1400000001, "b1")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeAppKeyPageToken(EncodeNewestFirstPageToken(positions[0])).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeNewestFirstPageToken(EncodePageToken("newest/12")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeNewestFirstPageToken(EncodePageToken("newest/x/1/b")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace liveevents::service
