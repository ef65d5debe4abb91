#include "gateway/tencent/callback_converter.h"

#include <optional>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/tencent/json_body.h"
#include "gateway/tencent/json_reader.h"
#include "gateway/tencent/payload_converters.h"
#include "gateway/tencent/utf8.h"
#include "nlohmann/json.hpp"

namespace liveevents::gateway {
namespace {

using liveevents::v1::Event;
using nlohmann::json;

constexpr absl::string_view kErrorKindUrl = "type.liveevents.dev/gateway.ConversionError";

struct CommandEntry {
  absl::string_view command;
  PayloadConverter convert;
};

// Every command of Tencent's list (https://trtc.io/document/64413). Dispatch is on the command
// actually sent, never on the doc pages' URL tables, which name some commands wrongly.
constexpr CommandEntry kCommands[] = {
    {"Live.CallbackAfterCreateRoom", ConvertCreateRoom},
    {"Live.CallbackAfterDestroyRoom", ConvertDestroyRoom},
    {"Live.CallbackAfterUpdateRoomInfo", ConvertUpdateRoomInfo},
    {"Live.CallbackAfterSetMetadata", ConvertSetMetadata},
    {"Live.CallbackAfterDelMetadata", ConvertDelMetadata},
    {"Live.CallbackAfterCreateRoomReachingThreshold", ConvertRoomCountThreshold},
    {"Live.CallbackAfterMemberStateChanged", ConvertMemberStateChanged},
    {"Live.CallbackAfterChangeOwner", ConvertChangeOwner},
    {"Live.CallbackAfterModifyAdmin", ConvertModifyAdmin},
    {"Mic.CallbackAfterSeatInfoChanged", ConvertSeatInfoChanged},
    {"Live.CallbackAfterCreateBattle", ConvertCreateBattle},
    {"Live.CallbackAfterStartBattle", ConvertStartBattle},
    {"Live.CallbackAfterEndBattle", ConvertEndBattle},
    {"Live.CallbackBeforeSendGift", ConvertBeforeSendGift},
    {"Group.CallbackBeforeSendMsg", ConvertBeforeSendMsg},
    {"Group.CallbackAfterSendMsg", ConvertAfterSendMsg},
    {"Follow.CallbackAfterFollowAdd", ConvertFollowAdd},
    {"Follow.CallbackAfterFollowDelete", ConvertFollowDelete},
};

}  // namespace

std::vector<absl::string_view> KnownCallbackCommands() {
  std::vector<absl::string_view> commands;
  for (const CommandEntry& entry : kCommands) commands.push_back(entry.command);
  return commands;
}

namespace {

absl::Status Tagged(absl::Status status, ConversionError kind) {
  status.SetPayload(kErrorKindUrl, absl::Cord(absl::StrCat(static_cast<int>(kind))));
  return status;
}

// The body's CallbackCommand wins; the query is only a fallback (Tencent sends it in both).
absl::StatusOr<std::string> ResolveCommand(const json& body, absl::string_view hint) {
  std::string from_body;
  const auto it = body.find("CallbackCommand");
  if (it != body.end() && !it->is_null()) {
    absl::Status status;
    std::optional<std::string> value = JsonToString(*it, "CallbackCommand", &status);
    if (!value.has_value()) return Tagged(status, ConversionError::kFieldType);
    from_body = std::move(*value);
  }
  if (!from_body.empty() && !hint.empty() && from_body != hint) {
    return Tagged(absl::InvalidArgumentError(absl::StrCat("CallbackCommand \"", from_body,
                                                          "\" in the body differs from \"", hint,
                                                          "\" in the query")),
                  ConversionError::kCommand);
  }
  if (!from_body.empty()) return from_body;
  if (!hint.empty()) {
    // The body's command went through the JSON parser's UTF-8 check; the query's did not, and the
    // command ends up in a proto3 string.
    if (!IsValidUtf8(hint)) {
      return Tagged(absl::InvalidArgumentError("CallbackCommand in the query is not valid UTF-8"),
                    ConversionError::kCommand);
    }
    return std::string(hint);
  }
  return Tagged(absl::InvalidArgumentError("CallbackCommand is missing from body and query"),
                ConversionError::kCommand);
}

PayloadConverter FindConverter(absl::string_view command) {
  for (const CommandEntry& entry : kCommands) {
    if (entry.command == command) return entry.convert;
  }
  return nullptr;
}

absl::StatusOr<Event> Convert(const CallbackInput& input) {
  // nlohmann's lexer reads a NUL byte as the end of input, so `{...}\0<anything>` would parse, and
  // the bytes after the NUL (the fuzzer found invalid UTF-8 there) would reach raw_body, a proto3
  // string the service then refuses to parse. Valid JSON text has no raw NUL and is UTF-8
  // (RFC 8259), so both are refused before parsing.
  if (input.body.find('\0') != absl::string_view::npos) {
    return Tagged(absl::InvalidArgumentError("body is not valid JSON: it contains a NUL byte"),
                  ConversionError::kMalformedJson);
  }
  if (!IsValidUtf8(input.body)) {
    return Tagged(absl::InvalidArgumentError("body is not valid JSON: it is not UTF-8"),
                  ConversionError::kMalformedJson);
  }
  // Depth-checked before parsing: a deeply nested MsgContent once overflowed the io thread's
  // stack in the (recursive) serialiser.
  absl::StatusOr<json> parsed = ParseJsonBody(input.body);
  if (!parsed.ok()) return Tagged(parsed.status(), ConversionError::kMalformedJson);
  const json& body = *parsed;
  if (!body.is_object()) {
    return Tagged(absl::InvalidArgumentError(
                      absl::StrCat("body must be a JSON object, got ", DescribeJson(body))),
                  ConversionError::kMalformedJson);
  }
  if (body.contains("EventGroupId")) {
    return Tagged(absl::FailedPreconditionError(
                      "TRTC room/media callback sent to the Live callback endpoint"),
                  ConversionError::kTrtcCallback);
  }
  absl::StatusOr<std::string> command = ResolveCommand(body, input.command_hint);
  if (!command.ok()) return command.status();

  Event event;
  event.set_sdk_app_id(input.sdk_app_id);
  event.set_command(*command);
  event.set_received_time_ms(input.received_time_ms);
  event.set_raw_body(std::string(input.body));
  // ClientIP and OptPlatform are only informational: bad bytes are replaced rather than failing
  // the callback.
  event.set_client_ip(ToValidUtf8(input.client_ip));
  event.set_opt_platform(ToValidUtf8(input.opt_platform));

  absl::Status status;
  JsonReader reader(body, "", &status);
  // EventTime is absent from CreateRoom's sample and from BeforeSendGift.
  event.set_event_time_ms(reader.Int("EventTime").value_or(input.received_time_ms));
  if (PayloadConverter convert = FindConverter(*command)) {
    convert(reader, &event);
  } else {
    event.mutable_unknown();  // Acknowledged, never rejected.
  }
  if (!status.ok()) return Tagged(status, ConversionError::kFieldType);
  return event;
}

}  // namespace

absl::StatusOr<Event> ConvertCallback(const CallbackInput& input) {
  // The converters use only non-throwing nlohmann calls; this guard keeps the promise that no
  // exception leaves this file even if one slips in.
  try {
    return Convert(input);
  } catch (const json::exception& e) {
    return absl::InternalError(absl::StrCat("JSON conversion failed: ", e.what()));
  }
}

ConversionError ClassifyConversionError(const absl::Status& status) {
  const auto payload = status.GetPayload(kErrorKindUrl);
  if (!payload.has_value()) return ConversionError::kOther;
  int kind = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &kind)) return ConversionError::kOther;
  switch (static_cast<ConversionError>(kind)) {
    case ConversionError::kMalformedJson:
    case ConversionError::kFieldType:
    case ConversionError::kCommand:
    case ConversionError::kTrtcCallback:
      return static_cast<ConversionError>(kind);
    default:
      return ConversionError::kOther;
  }
}

}  // namespace liveevents::gateway
