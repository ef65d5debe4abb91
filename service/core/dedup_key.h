// The dedup key of an event: Tencent sends no event id, and a retry re-sends the same body
// (possibly with a new Sign/RequestTime, which are not in the body).
#ifndef LIVEEVENTS_SERVICE_CORE_DEDUP_KEY_H_
#define LIVEEVENTS_SERVICE_CORE_DEDUP_KEY_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "liveevents/v1/events.pb.h"

namespace liveevents::service {

// Lowercase hex SHA-256 over the app id, the command and the raw body bytes, each
// length-prefixed so that no two different triples hash the same input. Thread-safe.
std::string ComputeDedupKey(const v1::Event& event);

// A 64-bit hash of a dedup key that is the same in every process and on every machine, so
// that stores may persist it: the key's first 16 hex digits when it is one ComputeDedupKey
// made (already uniform), FNV-1a of its bytes otherwise.
uint64_t DedupKeyHash(absl::string_view dedup_key);

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_CORE_DEDUP_KEY_H_
