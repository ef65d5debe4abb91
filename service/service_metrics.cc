#include "service/service_metrics.h"

namespace liveevents::service {
namespace {

ServiceMetrics* Create() {
  metrics::Registry& registry = metrics::DefaultRegistry();
  metrics::Family<metrics::Counter>& evictions = registry.AddCounter(
      "liveevents_subscriber_evictions_total",
      "Subscribe streams the server ended: slow_consumer (queue full), compacted (resume point "
      "trimmed away), read_failed (journal read error)",
      {"reason"});
  return new ServiceMetrics{
      evictions.With({"slow_consumer"}), evictions.With({"compacted"}),
      evictions.With({"read_failed"}),
      registry
          .AddHistogram("liveevents_fanout_seconds",
                        "Time to encode a committed batch and queue it to every live subscriber",
                        {}, metrics::LatencyBuckets())
          .With({})};
}

}  // namespace

ServiceMetrics& GetServiceMetrics() {
  static ServiceMetrics* metrics = Create();  // Never destroyed: streams may end at exit.
  return *metrics;
}

}  // namespace liveevents::service
