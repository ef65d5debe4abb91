// The gRPC listener's credentials: plaintext (the default, for loopback), TLS, or mutual TLS
// where clients present certificates signed by --grpc_client_ca_file. The certificate identities
// then decide who may publish (PublishAuthorizer).
#ifndef LIVEEVENTS_SERVICE_SERVER_CREDENTIALS_H_
#define LIVEEVENTS_SERVICE_SERVER_CREDENTIALS_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace liveevents::service {

struct GrpcTlsOptions {
  std::string cert_file;  // PEM certificate chain; empty: plaintext.
  std::string key_file;   // PEM private key of cert_file.
  // PEM CA certificates that sign client certificates; empty: no client certificates.
  std::string client_ca_file;
  // With client_ca_file: refuse connections without a verified client certificate. When false,
  // a client without one may still query and Subscribe (and a presented one is still verified).
  bool require_client_cert = true;

  bool enabled() const { return !cert_file.empty(); }
  bool mutual() const { return !client_ca_file.empty(); }
};

// Reads the files now (a missing or unreadable one is an error naming its flag). Insecure
// credentials when TLS is not enabled; an error for a key without a certificate or the reverse,
// or a client CA without TLS.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const GrpcTlsOptions& options);

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_SERVER_CREDENTIALS_H_
