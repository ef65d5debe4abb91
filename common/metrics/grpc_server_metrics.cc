#include "common/metrics/grpc_server_metrics.h"

#include <chrono>

#include "google/protobuf/descriptor.h"

namespace liveevents::metrics {
namespace {

// go-grpc-prometheus' spelling of the codes.
constexpr const char* kCodeNames[17] = {
    "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
    "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
    "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
    "DataLoss", "Unauthenticated"};

}  // namespace

class GrpcMetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  GrpcMetricsInterceptor(GrpcServerMetricsFactory& factory, GrpcMethodMetrics& metrics)
      : factory_(factory), metrics_(metrics), start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      factory_.Count(metrics_, static_cast<int>(methods->GetSendStatus().error_code()));
      metrics_.seconds->Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }
    methods->Proceed();
  }

 private:
  GrpcServerMetricsFactory& factory_;  // Outlives the server, so every call.
  GrpcMethodMetrics& metrics_;         // Owned by the factory.
  const std::chrono::steady_clock::time_point start_;
};

GrpcServerMetricsFactory::GrpcServerMetricsFactory(Registry& registry,
                                                   const std::vector<std::string>& services)
    : handled_(registry.AddCounter("grpc_server_handled_total",
                                   "gRPC calls completed on the server, by status code",
                                   {"grpc_service", "grpc_method", "grpc_code"})),
      seconds_(registry.AddHistogram(
          "grpc_server_handling_seconds",
          "Time from a call's start to its status (for streams: how long they were open)",
          {"grpc_service", "grpc_method"}, LatencyBuckets())) {
  const google::protobuf::DescriptorPool* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& name : services) {
    const google::protobuf::ServiceDescriptor* service = pool->FindServiceByName(name);
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string full = "/" + name + "/" + service->method(i)->name();
      auto [it, inserted] = known_.try_emplace(full);
      if (inserted) Resolve(full, it->second);
    }
  }
  unknown_.service = "unknown";
  unknown_.method = "unknown";
  unknown_.seconds = &seconds_.With({unknown_.service, unknown_.method});
}

void GrpcServerMetricsFactory::Resolve(const std::string& full_method, GrpcMethodMetrics& metrics) {
  // "/package.Service/Method"
  const size_t slash = full_method.rfind('/');
  metrics.service =
      slash == std::string::npos || slash == 0 ? "unknown" : full_method.substr(1, slash - 1);
  metrics.method = slash == std::string::npos ? full_method : full_method.substr(slash + 1);
  metrics.seconds = &seconds_.With({metrics.service, metrics.method});
}

void GrpcServerMetricsFactory::Count(GrpcMethodMetrics& metrics, int code) {
  if (code < 0 || code >= 17) code = 2;  // UNKNOWN
  Counter* counter = metrics.handled[code].load(std::memory_order_acquire);
  if (counter == nullptr) {
    // First call with this code: With() is idempotent, so a race stores the same pointer.
    counter = &handled_.With({metrics.service, metrics.method, kCodeNames[code]});
    metrics.handled[code].store(counter, std::memory_order_release);
  }
  counter->Increment();
}

grpc::experimental::Interceptor* GrpcServerMetricsFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  const absl::string_view method = info->method() != nullptr ? info->method() : "";
  auto it = known_.find(method);
  return new GrpcMetricsInterceptor(*this, it != known_.end() ? it->second : unknown_);
}

}  // namespace liveevents::metrics
