#include "service/core/dedup_key.h"

#include <openssl/evp.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace liveevents::service {

std::string ComputeDedupKey(const v1::Event& event) {
  // Hashed piece by piece, so the raw body (up to the gateway's body limit) is not copied on
  // every publish just to be hashed.
  const std::string header = absl::StrCat(event.sdk_app_id(), "\n", event.command().size(), ":",
                                          event.command(), "\n", event.raw_body().size(), ":");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
  EVP_DigestUpdate(context.get(), header.data(), header.size());
  EVP_DigestUpdate(context.get(), event.raw_body().data(), event.raw_body().size());
  EVP_DigestFinal_ex(context.get(), digest, &length);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

uint64_t DedupKeyHash(absl::string_view dedup_key) {
  uint64_t hash = 0;
  if (dedup_key.size() == 64 &&
      absl::SimpleHexAtoi(dedup_key.substr(0, 16), &hash)) {  // Lowercase hex SHA-256.
    return hash;
  }
  hash = 14695981039346656037u;
  for (unsigned char byte : dedup_key) hash = (hash ^ byte) * 1099511628211u;
  return hash;
}

}  // namespace liveevents::service
