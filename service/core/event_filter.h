// Which events a subscriber receives: a pure predicate over an event and a v1::EventFilter.
#ifndef LIVEEVENTS_SERVICE_CORE_EVENT_FILTER_H_
#define LIVEEVENTS_SERVICE_CORE_EVENT_FILTER_H_

#include "absl/status/status.h"
#include "liveevents/v1/live_events.pb.h"

namespace liveevents::service {

// Rejects filters that could never be served sensibly (empty strings, absurd sizes).
absl::Status ValidateFilter(const v1::EventFilter& filter);

// True when `event` passes every non-empty list of `filter`. A room filter also matches battle
// events naming that room as the caller or a callee.
bool MatchesFilter(const v1::EventFilter& filter, const v1::Event& event);

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_CORE_EVENT_FILTER_H_
