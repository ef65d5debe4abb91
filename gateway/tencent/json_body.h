// Parses a callback body into nlohmann's DOM without trusting its shape. Two things the stock
// `json::parse` gets wrong for Tencent's bodies are fixed here, once:
//  - depth: nlohmann's parser is iterative, but `dump`, copies and comparisons recurse once per
//    level, so 32 000 nested `[` in a 64 KiB body overflow an io thread's stack. The nesting
//    depth is measured first, by a linear scan, and bodies deeper than kMaxJsonDepth are refused
//    before anything recursive runs;
//  - integers beyond 64 bits: nlohmann turns them into doubles, losing digits, but purely numeric
//    Tencent accounts are kept as their exact decimal text. They are kept as a "big integer"
//    (its digits, see IsBigInteger) instead.
#ifndef LIVEEVENTS_GATEWAY_TENCENT_JSON_BODY_H_
#define LIVEEVENTS_GATEWAY_TENCENT_JSON_BODY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace liveevents::gateway {

// The deepest nesting of arrays and objects a body may have. Tencent's callbacks nest four levels
// at most; MsgContent is client-controlled JSON, and 64 leaves it generous room.
inline constexpr int kMaxJsonDepth = 64;

// Parses strict JSON (RFC 8259; no comments, one value, nothing after it). InvalidArgument when
// `text` nests deeper than kMaxJsonDepth (checked before parsing) or is not JSON; the messages
// quote no input. Integers too large for 64 bits (plain integer syntax only: no fraction or
// exponent) become big integers. Never throws. Thread-safe.
absl::StatusOr<nlohmann::json> ParseJsonBody(absl::string_view text);

// Whether `text` nests arrays and objects (counted outside strings) deeper than `max_depth`.
// Linear and non-recursive, so it is safe on any input; text that is not JSON still gets an
// answer (an upper bound of what a parser would reach before failing).
bool NestsDeeperThan(absl::string_view text, int max_depth);

// A big integer from ParseJsonBody: an integer beyond the 64-bit range, kept as a binary value
// of the subtype below holding its decimal text ("-" and digits).
bool IsBigInteger(const nlohmann::json& value);
// The decimal text of a big integer. Requires IsBigInteger(value).
std::string BigIntegerText(const nlohmann::json& value);

// Compact JSON text of a value from ParseJsonBody, big integers written as their digits. Invalid
// UTF-8 in strings (impossible after ParseJsonBody) is replaced rather than thrown about.
// Recursive, one level per nesting level: only for values no deeper than kMaxJsonDepth.
std::string CompactJson(const nlohmann::json& value);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_TENCENT_JSON_BODY_H_
