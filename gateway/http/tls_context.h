// The HTTPS listener's certificate and key as an OpenSSL context (TLS 1.2 and newer), reloadable
// on SIGHUP: a reload builds a whole new context and swaps it in, so new connections get the new
// certificate while open ones keep theirs; a bad file leaves the previous context serving.
#ifndef LIVEEVENTS_GATEWAY_HTTP_TLS_CONTEXT_H_
#define LIVEEVENTS_GATEWAY_HTTP_TLS_CONTEXT_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio/ssl/context.hpp"

namespace liveevents::gateway {

class ReloadableTlsContext {
 public:
  // `cert_file`: PEM certificate chain (leaf first); `key_file`: its PEM private key. Fails
  // (naming the file) when either cannot be loaded or they do not match.
  static absl::StatusOr<std::shared_ptr<ReloadableTlsContext>> Create(std::string cert_file,
                                                                      std::string key_file);

  // The current context, for a new connection. Thread-safe.
  std::shared_ptr<boost::asio::ssl::context> Get() const;

  // Re-reads both files; on failure keeps the current context and says why. Thread-safe.
  absl::Status Reload();

 private:
  ReloadableTlsContext(std::string cert_file, std::string key_file,
                       std::shared_ptr<boost::asio::ssl::context> context);

  const std::string cert_file_;
  const std::string key_file_;
  mutable absl::Mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> context_ ABSL_GUARDED_BY(mu_);
};

// A server context from the two files (exposed for tests).
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> LoadServerTlsContext(
    const std::string& cert_file, const std::string& key_file);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_HTTP_TLS_CONTEXT_H_
