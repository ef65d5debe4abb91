#include "common/client_credentials.h"

#include "absl/strings/str_cat.h"
#include "common/pem_file.h"

namespace liveevents {

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeClientCredentials(
    const ClientTlsFiles& files, absl::string_view flag_prefix) {
  if (!files.enabled()) return grpc::InsecureChannelCredentials();
  if (files.cert_file.empty() != files.key_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag_prefix, "cert_file and --", flag_prefix, "key_file go together"));
  }
  grpc::SslCredentialsOptions ssl;
  if (!files.ca_file.empty()) {
    absl::StatusOr<std::string> ca =
        ReadPemFile(absl::StrCat(flag_prefix, "ca_file"), files.ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
  }
  if (!files.cert_file.empty()) {
    absl::StatusOr<std::string> cert =
        ReadPemFile(absl::StrCat(flag_prefix, "cert_file"), files.cert_file);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key =
        ReadPemFile(absl::StrCat(flag_prefix, "key_file"), files.key_file);
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace liveevents
