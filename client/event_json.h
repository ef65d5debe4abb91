// Protobuf messages (events, rooms, battles, server info) as one-line JSON, for livectl and for
// services that log what they receive. Proto3 JSON mapping with the proto field names kept
// (`room_id`, not `roomId`), so the output matches the .proto and grpcurl with
// --format-emit-defaults off; 64-bit integers print as strings, as proto3 JSON requires.
#ifndef LIVEEVENTS_CLIENT_EVENT_JSON_H_
#define LIVEEVENTS_CLIENT_EVENT_JSON_H_

#include <google/protobuf/message.h>

#include <string>

#include "absl/status/statusor.h"

namespace liveevents::client {

// `message` as compact JSON on a single line (no trailing newline). Fields holding their default
// value are omitted unless `print_defaults`. Thread-safe.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message,
                                   bool print_defaults = false);

}  // namespace liveevents::client

#endif  // LIVEEVENTS_CLIENT_EVENT_JSON_H_
