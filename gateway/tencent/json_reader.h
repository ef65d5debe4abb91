// Typed, path-aware reads of fields from a parsed Tencent callback body. Tencent's documented
// types and the JSON it actually sends differ (gateway/README.md, "Conversion rules"), so the
// tolerated shapes live here, once: accounts are strings or JSON integers kept as exact decimal
// text, integers may arrive as numeric strings, and null counts as absent. A wrong type records an
// InvalidArgument naming the field path
// ("RoomInfo.MaxMemberCount: expected integer, got string \"abc\"").
#ifndef LIVEEVENTS_GATEWAY_TENCENT_JSON_READER_H_
#define LIVEEVENTS_GATEWAY_TENCENT_JSON_READER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace liveevents::gateway {

// Reads the members of one JSON object. Every read returns std::nullopt when the key is absent or
// null, and also when the value has the wrong type, in which case the first such error is kept in
// the shared `status` and later reads return std::nullopt. This keeps the per-command converters to
// one line per field. Never throws. Thread-compatible.
class JsonReader {
 public:
  // `object` must be a JSON object; it and `status` must outlive the reader. `path` prefixes field
  // names in error messages ("" for the body itself).
  JsonReader(const nlohmann::json& object, std::string path, absl::Status* status);

  std::optional<std::string> String(absl::string_view key);
  // A string, or a JSON integer (possibly beyond 2^53) as its exact decimal text.
  std::optional<std::string> Account(absl::string_view key);
  // A JSON integer that fits int64, or a string holding one.
  std::optional<int64_t> Int(absl::string_view key);
  std::optional<bool> Bool(absl::string_view key);
  // Any JSON value, serialised as compact JSON text.
  std::optional<std::string> JsonText(absl::string_view key);
  std::optional<JsonReader> Object(absl::string_view key);
  std::optional<std::vector<std::string>> StringArray(absl::string_view key);
  std::optional<std::vector<std::string>> AccountArray(absl::string_view key);
  std::optional<std::vector<int64_t>> IntArray(absl::string_view key);
  // Calls `visit` with a reader for each element of the array of objects at `key`.
  void ForEachObject(absl::string_view key, absl::FunctionRef<void(JsonReader&)> visit);

 private:
  // The value at `key`, or nullptr when absent, null, not an expected array, or after an error.
  const nlohmann::json* Find(absl::string_view key);
  const nlohmann::json* FindArray(absl::string_view key);
  std::string PathOf(absl::string_view key) const;

  const nlohmann::json* object_;
  std::string path_;
  absl::Status* status_;
};

// The string conversion behind JsonReader::String, for CallbackCommand, which the converter reads
// before it has a reader. Returns std::nullopt after recording an error in `status`.
std::optional<std::string> JsonToString(const nlohmann::json& value, const std::string& path,
                                        absl::Status* status);

// A short description of a JSON value for error messages: `string "abc"`, `float 1.5`, `object`.
std::string DescribeJson(const nlohmann::json& value);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_TENCENT_JSON_READER_H_
