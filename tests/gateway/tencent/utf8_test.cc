#include "gateway/tencent/utf8.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace liveevents::gateway {
namespace {

TEST(Utf8Test, ChecksAndRepairsTable) {
  struct Case {
    const char* name;
    std::string text;
    bool valid;
    std::string repaired;
  };
  const std::string fffd = "\xEF\xBF\xBD";
  const std::vector<Case> cases = {
      {"empty", "", true, ""},
      {"ascii", "10.0.0.1", true, "10.0.0.1"},
      {"two to four bytes", "\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80", true,
       "\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80"},
      {"lone continuation", "a\x80z", false, "a" + fffd + "z"},
      {"overlong", "\xC0\xAF", false, fffd + fffd},
      {"surrogate", "\xED\xA0\x80", false, fffd + fffd + fffd},
      {"beyond U+10FFFF", "\xF4\x90\x80\x80", false, fffd + fffd + fffd + fffd},
      {"truncated sequence is one U+FFFD", "\xE4\xB8", false, fffd},
      {"truncated then ascii", "\xF0\x9F\x98x", false, fffd + "x"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(IsValidUtf8(c.text), c.valid);
    EXPECT_EQ(ToValidUtf8(c.text), c.repaired);
  }
}

}  // namespace
}  // namespace liveevents::gateway
