// A SubscribeResponse serialized once. Every stream that sends it writes the same bytes (the
// slices are shared by reference), where gRPC would otherwise serialize the message again for
// each of a thousand subscribers.
#ifndef LIVEEVENTS_SERVICE_ENCODED_RESPONSE_H_
#define LIVEEVENTS_SERVICE_ENCODED_RESPONSE_H_

#include <grpcpp/support/byte_buffer.h>

#include <memory>

#include "liveevents/v1/live_events.pb.h"

namespace liveevents::service {

using EncodedResponse = std::shared_ptr<const grpc::ByteBuffer>;

EncodedResponse Encode(const v1::SubscribeResponse& response);

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_ENCODED_RESPONSE_H_
