#include "common/flags_from_env.h"

#include <cstdlib>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

#ifndef LIVEEVENTS_VERSION
#define LIVEEVENTS_VERSION "unknown"
#endif

namespace liveevents {
namespace {

// Abseil's own flags that make no sense as settings; --flagfile and friends keep their twins.
constexpr absl::string_view kNoEnvTwin[] = {"help",   "helpfull",  "helpshort", "helppackage",
                                            "helpon", "helpmatch", "version",   "only_check_args"};

// The source tree's root as the compiler spelled it (absolute, or relative to the build folder),
// found from this file's own path.
absl::string_view SourceRoot() {
  absl::string_view root = __FILE__;
  if (!absl::ConsumeSuffix(&root, "common/flags_from_env.cc")) return "";
  return root;
}

// --help lists every flag but Abseil's own (--flagfile and the help family, left to --helpfull).
// Abseil passes the filters the normalized file name, so this must hold for both spellings.
bool IsOurs(absl::string_view filename) {
  return !absl::StartsWith(filename, "absl/") && !absl::StrContains(filename, "/absl/");
}

// What --help prints for a flag's file: relative to our tree, from "absl/" for Abseil's, and the
// bare file name for anything else, so no build machine's paths reach the output.
std::string NormalizeFilename(absl::string_view filename) {
  if (absl::string_view root = SourceRoot();
      !root.empty() && absl::ConsumePrefix(&filename, root)) {
    return std::string(filename);
  }
  if (const size_t absl_dir = filename.rfind("absl/"); absl_dir != absl::string_view::npos) {
    return std::string(filename.substr(absl_dir));
  }
  return std::string(filename.substr(filename.rfind('/') + 1));  // npos + 1 is 0.
}

// The flag names `argv` sets: --name, -name, --name=value, --noname; parsing stops at "--".
absl::flat_hash_set<std::string> NamesOnCommandLine(int argc, char* const argv[]) {
  absl::flat_hash_set<std::string> names;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "-")) continue;
    absl::ConsumePrefix(&arg, "-");
    arg = arg.substr(0, arg.find('='));
    names.emplace(arg);
    if (absl::ConsumePrefix(&arg, "no")) names.emplace(arg);  // --nofoo sets the bool foo.
  }
  return names;
}

bool HasNoEnvTwin(absl::string_view name) {
  for (absl::string_view excluded : kNoEnvTwin) {
    if (name == excluded) return true;
  }
  return false;
}

}  // namespace

std::string FlagEnvName(absl::string_view flag_name) {
  return absl::StrCat("LIVEEVENTS_", absl::AsciiStrToUpper(flag_name));
}

absl::Status ApplyFlagsFromEnv(int argc, char* const argv[]) {
  const absl::flat_hash_set<std::string> given = NamesOnCommandLine(argc, argv);
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (HasNoEnvTwin(name) || given.contains(name)) continue;
    const std::string variable = FlagEnvName(name);
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      // Only a prefix of the value: a mistake in a variable must not print a secret in full.
      return absl::InvalidArgumentError(absl::StrCat("environment variable ", variable, "=\"",
                                                     absl::string_view(value).substr(0, 64),
                                                     "\" is not a valid --", name, ": ", error));
    }
  }
  return absl::OkStatus();
}

void ConfigureFlagsUsage() {
  absl::FlagsUsageConfig config;
  config.contains_help_flags = IsOurs;
  config.contains_helppackage_flags = IsOurs;
  config.contains_helpshort_flags = [](absl::string_view filename) {
    return IsOurs(filename) && absl::EndsWith(filename, "main.cc");
  };
  config.version_string = [] { return std::string("live-events " LIVEEVENTS_VERSION "\n"); };
  config.normalize_filename = NormalizeFilename;
  absl::SetFlagsUsageConfig(std::move(config));
}

absl::Status PrepareFlags(int argc, char* const argv[], absl::string_view usage) {
  absl::SetProgramUsageMessage(absl::StrCat(
      usage,
      "\n\nEvery flag can also come from the environment variable LIVEEVENTS_<FLAG> (upper "
      "case: LIVEEVENTS_FLAGFILE for --flagfile) or from --flagfile=FILE (one --flag=value per "
      "line); the command line wins over a flag file, which wins over the environment."));
  ConfigureFlagsUsage();
  return ApplyFlagsFromEnv(argc, argv);
}

}  // namespace liveevents
