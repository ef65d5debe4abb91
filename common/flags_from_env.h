// One way to configure every binary: flags on the command line, in a --flagfile, or in
// environment variables LIVEEVENTS_<FLAG_IN_UPPER_CASE> (containers and Kubernetes set those
// more easily than arguments). Also makes --help list the program's own flags with paths
// relative to the source tree, never the build machine's.
#ifndef LIVEEVENTS_COMMON_FLAGS_FROM_ENV_H_
#define LIVEEVENTS_COMMON_FLAGS_FROM_ENV_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace liveevents {

// The environment variable that sets flag `flag_name`: "grpc_address" gives
// "LIVEEVENTS_GRPC_ADDRESS".
std::string FlagEnvName(absl::string_view flag_name);

// For every registered flag (Abseil's --help family excepted) that `argv` does not name, sets
// the flag from its environment variable when that is set (an empty value sets an empty value).
// --flagfile has a twin too (LIVEEVENTS_FLAGFILE). Call before absl::ParseCommandLine, which
// then overrides with the command line and flag files: command line > flag file > environment >
// default. An unparsable value is INVALID_ARGUMENT naming the variable and the flag. Not
// thread-safe: call from main before any thread reads flags.
absl::Status ApplyFlagsFromEnv(int argc, char* const argv[]);

// --help shows the flags defined in this source tree (with paths relative to it), --helpshort
// those of the program's main file, --version the project version. Call once, before parsing.
void ConfigureFlagsUsage();

// What each main calls first: sets `usage` as the program usage message, ConfigureFlagsUsage,
// then ApplyFlagsFromEnv. Returns the latter's error for main to print before exiting.
absl::Status PrepareFlags(int argc, char* const argv[], absl::string_view usage);

}  // namespace liveevents

#endif  // LIVEEVENTS_COMMON_FLAGS_FROM_ENV_H_
