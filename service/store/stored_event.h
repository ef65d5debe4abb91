// How the SQLite store keeps one event: each fact once. The revision and receive time are
// columns of the event's row and the dedup key is a function of the event (dedup_key.h), so
// none of the three is repeated inside the stored bytes; reading puts them back.
#ifndef LIVEEVENTS_SERVICE_STORE_STORED_EVENT_H_
#define LIVEEVENTS_SERVICE_STORE_STORED_EVENT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "liveevents/v1/events.pb.h"

namespace liveevents::service {

// The event's wire bytes without revision, received_time_ms and dedup_key.
std::string EncodeStoredEvent(const v1::Event& event);

// Parses what EncodeStoredEvent made (or a whole serialized event, as schema version 2 stored
// it) into `event`, then sets the revision and receive time from the row and the dedup key
// from the event. DATA_LOSS when the bytes do not parse.
absl::Status DecodeStoredEvent(absl::string_view bytes, uint64_t revision, int64_t received_ms,
                               v1::Event& event);

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_STORE_STORED_EVENT_H_
