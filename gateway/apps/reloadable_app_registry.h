// The gateway's current AppRegistry, swapped atomically when --apps_file is reloaded (SIGHUP), so
// that requests in flight keep the registry they started with and no connection is dropped.
#ifndef LIVEEVENTS_GATEWAY_APPS_RELOADABLE_APP_REGISTRY_H_
#define LIVEEVENTS_GATEWAY_APPS_RELOADABLE_APP_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "gateway/apps/app_registry.h"

namespace liveevents::gateway {

class ReloadableAppRegistry {
 public:
  // What to (re)load: the apps file (may be empty: none) and the --apps list joined with it.
  struct Sources {
    std::string apps_file;
    absl::flat_hash_set<uint64_t> apps;
  };

  // Loads once; a bad file is an error here (refuse to start), unlike on Reload.
  static absl::StatusOr<std::unique_ptr<ReloadableAppRegistry>> Create(Sources sources);
  // A fixed registry of `apps` (no file), for callers that never reload.
  static std::unique_ptr<ReloadableAppRegistry> ForApps(absl::flat_hash_set<uint64_t> apps);

  // The current registry; callers keep the pointer for the whole request. Thread-safe, lock-free
  // for readers in the common case.
  std::shared_ptr<const AppRegistry> Get() const { return current_.load(); }

  // Re-reads the sources (blocking file I/O: call it off the io threads, e.g. from the signal
  // loop). On success the new registry replaces the old one and its Summary() is returned; on
  // error the old one stays and the error is returned for the caller to log. Thread-safe.
  absl::StatusOr<std::string> Reload();

 private:
  ReloadableAppRegistry(Sources sources, std::shared_ptr<const AppRegistry> initial);

  const Sources sources_;
  std::atomic<std::shared_ptr<const AppRegistry>> current_;
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_APPS_RELOADABLE_APP_REGISTRY_H_
