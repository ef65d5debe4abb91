#include "gateway/apps/app_registry.h"

#include <fstream>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace liveevents::gateway {
namespace {

using nlohmann::json;

constexpr const char* kRootKeys[] = {"apps"};
constexpr const char* kAppKeys[] = {"sdk_app_id", "token", "policy"};
constexpr const char* kPolicyKeys[] = {"deny_gift_ids", "deny_senders", "gift_deny_code",
                                       "message_deny_code"};

absl::Status Invalid(absl::string_view path, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

// A misspelt key ("deny_gift" for "deny_gift_ids") would silently allow everything: refuse it.
template <size_t N>
absl::Status CheckKeys(const json& object, const char* const (&known)[N], absl::string_view path) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (const char* name : known) found = found || key == name;
    if (!found) return Invalid(path, absl::StrCat("unknown key \"", key, "\""));
  }
  return absl::OkStatus();
}

absl::Status ReadStringSet(const json& object, const char* key, absl::string_view path,
                           absl::flat_hash_set<std::string>* out) {
  const auto it = object.find(key);
  if (it == object.end()) return absl::OkStatus();
  const std::string where = absl::StrCat(path, ".", key);
  if (!it->is_array()) return Invalid(where, "expected an array of strings");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& item = (*it)[i];
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
      return Invalid(absl::StrCat(where, "[", i, "]"), "expected a non-empty string");
    }
    out->insert(item.get<std::string>());
  }
  return absl::OkStatus();
}

absl::Status ReadCode(const json& object, const char* key, absl::string_view path, int64_t* out) {
  const auto it = object.find(key);
  if (it == object.end()) return absl::OkStatus();
  if (!it->is_number_integer()) return Invalid(absl::StrCat(path, ".", key), "expected an integer");
  *out = it->get<int64_t>();
  return absl::OkStatus();
}

absl::Status ReadPolicy(const json& object, absl::string_view path, BeforeCallbackPolicy* policy) {
  if (!object.is_object()) return Invalid(path, "expected an object");
  absl::Status status = CheckKeys(object, kPolicyKeys, path);
  if (status.ok()) status = ReadStringSet(object, "deny_gift_ids", path, &policy->deny_gift_ids);
  if (status.ok()) status = ReadStringSet(object, "deny_senders", path, &policy->deny_senders);
  if (status.ok()) status = ReadCode(object, "gift_deny_code", path, &policy->gift_deny_code);
  if (status.ok()) status = ReadCode(object, "message_deny_code", path, &policy->message_deny_code);
  if (!status.ok()) return status;
  status = ValidateBeforeCallbackPolicy(*policy);
  if (!status.ok()) return Invalid(path, status.message());
  return absl::OkStatus();
}

absl::StatusOr<AppConfig> ReadApp(const json& object, absl::string_view path) {
  if (!object.is_object()) return Invalid(path, "expected an object");
  if (absl::Status status = CheckKeys(object, kAppKeys, path); !status.ok()) return status;
  AppConfig app;
  const auto id = object.find("sdk_app_id");
  if (id == object.end() || !id->is_number_unsigned() || id->get<uint64_t>() == 0) {
    return Invalid(absl::StrCat(path, ".sdk_app_id"), "expected a positive integer");
  }
  app.sdk_app_id = id->get<uint64_t>();
  if (const auto token = object.find("token"); token != object.end()) {
    // The message never quotes the value: it is a secret.
    if (!token->is_string() || token->get_ref<const std::string&>().empty()) {
      return Invalid(absl::StrCat(path, ".token"),
                     "expected a non-empty string (omit it to turn authentication off)");
    }
    app.token = token->get<std::string>();
  }
  if (const auto policy = object.find("policy"); policy != object.end()) {
    absl::Status status = ReadPolicy(*policy, absl::StrCat(path, ".policy"), &app.policy);
    if (!status.ok()) return status;
  }
  return app;
}

// The position of a syntax error, without nlohmann's "last read" excerpt, which could quote a
// token from the file.
std::string ErrorPosition(absl::string_view text, size_t byte) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return absl::StrCat("line ", line, ", column ", column);
}

absl::StatusOr<json> ParseJson(absl::string_view text) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& error) {
    return absl::InvalidArgumentError(
        absl::StrCat("not valid JSON near ", ErrorPosition(text, error.byte)));
  }
}

}  // namespace

absl::StatusOr<AppRegistry> AppRegistry::Parse(absl::string_view json_text,
                                               const absl::flat_hash_set<uint64_t>& extra_apps) {
  absl::StatusOr<json> root = ParseJson(json_text);
  if (!root.ok()) return root.status();
  if (!root->is_object()) return Invalid("(top level)", "expected an object with \"apps\"");
  if (absl::Status status = CheckKeys(*root, kRootKeys, "(top level)"); !status.ok()) return status;
  const auto apps = root->find("apps");
  if (apps == root->end() || !apps->is_array()) return Invalid("apps", "expected an array");
  AppRegistry registry;
  for (size_t i = 0; i < apps->size(); ++i) {
    const std::string path = absl::StrCat("apps[", i, "]");
    absl::StatusOr<AppConfig> app = ReadApp((*apps)[i], path);
    if (!app.ok()) return app.status();
    const uint64_t id = app->sdk_app_id;
    if (!registry.apps_.emplace(id, *std::move(app)).second) {
      return Invalid(path, absl::StrCat("SdkAppid ", id, " is listed twice"));
    }
  }
  for (const uint64_t id : extra_apps) registry.apps_.try_emplace(id, AppConfig{id, "", {}});
  return registry;
}

AppRegistry AppRegistry::FromApps(const absl::flat_hash_set<uint64_t>& apps) {
  AppRegistry registry;
  for (const uint64_t id : apps) registry.apps_.try_emplace(id, AppConfig{id, "", {}});
  return registry;
}

absl::StatusOr<AppRegistry> AppRegistry::Load(const std::string& path,
                                              const absl::flat_hash_set<uint64_t>& extra_apps) {
  if (path.empty()) return FromApps(extra_apps);
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("apps file ", path, ": cannot open"));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(absl::StrCat("apps file ", path, ": cannot read"));
  absl::StatusOr<AppRegistry> registry = Parse(text, extra_apps);
  if (!registry.ok()) {
    return absl::Status(registry.status().code(),
                        absl::StrCat("apps file ", path, ": ", registry.status().message()));
  }
  return registry;
}

const AppConfig* AppRegistry::Find(uint64_t sdk_app_id) const {
  const auto it = apps_.find(sdk_app_id);
  return it == apps_.end() ? nullptr : &it->second;
}

size_t AppRegistry::apps_with_token() const {
  size_t count = 0;
  for (const auto& [id, app] : apps_) count += app.token.empty() ? 0 : 1;
  return count;
}

std::string AppRegistry::Summary() const {
  return absl::StrCat(size(), " app(s), ", apps_with_token(), " with a token");
}

}  // namespace liveevents::gateway
