#include "service/core/dedup_key.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace liveevents::service {

std::string ComputeDedupKey(const v1::Event& event) {
  const std::string input =
      absl::StrCat(event.sdk_app_id(), "\n", event.command().size(), ":", event.command(), "\n",
                   event.raw_body().size(), ":", event.raw_body());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace liveevents::service
