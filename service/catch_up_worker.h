// Runs the slow steps of subscriptions and journal reads (store pages, snapshot building) on
// threads of its own, so that gRPC's reactions never block on them (the style guide's rule 6).
#ifndef LIVEEVENTS_SERVICE_CATCH_UP_WORKER_H_
#define LIVEEVENTS_SERVICE_CATCH_UP_WORKER_H_

#include <deque>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace liveevents::service {

class CatchUpWorker {
 public:
  explicit CatchUpWorker(int threads);
  ~CatchUpWorker();  // Stop().

  // Queues `task` to run on one of the worker's threads. Never blocks on I/O; thread-safe.
  // Tasks posted after Stop() run inline, so that no caller waits forever for them.
  void Post(absl::AnyInvocable<void() &&> task);

  // Runs what is queued, then joins the threads. Idempotent.
  void Stop();

 private:
  void Loop();

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_CATCH_UP_WORKER_H_
