// What Publish and PublishBatch accept from outside and the times they fill in: one set of
// rules for both, so a batch never lets through what a single Publish would refuse. Pure.
#ifndef LIVEEVENTS_SERVICE_CORE_PUBLISH_RULES_H_
#define LIVEEVENTS_SERVICE_CORE_PUBLISH_RULES_H_

#include <cstdint>

#include "absl/status/status.h"
#include "liveevents/v1/events.pb.h"

namespace liveevents::service {

// OK when a publisher may journal `event`; INVALID_ARGUMENT (saying why) when the command is
// missing or the event is one only the service itself journals (LiveEvents.BattleOverdue).
absl::Status CheckPublishable(const v1::Event& event);

// Sets the receive time to `now_ms` and the event time to the receive time where unset.
void FillPublishTimes(int64_t now_ms, v1::Event& event);

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_CORE_PUBLISH_RULES_H_
