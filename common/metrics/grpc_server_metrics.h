// A gRPC server interceptor that counts every call by method and status code and times it:
// grpc_server_handled_total{grpc_service,grpc_method,grpc_code} and
// grpc_server_handling_seconds{grpc_service,grpc_method} (the names and labels of
// go-grpc-prometheus, so existing dashboards work). A Subscribe stream's "handling" time is how
// long the stream was open.
#ifndef LIVEEVENTS_COMMON_METRICS_GRPC_SERVER_METRICS_H_
#define LIVEEVENTS_COMMON_METRICS_GRPC_SERVER_METRICS_H_

#include <grpcpp/support/server_interceptor.h>

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "common/metrics/metrics.h"

namespace liveevents::metrics {

// The children of one method. A code's counter is resolved on its first use (so a scrape
// shows only codes that happened) and then read with one atomic load.
struct GrpcMethodMetrics {
  std::string service;
  std::string method;
  std::array<std::atomic<Counter*>, 17> handled{};  // By grpc::StatusCode (0 .. 16).
  Histogram* seconds = nullptr;
};

class GrpcServerMetricsFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // Resolves the children of every method of `services` (full names such as
  // "liveevents.v1.LiveEvents", looked up in the generated descriptor pool) up front, so a call
  // only reads an immutable map. Every other path (gRPC builds interceptors for unimplemented
  // methods too) counts as grpc_service="unknown", grpc_method="unknown": a client cannot add
  // series by calling made-up methods.
  GrpcServerMetricsFactory(Registry& registry, const std::vector<std::string>& services);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  friend class GrpcMetricsInterceptor;
  void Resolve(const std::string& full_method, GrpcMethodMetrics& metrics);
  void Count(GrpcMethodMetrics& metrics, int code);

  Family<Counter>& handled_;
  Family<Histogram>& seconds_;
  // node_hash_map: the interceptors keep pointers to the values.
  absl::node_hash_map<std::string, GrpcMethodMetrics> known_;  // No insertions after the ctor.
  GrpcMethodMetrics unknown_;
};

}  // namespace liveevents::metrics

#endif  // LIVEEVENTS_COMMON_METRICS_GRPC_SERVER_METRICS_H_
