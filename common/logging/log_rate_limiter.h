// Keeps a flood of similar log lines (bad requests from a misconfigured or hostile client) from
// filling a disk: a token bucket per key (a reason, say) lets a burst through, then a steady
// rate, and counts what it holds back so the next line let through can say "suppressed N".
#ifndef LIVEEVENTS_COMMON_LOGGING_LOG_RATE_LIMITER_H_
#define LIVEEVENTS_COMMON_LOGGING_LOG_RATE_LIMITER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace liveevents::logging {

class LogRateLimiter {
 public:
  struct Options {
    double lines_per_second = 10;  // Per key, once the burst is spent.
    double burst = 20;
    std::function<absl::Time()> clock;  // absl::Now by default.
  };

  LogRateLimiter() : LogRateLimiter(Options()) {}
  explicit LogRateLimiter(Options options);

  // nullopt: drop this line (it is counted). Otherwise log it, with the number of lines of this
  // key dropped since the last one let through (usually 0). Thread-safe; meant for the refusal
  // paths, not for every successful request.
  std::optional<uint64_t> Admit(absl::string_view key);

 private:
  struct Bucket {
    double tokens;
    absl::Time refilled;
    uint64_t suppressed = 0;
  };

  const Options options_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace liveevents::logging

#endif  // LIVEEVENTS_COMMON_LOGGING_LOG_RATE_LIMITER_H_
