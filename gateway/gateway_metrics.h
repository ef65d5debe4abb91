// The gateway's Prometheus metrics: callbacks by command and outcome, and how long Tencent
// waited for its answer. Children are resolved in the constructor; counting a request is a
// lookup in an immutable map plus one relaxed atomic increment.
#ifndef LIVEEVENTS_GATEWAY_GATEWAY_METRICS_H_
#define LIVEEVENTS_GATEWAY_GATEWAY_METRICS_H_

#include <array>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/metrics/metrics.h"
#include "gateway/tencent/tencent_reply.h"
#include "liveevents/v1/live_events.pb.h"

namespace liveevents::gateway {

// The `outcome` label of liveevents_gateway_requests_total.
enum class RequestOutcome {
  kOk,            // Journaled as a new event.
  kDuplicate,     // The service had it already (Tencent retried).
  kStale,         // Journaled, older than the state it concerns.
  kBadSignature,  // 401: Sign or RequestTime wrong or missing.
  kBadRequest,    // 4xx: not HTTP we accept, not JSON we understand, wrong path or method.
  kSpooled,       // The service was away: stored in the spool, answered OK.
  kRejected,      // Not stored: unknown SdkAppid (403), spool full or refused event (503).
};
inline constexpr int kRequestOutcomes = 7;

// The outcome of a request answered without a publish; nullopt for those not counted (health
// checks).
std::optional<RequestOutcome> OutcomeOfReply(const HttpReply& reply);
// The outcome of a callback whose event was published (or not).
RequestOutcome OutcomeOfPublish(const absl::StatusOr<liveevents::v1::PublishResponse>& published);

class GatewayMetrics {
 public:
  explicit GatewayMetrics(metrics::Registry& registry);

  // Thread-safe, lock-free. Commands ConvertCallback does not know count as "unknown" (a
  // client cannot grow the label set).
  void CountRequest(absl::string_view command, RequestOutcome outcome);
  void ObserveAckSeconds(double seconds) { ack_seconds_.Observe(seconds); }

 private:
  using ByOutcome = std::array<metrics::Counter*, kRequestOutcomes>;
  ByOutcome Resolve(metrics::Family<metrics::Counter>& family, const std::string& command);

  absl::flat_hash_map<std::string, ByOutcome> by_command_;  // Immutable after construction.
  ByOutcome unknown_command_;
  metrics::Histogram& ack_seconds_;
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_GATEWAY_METRICS_H_
