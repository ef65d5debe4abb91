// The one conversion between absl::Status and grpc::Status, used at every gRPC edge (service
// handlers, the gateway's publisher, the client library). The two share canonical code numbers,
// so the conversion keeps code and message unchanged.
#ifndef LIVEEVENTS_COMMON_GRPC_STATUS_H_
#define LIVEEVENTS_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace liveevents {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace liveevents

#endif  // LIVEEVENTS_COMMON_GRPC_STATUS_H_
