// Secrets (the publish token) are read from files, so they stay out of process listings and
// shell history.
#ifndef LIVEEVENTS_COMMON_TOKEN_FILE_H_
#define LIVEEVENTS_COMMON_TOKEN_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace liveevents {

// The file's content without trailing whitespace (an editor's final newline is not part of
// the token). An unreadable file, or one holding nothing but whitespace, is an error.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// The gRPC metadata a publisher sends with its token, and its value.
inline constexpr char kAuthorizationMetadataKey[] = "authorization";
std::string BearerMetadataValue(const std::string& token);

}  // namespace liveevents

#endif  // LIVEEVENTS_COMMON_TOKEN_FILE_H_
