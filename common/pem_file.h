// Reads TLS material (certificates, keys, CA bundles) named by a flag, so that a bad path fails
// at start with a message naming the flag rather than as a handshake error later.
#ifndef LIVEEVENTS_COMMON_PEM_FILE_H_
#define LIVEEVENTS_COMMON_PEM_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace liveevents {

// The content of `path`, which must hold at least one PEM block ("-----BEGIN "). `flag` (without
// dashes) names the flag in errors.
absl::StatusOr<std::string> ReadPemFile(absl::string_view flag, const std::string& path);

}  // namespace liveevents

#endif  // LIVEEVENTS_COMMON_PEM_FILE_H_
