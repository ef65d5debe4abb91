#include "gateway/http/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace liveevents::gateway {
namespace {

namespace ssl = boost::asio::ssl;

// OpenSSL keeps a per-thread error queue: failures leave entries that a later, unrelated call
// could report. Drained after each load.
std::string DrainOpenSslErrors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text;
}

}  // namespace

absl::StatusOr<std::shared_ptr<ssl::context>> LoadServerTlsContext(const std::string& cert_file,
                                                                   const std::string& key_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  // TLS 1.2 is the oldest version without known protocol breaks; Tencent's callbacks speak it.
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  // No renegotiation: a client could otherwise make us redo the expensive part at will.
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                       ssl::context::single_dh_use | SSL_OP_NO_RENEGOTIATION);
  boost::system::error_code ec;
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    DrainOpenSslErrors();
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_cert_file ", cert_file, ": ", ec.message()));
  }
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) {
    DrainOpenSslErrors();
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_key_file ", key_file, ": ", ec.message()));
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("--tls_key_file ", key_file,
                                                   " does not match --tls_cert_file ", cert_file,
                                                   ": ", DrainOpenSslErrors()));
  }
  return context;
}

absl::StatusOr<std::shared_ptr<ReloadableTlsContext>> ReloadableTlsContext::Create(
    std::string cert_file, std::string key_file) {
  absl::StatusOr<std::shared_ptr<ssl::context>> context = LoadServerTlsContext(cert_file, key_file);
  if (!context.ok()) return context.status();
  return std::shared_ptr<ReloadableTlsContext>(
      new ReloadableTlsContext(std::move(cert_file), std::move(key_file), *std::move(context)));
}

ReloadableTlsContext::ReloadableTlsContext(std::string cert_file, std::string key_file,
                                           std::shared_ptr<ssl::context> context)
    : cert_file_(std::move(cert_file)),
      key_file_(std::move(key_file)),
      context_(std::move(context)) {}

std::shared_ptr<ssl::context> ReloadableTlsContext::Get() const {
  absl::MutexLock lock(&mu_);
  return context_;
}

absl::Status ReloadableTlsContext::Reload() {
  // Loaded outside the lock: file I/O must not hold up accepts.
  absl::StatusOr<std::shared_ptr<ssl::context>> context =
      LoadServerTlsContext(cert_file_, key_file_);
  if (!context.ok()) return context.status();
  absl::MutexLock lock(&mu_);
  context_ = *std::move(context);
  return absl::OkStatus();
}

}  // namespace liveevents::gateway
