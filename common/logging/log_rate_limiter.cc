#include "common/logging/log_rate_limiter.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace liveevents::logging {

LogRateLimiter::LogRateLimiter(Options options)
    : options_([&options] {
        if (!options.clock) options.clock = [] { return absl::Now(); };
        return std::move(options);
      }()) {}

std::optional<uint64_t> LogRateLimiter::Admit(absl::string_view key) {
  const absl::Time now = options_.clock();
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{options_.burst, now});
  Bucket& bucket = it->second;
  const double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - bucket.refilled));
  bucket.tokens = std::min(options_.burst, bucket.tokens + elapsed * options_.lines_per_second);
  bucket.refilled = now;
  if (bucket.tokens < 1) {
    ++bucket.suppressed;
    return std::nullopt;
  }
  bucket.tokens -= 1;
  return std::exchange(bucket.suppressed, 0);
}

}  // namespace liveevents::logging
