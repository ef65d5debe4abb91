// The UTF-8 rules of the callback converter. proto3 `string` fields must hold valid UTF-8 or the
// service refuses to parse the whole Publish, and query values are percent-decoded bytes, so
// text from the query is checked or repaired here. Pure functions; thread-safe.
#ifndef LIVEEVENTS_GATEWAY_TENCENT_UTF8_H_
#define LIVEEVENTS_GATEWAY_TENCENT_UTF8_H_

#include <string>

#include "absl/strings/string_view.h"

namespace liveevents::gateway {

// Whether `text` is well-formed UTF-8 (RFC 3629: no overlongs, surrogates or code points beyond
// U+10FFFF).
bool IsValidUtf8(absl::string_view text);

// `text` with each ill-formed sequence replaced by one U+FFFD (the maximal-subpart practice the
// Unicode standard recommends). Valid text comes back unchanged.
std::string ToValidUtf8(absl::string_view text);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_TENCENT_UTF8_H_
