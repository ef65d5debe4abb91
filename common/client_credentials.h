// A gRPC client's channel credentials from TLS flags: plaintext when none is set, TLS verifying
// the server against a CA bundle (or the system roots), and a client certificate for mutual TLS.
// Shared by the gateway (--service_tls_*) and livectl (--tls_*).
#ifndef LIVEEVENTS_COMMON_CLIENT_CREDENTIALS_H_
#define LIVEEVENTS_COMMON_CLIENT_CREDENTIALS_H_

#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace liveevents {

struct ClientTlsFiles {
  std::string ca_file;    // PEM CAs the server's certificate must chain to; empty: system roots.
  std::string cert_file;  // PEM client certificate (mutual TLS); needs key_file.
  std::string key_file;

  // Any file set means TLS.
  bool enabled() const { return !ca_file.empty() || !cert_file.empty() || !key_file.empty(); }
};

// Reads the files now, so a bad path fails at start. `flag_prefix` names the flags in errors
// ("service_tls_" gives --service_tls_ca_file). Errors: a certificate without its key or the
// reverse, an unreadable file.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeClientCredentials(
    const ClientTlsFiles& files, absl::string_view flag_prefix);

}  // namespace liveevents

#endif  // LIVEEVENTS_COMMON_CLIENT_CREDENTIALS_H_
