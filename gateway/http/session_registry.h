// The set of open HTTP sessions: enforces --max_connections and lets a graceful stop reach every
// session. Kept apart from the server so that sessions depend only on this small class.
#ifndef LIVEEVENTS_GATEWAY_HTTP_SESSION_REGISTRY_H_
#define LIVEEVENTS_GATEWAY_HTTP_SESSION_REGISTRY_H_

#include <cstddef>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace liveevents::gateway {

// What the registry needs of a session (plain HTTP or HTTPS alike).
class RegisteredSession {
 public:
  // Finish the request in progress (if any), then close. Thread-safe.
  virtual void Shutdown() = 0;

 protected:
  virtual ~RegisteredSession() = default;
};

// Thread-safe. Holds weak references only: a session's lifetime belongs to its own handlers.
class SessionRegistry {
 public:
  void Add(const std::shared_ptr<RegisteredSession>& session);
  // Called from the session's destructor.
  void Remove(const RegisteredSession* session);
  size_t size() const;
  // Asks every live session to finish its current request and close.
  void ShutdownAll();
  // True once ShutdownAll() was called: an answer written after that closes the connection,
  // even if the session's own Shutdown() has not run yet.
  bool stopping() const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<const RegisteredSession*, std::weak_ptr<RegisteredSession>> sessions_
      ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_HTTP_SESSION_REGISTRY_H_
