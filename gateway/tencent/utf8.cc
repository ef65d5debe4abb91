#include "gateway/tencent/utf8.h"

namespace liveevents::gateway {
namespace {

// The length of the well-formed UTF-8 sequence (RFC 3629) at the start of `text`, or 0 if there is
// none; then `*skip` is the length of the longest prefix that could have started one (at least 1),
// which becomes a single U+FFFD, as the Unicode standard recommends.
size_t Utf8SequenceLength(absl::string_view text, size_t* skip) {
  const unsigned char lead = static_cast<unsigned char>(text[0]);
  *skip = 1;
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80;  // The second byte's range excludes overlongs and surrogates.
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  for (size_t i = 1; i < length; ++i) {
    if (i >= text.size()) return 0;
    const unsigned char byte = static_cast<unsigned char>(text[i]);
    if (byte < (i == 1 ? low : 0x80) || byte > (i == 1 ? high : 0xBF)) return 0;
    *skip = i + 1;
  }
  return length;
}

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  while (!text.empty()) {
    size_t skip = 1;
    const size_t length = Utf8SequenceLength(text, &skip);
    if (length == 0) return false;
    text.remove_prefix(length);
  }
  return true;
}

std::string ToValidUtf8(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    size_t skip = 1;
    const size_t length = Utf8SequenceLength(text, &skip);
    if (length > 0) {
      out.append(text.data(), length);
      text.remove_prefix(length);
    } else {
      out.append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER.
      text.remove_prefix(skip);
    }
  }
  return out;
}

}  // namespace liveevents::gateway
