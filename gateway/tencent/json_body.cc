#include "gateway/tencent/json_body.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace liveevents::gateway {
namespace {

using nlohmann::json;

// The binary subtype that marks a big integer. Binary values never come out of JSON text
// otherwise, so the mark cannot be forged by a body.
constexpr std::uint64_t kBigIntegerSubtype = 0x42;

// Plain integer syntax: an optional '-' and digits (the lexer already checked the JSON grammar).
bool IsIntegerText(const std::string& text) {
  const size_t start = !text.empty() && text[0] == '-' ? 1 : 0;
  if (text.size() == start) return false;
  for (size_t i = start; i < text.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

// Builds the DOM like nlohmann's own json_sax_dom_parser (iteratively: a stack of the open
// containers), except that integers beyond 64 bits keep their text as big integers.
class DomBuilder {
 public:
  bool null() { return Add(json(nullptr)); }
  bool boolean(bool value) { return Add(json(value)); }
  bool number_integer(json::number_integer_t value) { return Add(json(value)); }
  bool number_unsigned(json::number_unsigned_t value) { return Add(json(value)); }
  bool number_float(json::number_float_t value, const json::string_t& text) {
    // nlohmann falls back to a double when an integer overflows 64 bits; the text is exact.
    if (!IsIntegerText(text)) return Add(json(value));
    return Add(
        json::binary(std::vector<std::uint8_t>(text.begin(), text.end()), kBigIntegerSubtype));
  }
  bool string(json::string_t& value) { return Add(json(std::move(value))); }
  bool binary(json::binary_t& value) { return Add(json::binary(std::move(value))); }
  bool start_object(std::size_t /*size*/) { return Open(json::value_t::object); }
  bool key(json::string_t& key) {
    member_ = &(*open_.back())[key];  // A repeated key overwrites, as json::parse does.
    return true;
  }
  bool end_object() { return Close(); }
  bool start_array(std::size_t /*size*/) { return Open(json::value_t::array); }
  bool end_array() { return Close(); }
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const json::exception& /*error*/) {
    failed_ = true;
    return false;
  }

  bool failed() const { return failed_; }
  json& root() { return root_; }

 private:
  // Places `value` where the grammar says: the root, the next array element or the member whose
  // key came last. Returns where it went.
  json* Place(json value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    *member_ = std::move(value);
    return member_;
  }
  bool Add(json value) {
    Place(std::move(value));
    return true;
  }
  // Containers never move once placed: their elements live on the heap, so the pointers on the
  // stack stay valid while siblings are appended to the parent.
  bool Open(json::value_t type) {
    open_.push_back(Place(json(type)));
    return true;
  }
  bool Close() {
    open_.pop_back();
    return true;
  }

  json root_;
  std::vector<json*> open_;
  json* member_ = nullptr;
  bool failed_ = false;
};

void AppendCompact(const json& value, std::string* out) {
  switch (value.type()) {
    case json::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!first) out->push_back(',');
        first = false;
        out->append(json(it.key()).dump(-1, ' ', false, json::error_handler_t::replace));
        out->push_back(':');
        AppendCompact(it.value(), out);
      }
      out->push_back('}');
      return;
    }
    case json::value_t::array: {
      out->push_back('[');
      for (size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendCompact(value[i], out);
      }
      out->push_back(']');
      return;
    }
    case json::value_t::binary:
      if (IsBigInteger(value)) {
        out->append(BigIntegerText(value));
        return;
      }
      break;
    default:
      break;
  }
  out->append(value.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

bool NestsDeeperThan(absl::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return true;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;  // Unbalanced text is the parser's to refuse.
        break;
      default:
        break;
    }
  }
  return false;
}

absl::StatusOr<json> ParseJsonBody(absl::string_view text) {
  if (NestsDeeperThan(text, kMaxJsonDepth)) {
    return absl::InvalidArgumentError(absl::StrCat("body is not accepted: JSON nested deeper than ",
                                                   kMaxJsonDepth, " levels (the limit)"));
  }
  DomBuilder builder;
  bool parsed = false;
  // sax_parse reports syntax errors through parse_error; the catch only keeps the no-exception
  // promise should the library throw anyway.
  try {
    parsed = json::sax_parse(text.begin(), text.end(), &builder, json::input_format_t::json,
                             /*strict=*/true, /*ignore_comments=*/false);
  } catch (const json::exception&) {
    parsed = false;
  }
  if (!parsed || builder.failed()) return absl::InvalidArgumentError("body is not valid JSON");
  return std::move(builder.root());
}

bool IsBigInteger(const json& value) {
  return value.is_binary() && value.get_binary().has_subtype() &&
         value.get_binary().subtype() == kBigIntegerSubtype;
}

std::string BigIntegerText(const json& value) {
  const json::binary_t& digits = value.get_binary();
  return std::string(digits.begin(), digits.end());
}

std::string CompactJson(const json& value) {
  std::string out;
  AppendCompact(value, &out);
  return out;
}

}  // namespace liveevents::gateway
