#include "gateway/tencent/json_reader.h"

#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/tencent/json_body.h"

namespace liveevents::gateway {
namespace {

using nlohmann::json;

constexpr size_t kMaxDescribedChars = 64;

void Fail(const std::string& path, absl::string_view expected, const json& got,
          absl::Status* status) {
  if (!status->ok()) return;  // The first error is the one worth reporting.
  *status = absl::InvalidArgumentError(
      absl::StrCat(path, ": expected ", expected, ", got ", DescribeJson(got)));
}

// Strict decimal: an optional '-' and digits, nothing else (no spaces, '+', or exponent).
std::optional<int64_t> ParseDecimal(const std::string& text) {
  const size_t digits_start = !text.empty() && text[0] == '-' ? 1 : 0;
  if (text.size() == digits_start) return std::nullopt;
  for (size_t i = digits_start; i < text.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  }
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) return std::nullopt;  // Out of int64 range.
  return value;
}

template <typename T, typename Convert>
std::optional<std::vector<T>> ConvertArray(const json& array, const std::string& path,
                                           absl::Status* status, Convert convert) {
  std::vector<T> out;
  out.reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    std::optional<T> element = convert(array[i], absl::StrCat(path, "[", i, "]"), status);
    if (!element.has_value()) return std::nullopt;
    out.push_back(std::move(*element));
  }
  return out;
}

std::optional<std::string> JsonToAccount(const json& value, const std::string& path,
                                         absl::Status* status) {
  // Purely numeric UserIDs can arrive as JSON integers beyond 2^53, which a double would round.
  // nlohmann keeps integers within 64 bits exactly, and ParseJsonBody keeps longer ones as their
  // digits; a float (a fraction or an exponent) is not an account, so it is refused.
  if (value.is_string()) return value.get_ref<const std::string&>();
  if (value.is_number_unsigned()) return absl::StrCat(value.get<uint64_t>());
  if (value.is_number_integer()) return absl::StrCat(value.get<int64_t>());
  if (IsBigInteger(value)) return BigIntegerText(value);
  Fail(path, "string or integer account", value, status);
  return std::nullopt;
}

std::optional<int64_t> JsonToInt(const json& value, const std::string& path, absl::Status* status) {
  if (value.is_number_unsigned()) {
    const uint64_t v = value.get<uint64_t>();
    if (v <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<int64_t>(v);
    }
    Fail(path, "integer within int64", value, status);
    return std::nullopt;
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  if (IsBigInteger(value)) {
    Fail(path, "integer within int64", value, status);
    return std::nullopt;
  }
  if (value.is_string()) {
    // Documented integers sometimes arrive quoted (EventTime in Group.*SendMsg).
    std::optional<int64_t> parsed = ParseDecimal(value.get_ref<const std::string&>());
    if (parsed.has_value()) return parsed;
  }
  Fail(path, "integer", value, status);
  return std::nullopt;
}

std::optional<bool> JsonToBool(const json& value, const std::string& path, absl::Status* status) {
  if (value.is_boolean()) return value.get<bool>();
  Fail(path, "boolean", value, status);
  return std::nullopt;
}

}  // namespace

std::string DescribeJson(const json& value) {
  std::string type;
  switch (value.type()) {
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::null:
      return "null";
    case json::value_t::string:
      type = "string";
      break;
    case json::value_t::boolean:
      type = "boolean";
      break;
    case json::value_t::number_float:
      type = "float";
      break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      type = "integer";
      break;
    case json::value_t::binary:
      if (!IsBigInteger(value)) return "unsupported value";
      type = "integer";
      break;
    default:
      return "unsupported value";
  }
  std::string text = CompactJson(value);  // A scalar here: no recursion.
  if (text.size() > kMaxDescribedChars) {
    // Cut at a character boundary: half a UTF-8 sequence would turn into U+FFFD in the answer.
    size_t cut = kMaxDescribedChars;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut) + "...";
  }
  return absl::StrCat(type, " ", text);
}

std::optional<std::string> JsonToString(const json& value, const std::string& path,
                                        absl::Status* status) {
  if (value.is_string()) return value.get_ref<const std::string&>();
  Fail(path, "string", value, status);
  return std::nullopt;
}

JsonReader::JsonReader(const json& object, std::string path, absl::Status* status)
    : object_(&object), path_(std::move(path)), status_(status) {}

std::string JsonReader::PathOf(absl::string_view key) const {
  return path_.empty() ? std::string(key) : absl::StrCat(path_, ".", key);
}

const json* JsonReader::Find(absl::string_view key) {
  if (!status_->ok()) return nullptr;
  const auto it = object_->find(std::string(key));
  if (it == object_->end() || it->is_null()) return nullptr;
  return &*it;
}

const json* JsonReader::FindArray(absl::string_view key) {
  const json* value = Find(key);
  if (value == nullptr || value->is_array()) return value;
  Fail(PathOf(key), "array", *value, status_);
  return nullptr;
}

std::optional<std::string> JsonReader::String(absl::string_view key) {
  const json* value = Find(key);
  if (value == nullptr) return std::nullopt;
  return JsonToString(*value, PathOf(key), status_);
}

std::optional<std::string> JsonReader::Account(absl::string_view key) {
  const json* value = Find(key);
  if (value == nullptr) return std::nullopt;
  return JsonToAccount(*value, PathOf(key), status_);
}

std::optional<int64_t> JsonReader::Int(absl::string_view key) {
  const json* value = Find(key);
  if (value == nullptr) return std::nullopt;
  return JsonToInt(*value, PathOf(key), status_);
}

std::optional<bool> JsonReader::Bool(absl::string_view key) {
  const json* value = Find(key);
  if (value == nullptr) return std::nullopt;
  return JsonToBool(*value, PathOf(key), status_);
}

std::optional<std::string> JsonReader::JsonText(absl::string_view key) {
  const json* value = Find(key);
  if (value == nullptr) return std::nullopt;
  // Recursive, but bodies come from ParseJsonBody, which bounds their depth.
  return CompactJson(*value);
}

std::optional<JsonReader> JsonReader::Object(absl::string_view key) {
  const json* value = Find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_object()) {
    Fail(PathOf(key), "object", *value, status_);
    return std::nullopt;
  }
  return JsonReader(*value, PathOf(key), status_);
}

std::optional<std::vector<std::string>> JsonReader::StringArray(absl::string_view key) {
  const json* array = FindArray(key);
  if (array == nullptr) return std::nullopt;
  return ConvertArray<std::string>(*array, PathOf(key), status_, JsonToString);
}

std::optional<std::vector<std::string>> JsonReader::AccountArray(absl::string_view key) {
  const json* array = FindArray(key);
  if (array == nullptr) return std::nullopt;
  return ConvertArray<std::string>(*array, PathOf(key), status_, JsonToAccount);
}

std::optional<std::vector<int64_t>> JsonReader::IntArray(absl::string_view key) {
  const json* array = FindArray(key);
  if (array == nullptr) return std::nullopt;
  return ConvertArray<int64_t>(*array, PathOf(key), status_, JsonToInt);
}

void JsonReader::ForEachObject(absl::string_view key, absl::FunctionRef<void(JsonReader&)> visit) {
  const json* array = FindArray(key);
  if (array == nullptr) return;
  for (size_t i = 0; i < array->size() && status_->ok(); ++i) {
    const std::string element_path = absl::StrCat(PathOf(key), "[", i, "]");
    const json& element = (*array)[i];
    if (!element.is_object()) {
      Fail(element_path, "object", element, status_);
      return;
    }
    JsonReader reader(element, element_path, status_);
    visit(reader);
  }
}

}  // namespace liveevents::gateway
