// The dedup key of an event: Tencent sends no event id, and a retry re-sends the same body
// (possibly with a new Sign/RequestTime, which are not in the body).
#ifndef LIVEEVENTS_SERVICE_CORE_DEDUP_KEY_H_
#define LIVEEVENTS_SERVICE_CORE_DEDUP_KEY_H_

#include <string>

#include "liveevents/v1/events.pb.h"

namespace liveevents::service {

// Lowercase hex SHA-256 over the app id, the command and the raw body bytes, each
// length-prefixed so that no two different triples hash the same input. Thread-safe.
std::string ComputeDedupKey(const v1::Event& event);

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_CORE_DEDUP_KEY_H_
