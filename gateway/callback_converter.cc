#include "gateway/callback_converter.h"

#include <optional>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/json_reader.h"
#include "gateway/payload_converters.h"
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

// Every command of spec §2. Dispatch is on the command actually sent, never on the doc pages'
// URL tables, which name some commands wrongly (spec §6.16).
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

absl::Status Tagged(absl::Status status, ConversionError kind) {
  status.SetPayload(kErrorKindUrl, absl::Cord(absl::StrCat(static_cast<int>(kind))));
  return status;
}

// The body's CallbackCommand wins; the query is only a fallback (spec §1.4 says both carry it).
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
  if (!hint.empty()) return std::string(hint);
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
  const json body =
      json::parse(input.body.begin(), input.body.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return Tagged(absl::InvalidArgumentError("body is not valid JSON"),
                  ConversionError::kMalformedJson);
  }
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
  event.set_client_ip(std::string(input.client_ip));
  event.set_opt_platform(std::string(input.opt_platform));

  absl::Status status;
  JsonReader reader(body, "", &status);
  // EventTime is absent from CreateRoom's sample and from BeforeSendGift (spec §6.12).
  event.set_event_time_ms(reader.Int("EventTime").value_or(input.received_time_ms));
  if (PayloadConverter convert = FindConverter(*command)) {
    convert(reader, &event);
  } else {
    event.mutable_unknown();  // Acknowledged, never rejected (spec §2).
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
