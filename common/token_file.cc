#include "common/token_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace liveevents {

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read token file ", path));
  std::ostringstream content;
  content << file.rdbuf();
  std::string token(absl::StripTrailingAsciiWhitespace(content.str()));
  if (token.empty())
    return absl::InvalidArgumentError(absl::StrCat("token file ", path, " is empty"));
  return token;
}

std::string BearerMetadataValue(const std::string& token) { return absl::StrCat("Bearer ", token); }

}  // namespace liveevents
