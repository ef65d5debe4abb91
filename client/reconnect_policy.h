// The pure decisions behind the Subscriber's reconnect loop: how long to wait before the next
// attempt, and what a stream's final status means for the subscription. No clocks, randomness or
// I/O here, so both are table-tested directly.
#ifndef LIVEEVENTS_CLIENT_RECONNECT_POLICY_H_
#define LIVEEVENTS_CLIENT_RECONNECT_POLICY_H_

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace liveevents::client {

struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(100);
  absl::Duration max = absl::Seconds(5);
  // Fraction of the delay removed at random, so that many subscribers cut off by one server
  // restart do not reconnect in lockstep. 0.2 means the delay lies in [0.8 * d, d]; the default
  // 1.0 is "full jitter" (uniform in [0, d]), which spreads a crowd of reconnects the most.
  double jitter = 1.0;
};

// The delay before reconnect attempt `attempt` (0 for the first retry after a stream ended):
// min(max, initial * 2^attempt), reduced by up to `jitter` of itself. `random01` is a uniform
// draw in [0, 1) supplied by the caller. Never negative, never above `policy.max` (unless
// `initial` already is). Thread-safe (pure).
absl::Duration BackoffDelay(int attempt, const BackoffPolicy& policy, double random01);

enum class StreamEndAction {
  kReconnect,   // Transient: resume after the last revision seen, after a backoff.
  kResnapshot,  // The resume point was compacted away: start over from a snapshot.
  kTerminate,   // The subscription cannot continue as asked; surface the status to the caller.
};

// What to do when a Subscribe stream ends with `code` while the caller has not asked to stop.
// Retryable: UNAVAILABLE (server draining or unreachable), RESOURCE_EXHAUSTED (evicted as a slow
// consumer), INTERNAL, DEADLINE_EXCEEDED, ABORTED, CANCELLED (cancelled by the server side or by
// the heartbeat watchdog, since our own Stop is checked first) and OK (a stream is never
// supposed to end by itself). FAILED_PRECONDITION is the service's REVISION_COMPACTED (the only
// reason Subscribe answers it): resuming cannot work, a snapshot can. Everything else terminates,
// notably OUT_OF_RANGE (a resume point beyond the server's head: a different or reset store) and
// INVALID_ARGUMENT: retrying those could only fail again or, worse, silently skip events.
// Thread-safe (pure).
StreamEndAction DecideStreamEnd(absl::StatusCode code);

}  // namespace liveevents::client

#endif  // LIVEEVENTS_CLIENT_RECONNECT_POLICY_H_
