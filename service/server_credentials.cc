#include "service/server_credentials.h"

#include <grpcpp/security/server_credentials.h>

#include "common/pem_file.h"

namespace liveevents::service {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const GrpcTlsOptions& options) {
  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError("--grpc_tls_cert_file and --grpc_tls_key_file go together");
  }
  if (!options.enabled()) {
    if (options.mutual()) {
      return absl::InvalidArgumentError(
          "--grpc_client_ca_file needs --grpc_tls_cert_file and --grpc_tls_key_file");
    }
    return grpc::InsecureServerCredentials();
  }
  absl::StatusOr<std::string> cert = ReadPemFile("grpc_tls_cert_file", options.cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPemFile("grpc_tls_key_file", options.key_file);
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({*std::move(key), *std::move(cert)});
  if (options.mutual()) {
    absl::StatusOr<std::string> ca = ReadPemFile("grpc_client_ca_file", options.client_ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
    // Never "request but don't verify": PublishAuthorizer trusts the identities it finds.
    ssl.client_certificate_request =
        options.require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                    : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace liveevents::service
