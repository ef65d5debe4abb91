// The limits of LiveEvents.PublishBatch, shared by the service that enforces them and the
// gateway that batches within them (see PublishBatchRequest in live_events.proto).
#ifndef LIVEEVENTS_COMMON_PUBLISH_LIMITS_H_
#define LIVEEVENTS_COMMON_PUBLISH_LIMITS_H_

#include <cstddef>

namespace liveevents {

// Events in one PublishBatch; more is INVALID_ARGUMENT.
inline constexpr size_t kMaxPublishBatchEvents = 1000;

// Bytes of events a client puts in one PublishBatch, well under gRPC's default 4 MiB receive
// limit (which the service keeps). A single larger event still goes out alone.
inline constexpr size_t kMaxPublishBatchBytes = size_t{1} << 20;

}  // namespace liveevents

#endif  // LIVEEVENTS_COMMON_PUBLISH_LIMITS_H_
