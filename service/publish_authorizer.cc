#include "service/publish_authorizer.h"

#include <openssl/crypto.h>

#include "common/token_file.h"

namespace liveevents::service {

std::string PublishAuthorizer::Expected(const std::string& token) {
  return token.empty() ? std::string() : BearerMetadataValue(token);
}

absl::Status PublishAuthorizer::Check(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const {
  if (expected_.empty()) return absl::OkStatus();
  auto it = metadata.find(kAuthorizationMetadataKey);
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(
        "Publish needs the metadata 'authorization: Bearer <token>' (--publish_token_file)");
  }
  const grpc::string_ref& given = it->second;
  // Length first (it is not secret), then every byte, so timing says nothing about the token.
  if (given.size() != expected_.size() ||
      CRYPTO_memcmp(given.data(), expected_.data(), expected_.size()) != 0) {
    return absl::UnauthenticatedError("Publish: the bearer token does not match");
  }
  return absl::OkStatus();
}

}  // namespace liveevents::service
