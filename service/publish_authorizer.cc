#include "service/publish_authorizer.h"

#include <grpc/grpc_security_constants.h>
#include <openssl/crypto.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/token_file.h"

namespace liveevents::service {
namespace {

std::vector<std::string> Values(const grpc::AuthContext& context, const char* property) {
  std::vector<std::string> values;
  for (const grpc::string_ref& value : context.FindPropertyValues(property)) {
    values.emplace_back(value.data(), value.size());
  }
  return values;
}

}  // namespace

std::vector<std::string> PeerIdentities(const grpc::AuthContext& auth_context) {
  // gRPC fills the x509 properties only for a certificate it verified against the client CA
  // (the server never runs in a "request but don't verify" mode).
  if (!auth_context.IsPeerAuthenticated()) return {};
  std::vector<std::string> names = Values(auth_context, GRPC_PEER_DNS_PROPERTY_NAME);
  if (names.empty()) names = Values(auth_context, GRPC_X509_CN_PROPERTY_NAME);
  return names;
}

PublishAuthorizer::PublishAuthorizer(std::string token, std::vector<std::string> publishers)
    : expected_(Expected(token)), publishers_(publishers.begin(), publishers.end()) {}

std::string PublishAuthorizer::Expected(const std::string& token) {
  return token.empty() ? std::string() : BearerMetadataValue(token);
}

absl::Status PublishAuthorizer::Check(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
    const grpc::AuthContext* auth_context) const {
  if (absl::Status identity = CheckIdentity(auth_context); !identity.ok()) return identity;
  return CheckToken(metadata);
}

absl::Status PublishAuthorizer::CheckIdentity(const grpc::AuthContext* auth_context) const {
  if (publishers_.empty()) return absl::OkStatus();
  const std::vector<std::string> identities =
      auth_context == nullptr ? std::vector<std::string>() : PeerIdentities(*auth_context);
  if (identities.empty()) {
    return absl::UnauthenticatedError(
        "Publish needs a client certificate naming one of --publishers (mTLS)");
  }
  for (const std::string& identity : identities) {
    if (publishers_.contains(identity)) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat("Publish: the client certificate (",
                                                  absl::StrJoin(identities, ", "),
                                                  ") is not one of --publishers"));
}

absl::Status PublishAuthorizer::CheckToken(
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
