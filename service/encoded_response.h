// A SubscribeResponse serialized once. Every stream that sends it writes the same bytes (the
// slices are shared by reference), where gRPC would otherwise serialize the message again for
// each of a thousand subscribers.
#ifndef LIVEEVENTS_SERVICE_ENCODED_RESPONSE_H_
#define LIVEEVENTS_SERVICE_ENCODED_RESPONSE_H_

#include <grpcpp/support/byte_buffer.h>

#include <memory>

#include "absl/types/span.h"
#include "liveevents/v1/live_events.pb.h"

namespace liveevents::service {

using EncodedResponse = std::shared_ptr<const grpc::ByteBuffer>;

EncodedResponse Encode(const v1::SubscribeResponse& response);

// Encode of a SubscribeResponse whose `event` is `event`, without copying the event into one.
EncodedResponse EncodeEvent(const v1::Event& event);

// One SubscribeResponse with `events` holding the events of `singles`, each an Encode of a
// SubscribeResponse with one `event`. Their bytes are shared, not copied: an `event` (field 1)
// of SubscribeResponse is encoded exactly as one of EventBatch's `events` (field 1), so the
// batch is a header followed by the singles as they are.
EncodedResponse EncodeBatch(absl::Span<const EncodedResponse> singles);

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_ENCODED_RESPONSE_H_
