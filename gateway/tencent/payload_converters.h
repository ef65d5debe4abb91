// The per-command halves of the callback converter: each fills one typed payload of the Event
// from the body, following the field tables of Tencent's per-command pages
// (listed at https://trtc.io/document/64413). They are wired up by the command table in
// callback_converter.cc; wrong types end up in the reader's status.
#ifndef LIVEEVENTS_GATEWAY_TENCENT_PAYLOAD_CONVERTERS_H_
#define LIVEEVENTS_GATEWAY_TENCENT_PAYLOAD_CONVERTERS_H_

#include "gateway/tencent/json_reader.h"
#include "liveevents/v1/events.pb.h"

namespace liveevents::gateway {

using PayloadConverter = void (*)(JsonReader& body, liveevents::v1::Event* event);

// Rooms and users (payloads_room.cc).
void ConvertCreateRoom(JsonReader& body, liveevents::v1::Event* event);
void ConvertDestroyRoom(JsonReader& body, liveevents::v1::Event* event);
void ConvertUpdateRoomInfo(JsonReader& body, liveevents::v1::Event* event);
void ConvertSetMetadata(JsonReader& body, liveevents::v1::Event* event);
void ConvertDelMetadata(JsonReader& body, liveevents::v1::Event* event);
void ConvertRoomCountThreshold(JsonReader& body, liveevents::v1::Event* event);
void ConvertMemberStateChanged(JsonReader& body, liveevents::v1::Event* event);
void ConvertChangeOwner(JsonReader& body, liveevents::v1::Event* event);
void ConvertModifyAdmin(JsonReader& body, liveevents::v1::Event* event);
void ConvertSeatInfoChanged(JsonReader& body, liveevents::v1::Event* event);

// Battles, gifts, messages and follows (payloads_battle_message.cc).
void ConvertCreateBattle(JsonReader& body, liveevents::v1::Event* event);
void ConvertStartBattle(JsonReader& body, liveevents::v1::Event* event);
void ConvertEndBattle(JsonReader& body, liveevents::v1::Event* event);
void ConvertBeforeSendGift(JsonReader& body, liveevents::v1::Event* event);
void ConvertBeforeSendMsg(JsonReader& body, liveevents::v1::Event* event);
void ConvertAfterSendMsg(JsonReader& body, liveevents::v1::Event* event);
void ConvertFollowAdd(JsonReader& body, liveevents::v1::Event* event);
void ConvertFollowDelete(JsonReader& body, liveevents::v1::Event* event);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_TENCENT_PAYLOAD_CONVERTERS_H_
