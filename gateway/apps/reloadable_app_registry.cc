#include "gateway/apps/reloadable_app_registry.h"

#include <utility>

namespace liveevents::gateway {

absl::StatusOr<std::unique_ptr<ReloadableAppRegistry>> ReloadableAppRegistry::Create(
    Sources sources) {
  absl::StatusOr<AppRegistry> registry = AppRegistry::Load(sources.apps_file, sources.apps);
  if (!registry.ok()) return registry.status();
  return std::unique_ptr<ReloadableAppRegistry>(new ReloadableAppRegistry(
      std::move(sources), std::make_shared<const AppRegistry>(*std::move(registry))));
}

std::unique_ptr<ReloadableAppRegistry> ReloadableAppRegistry::ForApps(
    absl::flat_hash_set<uint64_t> apps) {
  auto registry = std::make_shared<const AppRegistry>(AppRegistry::FromApps(apps));
  return std::unique_ptr<ReloadableAppRegistry>(
      new ReloadableAppRegistry(Sources{"", std::move(apps)}, std::move(registry)));
}

ReloadableAppRegistry::ReloadableAppRegistry(Sources sources,
                                             std::shared_ptr<const AppRegistry> initial)
    : sources_(std::move(sources)), current_(std::move(initial)) {}

absl::StatusOr<std::string> ReloadableAppRegistry::Reload() {
  absl::StatusOr<AppRegistry> registry = AppRegistry::Load(sources_.apps_file, sources_.apps);
  if (!registry.ok()) return registry.status();
  auto next = std::make_shared<const AppRegistry>(*std::move(registry));
  std::string summary = next->Summary();
  // Requests that already hold the old registry finish with it; it is freed with the last one.
  current_.store(std::move(next));
  return summary;
}

}  // namespace liveevents::gateway
