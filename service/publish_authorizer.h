// Decides whether a call may publish. Any client that reaches the gRPC port could otherwise
// publish a forged event (a battle result, say) that every subscriber would believe; with a
// token configured only callers presenting it (the gateways) may. Queries and Subscribe need
// nothing.
#ifndef LIVEEVENTS_SERVICE_PUBLISH_AUTHORIZER_H_
#define LIVEEVENTS_SERVICE_PUBLISH_AUTHORIZER_H_

#include <grpcpp/support/string_ref.h>

#include <map>
#include <string>

#include "absl/status/status.h"

namespace liveevents::service {

class PublishAuthorizer {
 public:
  // An empty `token` allows every caller (the default on loopback).
  explicit PublishAuthorizer(std::string token) : expected_(Expected(token)) {}

  bool enabled() const { return !expected_.empty(); }

  // OK when allowed; UNAUTHENTICATED when the `authorization: Bearer <token>` metadata is
  // missing or does not match (compared in constant time). Thread-safe.
  absl::Status Check(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) const;

 private:
  static std::string Expected(const std::string& token);

  const std::string expected_;  // "Bearer <token>", or empty.
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_PUBLISH_AUTHORIZER_H_
