// Converts absl::Status to grpc::Status at the service's edge (the codes share numbers).
#ifndef LIVEEVENTS_SERVICE_STATUS_CONVERT_H_
#define LIVEEVENTS_SERVICE_STATUS_CONVERT_H_

#include <string>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace liveevents::service {

inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_STATUS_CONVERT_H_
