// Structured logging through spdlog: one line per notable event, either key=value text
// (`ts=... level=info event=listening address=127.0.0.1:8080`) or one JSON object per line
// (`{"ts":"...","level":"info","event":"listening","address":"127.0.0.1:8080"}`), on stderr.
// Before Init() lines go out as text at level info, so tools and tests that never call it
// still see them.
#ifndef LIVEEVENTS_COMMON_LOGGING_LOG_H_
#define LIVEEVENTS_COMMON_LOGGING_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace liveevents::logging {

enum class Level { kDebug, kInfo, kWarn, kError };

// One key and its value; numbers and booleans are written bare in JSON, everything else quoted
// (bytes that are not valid UTF-8 written as U+FFFD, so a JSON line always parses).
struct Field {
  Field(absl::string_view key, absl::string_view value) : key(key), value(value) {}
  Field(absl::string_view key, const std::string& value) : key(key), value(value) {}
  Field(absl::string_view key, const char* value) : key(key), value(value) {}
  Field(absl::string_view key, bool value)
      : key(key), value(value ? "true" : "false"), bare(true) {}
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
  Field(absl::string_view key, T value) : key(key), value(absl::StrCat(value)), bare(true) {}
  Field(absl::string_view key, const absl::Status& status) : key(key), value(status.ToString()) {}

  absl::string_view key;
  std::string value;
  bool bare = false;  // A JSON number or boolean.
};

// Sets the format ("text" or "json") and the lowest level written ("debug", "info", "warn",
// "error", "off"). INVALID_ARGUMENT naming the flag for anything else. Call once from main
// before other threads log.
absl::Status Init(absl::string_view format, absl::string_view level);

// Writes one line `event` with `fields` when `level` is enabled. Thread-safe.
void Log(Level level, absl::string_view event, std::initializer_list<Field> fields = {});
void Log(Level level, absl::string_view event, const std::vector<Field>& fields);

// True when `level` would be written (to skip building costly fields). Thread-safe.
bool Enabled(Level level);

// The line Log() would write for `event` and `fields` in `format`, without the timestamp and
// level (for tests).
std::string FormatFields(absl::string_view format, absl::string_view event,
                         const std::vector<Field>& fields);

// Every flag of this binary (Abseil's own left out) with its current value, sorted by name: the
// effective configuration. Flags hold file paths, never the secrets in those files.
std::vector<Field> EffectiveFlags();

}  // namespace liveevents::logging

#endif  // LIVEEVENTS_COMMON_LOGGING_LOG_H_
