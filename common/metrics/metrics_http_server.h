// Serves a metrics::Registry as GET /metrics (Prometheus text format 0.0.4) on its own thread
// and io_context, apart from the traffic it measures: a slow scraper never delays a request.
// Each answer closes its connection, and at most a few connections are open at once (more are
// closed at once): Prometheus needs one.
#ifndef LIVEEVENTS_COMMON_METRICS_METRICS_HTTP_SERVER_H_
#define LIVEEVENTS_COMMON_METRICS_METRICS_HTTP_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "common/metrics/metrics.h"

namespace liveevents::metrics {

class MetricsHttpServer {
 public:
  // Listens on `address` (host:port; port 0 picks one) and starts serving `registry`, which
  // must outlive the server. Returns the bound "host:port".
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(const std::string& address,
                                                                  const Registry& registry);
  ~MetricsHttpServer();  // Stops and joins the thread.

  // "host:port" actually bound (the port resolved when 0 was asked for).
  const std::string& address() const { return address_; }

 private:
  struct Impl;
  explicit MetricsHttpServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
  std::string address_;
  std::thread thread_;
};

}  // namespace liveevents::metrics

#endif  // LIVEEVENTS_COMMON_METRICS_METRICS_HTTP_SERVER_H_
