#include "common/logging/log.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <utility>

#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace liveevents::logging {
namespace {

std::atomic<bool> json_format{false};

spdlog::level::level_enum ToSpdlog(Level level) {
  switch (level) {
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

// The process's logger: stderr, UTC timestamps, the pattern carries ts and level and the
// message is the rest of the line, already in the chosen format.
spdlog::logger& Logger() {
  // Kept alive for the process (threads may log while static destructors run), and reachable
  // from this static, so that LeakSanitizer does not take it for a leak.
  static const std::shared_ptr<spdlog::logger>* const logger = [] {
    auto created = std::make_shared<spdlog::logger>(
        "liveevents", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    created->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
    created->set_level(spdlog::level::info);
    // Every line is flushed: stderr is unbuffered anyway, and a crash must not eat the last one.
    created->flush_on(spdlog::level::trace);
    return new std::shared_ptr<spdlog::logger>(std::move(created));
  }();
  return **logger;
}

// Text values are bare when they are simple words, quoted (with \ and " escaped) otherwise.
void AppendTextValue(absl::string_view value, std::string& out) {
  bool plain = !value.empty();
  for (char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) plain = false;
  }
  if (plain) {
    out.append(value.data(), value.size());
    return;
  }
  out += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      absl::StrAppend(&out, "\\x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    } else {
      out += c;
    }
  }
  out += '"';
}

// Length of the well-formed UTF-8 sequence that `text` starts with (1 to 4), or 0 when it starts
// with none: a stray continuation byte, an overlong form, a surrogate, a code point past
// U+10FFFF or a sequence cut short (Table 3-7 of the Unicode standard).
size_t Utf8SequenceLength(absl::string_view text) {
  const auto byte = [text](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char second_min = 0x80;  // The range of the second byte, narrower for some leads.
  unsigned char second_max = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) second_min = 0xa0;  // Overlong.
    if (lead == 0xed) second_max = 0x9f;  // Surrogates.
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) second_min = 0x90;  // Overlong.
    if (lead == 0xf4) second_max = 0x8f;  // Past U+10FFFF.
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < second_min || byte(1) > second_max) return 0;
  for (size_t i = 2; i < length; ++i) {
    if ((byte(i) & 0xc0) != 0x80) return 0;
  }
  return length;
}

// Valid UTF-8 passes through; each byte that is not part of a well-formed sequence becomes
// U+FFFD, so a line stays valid JSON whatever bytes a value carries.
void AppendJsonString(absl::string_view value, std::string& out) {
  out += '"';
  for (size_t i = 0; i < value.size();) {
    const char c = value[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      const size_t length = Utf8SequenceLength(value.substr(i));
      if (length == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(value.data() + i, length);
        i += length;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppend(&out, "\\u00", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string Format(bool json, absl::string_view event, const Field* begin, const Field* end) {
  std::string out;
  if (json) {
    out += "\"event\":";
    AppendJsonString(event, out);
    for (const Field* field = begin; field != end; ++field) {
      out += ',';
      AppendJsonString(field->key, out);
      out += ':';
      if (field->bare) {
        out += field->value;
      } else {
        AppendJsonString(field->value, out);
      }
    }
    out += '}';
  } else {
    out += "event=";
    AppendTextValue(event, out);
    for (const Field* field = begin; field != end; ++field) {
      absl::StrAppend(&out, " ", field->key, "=");
      AppendTextValue(field->value, out);
    }
  }
  return out;
}

void Write(Level level, absl::string_view event, const Field* begin, const Field* end) {
  spdlog::logger& logger = Logger();
  const spdlog::level::level_enum spd_level = ToSpdlog(level);
  if (!logger.should_log(spd_level)) return;
  const std::string line = Format(json_format.load(std::memory_order_relaxed), event, begin, end);
  logger.log(spd_level, spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace

absl::Status Init(absl::string_view format, absl::string_view level) {
  spdlog::level::level_enum spd_level;
  if (level == "debug") {
    spd_level = spdlog::level::debug;
  } else if (level == "info") {
    spd_level = spdlog::level::info;
  } else if (level == "warn") {
    spd_level = spdlog::level::warn;
  } else if (level == "error") {
    spd_level = spdlog::level::err;
  } else if (level == "off") {
    spd_level = spdlog::level::off;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--log_level must be debug, info, warn, error or off: got \"", level, "\""));
  }
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError(
        absl::StrCat("--log_format must be text or json: got \"", format, "\""));
  }
  spdlog::logger& logger = Logger();
  json_format = format == "json";
  // JSON: the pattern opens the object, Format() closes it.
  logger.set_pattern(format == "json" ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v)"
                                      : "ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l %v",
                     spdlog::pattern_time_type::utc);
  logger.set_level(spd_level);
  return absl::OkStatus();
}

void Log(Level level, absl::string_view event, std::initializer_list<Field> fields) {
  Write(level, event, fields.begin(), fields.end());
}

void Log(Level level, absl::string_view event, const std::vector<Field>& fields) {
  Write(level, event, fields.data(), fields.data() + fields.size());
}

bool Enabled(Level level) { return Logger().should_log(ToSpdlog(level)); }

std::string FormatFields(absl::string_view format, absl::string_view event,
                         const std::vector<Field>& fields) {
  return Format(format == "json", event, fields.data(), fields.data() + fields.size());
}

std::vector<Field> EffectiveFlags() {
  std::vector<std::pair<std::string, std::string>> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const std::string file = flag->Filename();
    if (absl::StartsWith(file, "absl/") || absl::StrContains(file, "/absl/")) continue;
    flags.emplace_back(std::string(name), flag->CurrentValue());
  }
  std::sort(flags.begin(), flags.end());
  // Field keeps a string_view of the key: the names live in Abseil's registry for good.
  std::vector<Field> fields;
  for (auto& [name, value] : flags) {
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    fields.emplace_back(flag->Name(), value);
  }
  return fields;
}

}  // namespace liveevents::logging
