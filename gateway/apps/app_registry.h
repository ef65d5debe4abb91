// The apps the gateway accepts and, per SdkAppid, its callback token and before-callback policy:
// parsed and validated from the --apps_file JSON (format in gateway/README.md), joined with the
// plain --apps list. An AppRegistry is immutable once built, so requests share one through a
// std::shared_ptr<const AppRegistry> while a reload builds the next (see ReloadableAppRegistry).
#ifndef LIVEEVENTS_GATEWAY_APPS_APP_REGISTRY_H_
#define LIVEEVENTS_GATEWAY_APPS_APP_REGISTRY_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/apps/before_callback_policy.h"

namespace liveevents::gateway {

struct AppConfig {
  uint64_t sdk_app_id = 0;
  // Empty: callbacks are not authenticated. Never log it.
  std::string token;
  BeforeCallbackPolicy policy;
};

class AppRegistry {
 public:
  // Builds the registry from the apps file's JSON text plus `extra_apps` (from --apps: no token,
  // allow-all policy; an app in both keeps the file's settings). Unknown keys, duplicate apps,
  // bad deny codes and wrong types are INVALID_ARGUMENT errors naming the JSON path; no message
  // ever quotes a token. Thread-safe (pure).
  static absl::StatusOr<AppRegistry> Parse(absl::string_view json_text,
                                           const absl::flat_hash_set<uint64_t>& extra_apps);
  // The registry of `extra_apps` alone.
  static AppRegistry FromApps(const absl::flat_hash_set<uint64_t>& apps);
  // Reads `path` and parses it as above; errors are prefixed with the path. Empty `path` means no
  // file: FromApps(extra_apps). Blocking file I/O.
  static absl::StatusOr<AppRegistry> Load(const std::string& path,
                                          const absl::flat_hash_set<uint64_t>& extra_apps);

  // The app's configuration, or nullptr when it is not accepted.
  const AppConfig* Find(uint64_t sdk_app_id) const;
  size_t size() const { return apps_.size(); }
  size_t apps_with_token() const;
  // For the logs: counts only, never a token.
  std::string Summary() const;

 private:
  absl::flat_hash_map<uint64_t, AppConfig> apps_;
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_APPS_APP_REGISTRY_H_
