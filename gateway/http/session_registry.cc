#include "gateway/http/session_registry.h"

#include <vector>

namespace liveevents::gateway {

void SessionRegistry::Add(const std::shared_ptr<RegisteredSession>& session) {
  absl::MutexLock lock(&mu_);
  sessions_[session.get()] = session;
}

void SessionRegistry::Remove(const RegisteredSession* session) {
  absl::MutexLock lock(&mu_);
  sessions_.erase(session);
}

size_t SessionRegistry::size() const {
  absl::MutexLock lock(&mu_);
  return sessions_.size();
}

void SessionRegistry::ShutdownAll() {
  std::vector<std::shared_ptr<RegisteredSession>> live;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (const auto& [ptr, weak] : sessions_) {
      if (std::shared_ptr<RegisteredSession> session = weak.lock())
        live.push_back(std::move(session));
    }
  }
  // Outside the lock: the last reference may drop here, and the destructor calls Remove().
  for (const auto& session : live) session->Shutdown();
}

bool SessionRegistry::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

}  // namespace liveevents::gateway
