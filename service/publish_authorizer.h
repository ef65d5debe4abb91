// Decides whether a call may publish. Any client that reaches the gRPC port could otherwise
// publish a forged event (a battle result, say) that every subscriber would believe. Two
// mechanisms, each optional: a bearer token (--publish_token_file, for plaintext or server-only
// TLS) and client-certificate identities (--publishers, with mTLS). When both are configured a
// caller must satisfy both. Queries and Subscribe need neither.
#ifndef LIVEEVENTS_SERVICE_PUBLISH_AUTHORIZER_H_
#define LIVEEVENTS_SERVICE_PUBLISH_AUTHORIZER_H_

#include <grpcpp/security/auth_context.h>
#include <grpcpp/support/string_ref.h>

#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"

namespace liveevents::service {

class PublishAuthorizer {
 public:
  // An empty `token` and no `publishers` allow every caller (the default on loopback).
  // `publishers` are client-certificate identities: a DNS subject alternative name or, for a
  // certificate without DNS names, the subject's common name.
  explicit PublishAuthorizer(std::string token, std::vector<std::string> publishers = {});

  bool enabled() const { return !expected_.empty() || !publishers_.empty(); }

  // OK when allowed. UNAUTHENTICATED when a configured credential is missing: no verified client
  // certificate, or no (or a wrong) `authorization: Bearer <token>`, compared in constant time.
  // PERMISSION_DENIED when the certificate is verified but names none of the publishers.
  // `auth_context` may be null (an in-process call carries none). Thread-safe.
  absl::Status Check(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                     const grpc::AuthContext* auth_context) const;

 private:
  static std::string Expected(const std::string& token);
  absl::Status CheckToken(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const;
  absl::Status CheckIdentity(const grpc::AuthContext* auth_context) const;

  const std::string expected_;  // "Bearer <token>", or empty.
  const absl::flat_hash_set<std::string> publishers_;
};

// The identities a verified client certificate proves: its DNS subject alternative names, or its
// common name when it has none (as gRPC and browsers treat the CN). Empty without a verified
// certificate.
std::vector<std::string> PeerIdentities(const grpc::AuthContext& auth_context);

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_PUBLISH_AUTHORIZER_H_
