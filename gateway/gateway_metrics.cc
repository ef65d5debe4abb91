#include "gateway/gateway_metrics.h"

#include "gateway/tencent/callback_converter.h"

namespace liveevents::gateway {
namespace {

constexpr const char* kOutcomeNames[kRequestOutcomes] = {
    "ok", "duplicate", "stale", "bad_signature", "bad_request", "spooled", "rejected"};

}  // namespace

std::optional<RequestOutcome> OutcomeOfReply(const HttpReply& reply) {
  switch (reply.error_code) {
    case kErrorNone:
      return std::nullopt;  // /healthz: not a callback.
    case kErrorSignMissing:
    case kErrorSignMismatch:
    case kErrorRequestTime:
      return RequestOutcome::kBadSignature;
    case kErrorForbiddenApp:
    case kErrorInternal:
    case kErrorUnavailable:
      return RequestOutcome::kRejected;
    default:
      return RequestOutcome::kBadRequest;
  }
}

RequestOutcome OutcomeOfPublish(const absl::StatusOr<liveevents::v1::PublishResponse>& published) {
  if (!published.ok()) return RequestOutcome::kRejected;
  if (published->duplicate()) return RequestOutcome::kDuplicate;
  // The spooling publisher answers revision 0: stored locally, not yet journaled.
  if (published->revision() == 0) return RequestOutcome::kSpooled;
  if (published->stale()) return RequestOutcome::kStale;
  return RequestOutcome::kOk;
}

GatewayMetrics::GatewayMetrics(metrics::Registry& registry)
    : ack_seconds_(registry
                       .AddHistogram("liveevents_gateway_ack_seconds",
                                     "Time from a callback's arrival to its answer", {},
                                     metrics::LatencyBuckets())
                       .With({})) {
  metrics::Family<metrics::Counter>& requests = registry.AddCounter(
      "liveevents_gateway_requests_total", "Callbacks answered, by CallbackCommand and outcome",
      {"command", "outcome"});
  for (absl::string_view command : KnownCallbackCommands()) {
    by_command_.emplace(std::string(command), Resolve(requests, std::string(command)));
  }
  unknown_command_ = Resolve(requests, "unknown");
}

GatewayMetrics::ByOutcome GatewayMetrics::Resolve(metrics::Family<metrics::Counter>& family,
                                                  const std::string& command) {
  ByOutcome counters;
  for (int i = 0; i < kRequestOutcomes; ++i)
    counters[i] = &family.With({command, kOutcomeNames[i]});
  return counters;
}

void GatewayMetrics::CountRequest(absl::string_view command, RequestOutcome outcome) {
  auto it = by_command_.find(command);
  const ByOutcome& counters = it != by_command_.end() ? it->second : unknown_command_;
  counters[static_cast<int>(outcome)]->Increment();
}

}  // namespace liveevents::gateway
