// Turns one Tencent Live callback (query hints plus raw JSON body) into a typed
// liveevents.v1.Event. A pure function: no I/O, no clock (the receive time is an input), no
// exceptions; the rules it applies are listed under "Conversion rules" in
// gateway/README.md.
#ifndef LIVEEVENTS_GATEWAY_TENCENT_CALLBACK_CONVERTER_H_
#define LIVEEVENTS_GATEWAY_TENCENT_CALLBACK_CONVERTER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "liveevents/v1/events.pb.h"

namespace liveevents::gateway {

struct CallbackInput {
  uint64_t sdk_app_id = 0;
  absl::string_view command_hint;  // CallbackCommand/WebhookCommand from the query; may be empty.
  absl::string_view body;          // The raw HTTP body.
  int64_t received_time_ms = 0;    // Used as event_time_ms when the body has no EventTime.
  absl::string_view client_ip;     // Query ClientIP; may be empty.
  absl::string_view opt_platform;  // Query OptPlatform; may be empty.
};

// Converts a callback. Errors:
//  - InvalidArgument: the body is not strict JSON or not an object, a field has the wrong type
//    (the message names the field path), the command is missing, or body and query disagree;
//  - FailedPrecondition: the body is a TRTC room/media callback (has EventGroupId;
//  https://trtc.io/document/39558).
// An unknown command is not an error: it yields the `unknown` payload; raw_body keeps everything.
// Thread-safe.
absl::StatusOr<liveevents::v1::Event> ConvertCallback(const CallbackInput& input);

// Every CallbackCommand ConvertCallback knows, in Tencent's spelling (for metric labels).
std::vector<absl::string_view> KnownCallbackCommands();

// Why a conversion failed, so that each kind can get its own ErrorCode in the HTTP answer.
enum class ConversionError {
  kOther,
  kMalformedJson,  // Not strict JSON, or not a JSON object.
  kFieldType,      // A field has a type Tencent never sends for it.
  kCommand,        // No command anywhere, or body and query disagree.
  kTrtcCallback,   // A TRTC room/media callback sent to the Live endpoint.
};
// The kind of a non-OK status returned by ConvertCallback.
ConversionError ClassifyConversionError(const absl::Status& status);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_TENCENT_CALLBACK_CONVERTER_H_
