// The service's own Prometheus metrics (besides grpc_server_*, from the interceptor): created
// once in metrics::DefaultRegistry() on first use, so counting is one atomic operation.
#ifndef LIVEEVENTS_SERVICE_SERVICE_METRICS_H_
#define LIVEEVENTS_SERVICE_SERVICE_METRICS_H_

#include "common/metrics/metrics.h"

namespace liveevents::service {

struct ServiceMetrics {
  // liveevents_subscriber_evictions_total{reason}: streams the server ended on its own.
  metrics::Counter& evicted_slow_consumer;  // Its queue was full.
  metrics::Counter& evicted_compacted;      // Its resume point was trimmed away under it.
  metrics::Counter& evicted_read_failed;    // Reading the journal failed.
  // liveevents_fanout_seconds: encoding a committed batch and queueing it to every subscriber.
  metrics::Histogram& fanout_seconds;
};

// The process's instance. Thread-safe.
ServiceMetrics& GetServiceMetrics();

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_SERVICE_METRICS_H_
