// Room, user and seat callbacks (field tables on Tencent's per-command pages, listed at
// https://trtc.io/document/64413).
#include "gateway/tencent/payload_converters.h"

namespace liveevents::gateway {
namespace {

using liveevents::v1::Event;

// RoomInfo is shared by CreateRoom, DestroyRoom and UpdateRoomInfo. Its fields are proto3
// `optional`, so a key Tencent left out stays distinguishable from a zero value. The message itself
// is created only when the body has RoomInfo: older DestroyRoom payloads have none,
// and subscribers must be able to tell that from an empty snapshot.
template <typename Payload>
void ReadRoomInfo(JsonReader& body, Payload* payload) {
  std::optional<JsonReader> room = body.Object("RoomInfo");
  if (!room.has_value()) return;
  liveevents::v1::RoomInfo* info = payload->mutable_room_info();
  if (auto v = room->String("RoomId")) info->set_room_id(*v);
  if (auto v = room->String("RoomName")) info->set_room_name(*v);
  if (auto v = room->String("RoomType")) info->set_room_type(*v);
  if (auto v = room->Account("Owner_Account")) info->set_owner_account(*v);
  if (auto v = room->Int("MaxMemberCount")) info->set_max_member_count(*v);
  if (auto v = room->Bool("IsMessageDisabled")) info->set_is_message_disabled(*v);
  if (auto v = room->String("CustomInfo")) info->set_custom_info(*v);
  if (auto v = room->Bool("IsSeatEnabled")) info->set_is_seat_enabled(*v);
  if (auto v = room->String("TakeSeatMode")) info->set_take_seat_mode(*v);
  if (auto v = room->Int("MaxSeatCount")) info->set_max_seat_count(*v);
  if (auto v = room->Int("CreateTime")) info->set_create_time(*v);
  if (auto v = room->Bool("IsPublicVisible")) info->set_is_public_visible(*v);
  if (auto v = room->String("CoverURL")) info->set_cover_url(*v);
  if (auto v = room->String("BackgroundURL")) info->set_background_url(*v);
  if (auto v = room->IntArray("Category")) {
    info->mutable_category()->mutable_values()->Add(v->begin(), v->end());
  }
  if (auto v = room->Int("ActivityStatus")) info->set_activity_status(*v);
  if (auto v = room->Int("ViewCount")) info->set_view_count(*v);
  if (auto v = room->Bool("IsUnlimitedRoomEnabled")) info->set_is_unlimited_room_enabled(*v);
}

template <typename Repeated>
void AddAll(const std::optional<std::vector<std::string>>& values, Repeated* out) {
  if (values.has_value()) out->Add(values->begin(), values->end());
}

}  // namespace

void ConvertCreateRoom(JsonReader& body, Event* event) {
  auto* p = event->mutable_create_room();
  if (auto v = body.Account("Operator_Account")) p->set_operator_account(*v);
  ReadRoomInfo(body, p);
}

void ConvertDestroyRoom(JsonReader& body, Event* event) {
  auto* p = event->mutable_destroy_room();
  if (auto v = body.Account("Operator_Account")) p->set_operator_account(*v);
  if (auto v = body.String("RoomId")) p->set_room_id(*v);
  if (auto v = body.String("EventType")) p->set_event_type(*v);
  ReadRoomInfo(body, p);
  // Statistic is only in newer docs and was absent from a real 2025 payload.
  if (std::optional<JsonReader> stat = body.Object("Statistic")) {
    auto* s = p->mutable_statistic();
    if (auto v = stat->Int("TotalViewers")) s->set_total_viewers(*v);
    if (auto v = stat->Int("TotalGiftsSent")) s->set_total_gifts_sent(*v);
    if (auto v = stat->Int("TotalGiftCoins")) s->set_total_gift_coins(*v);
    if (auto v = stat->Int("TotalUniqueGiftSenders")) s->set_total_unique_gift_senders(*v);
    if (auto v = stat->Int("TotalLikesReceived")) s->set_total_likes_received(*v);
  }
}

void ConvertUpdateRoomInfo(JsonReader& body, Event* event) {
  auto* p = event->mutable_update_room_info();
  if (auto v = body.Account("Operator_Account")) p->set_operator_account(*v);
  ReadRoomInfo(body, p);
}

void ConvertSetMetadata(JsonReader& body, Event* event) {
  auto* p = event->mutable_set_metadata();
  if (auto v = body.Account("Operator_Account")) p->set_operator_account(*v);
  if (auto v = body.String("RoomId")) p->set_room_id(*v);
  body.ForEachObject("Metadata", [p](JsonReader& entry) {
    auto* m = p->add_metadata();
    if (auto v = entry.String("Key")) m->set_key(*v);
    if (auto v = entry.String("Value")) m->set_value(*v);
  });
}

void ConvertDelMetadata(JsonReader& body, Event* event) {
  auto* p = event->mutable_del_metadata();
  if (auto v = body.Account("Operator_Account")) p->set_operator_account(*v);
  if (auto v = body.String("RoomId")) p->set_room_id(*v);
  AddAll(body.StringArray("Keys"), p->mutable_keys());
}

void ConvertRoomCountThreshold(JsonReader& body, Event* event) {
  auto* p = event->mutable_room_count_threshold();
  if (auto v = body.Account("Operator_Account")) p->set_operator_account(*v);
  // Typed String and Array in the doc, integers in the sample: Int takes both forms.
  if (auto v = body.Int("CurRoomCount")) p->set_cur_room_count(*v);
  if (auto v = body.Int("MaxRoomCount")) p->set_max_room_count(*v);
}

void ConvertMemberStateChanged(JsonReader& body, Event* event) {
  auto* p = event->mutable_member_state_changed();
  if (auto v = body.String("RoomId")) p->set_room_id(*v);
  if (auto v = body.String("EventType")) p->set_event_type(*v);
  if (auto v = body.String("EventCause")) p->set_event_cause(*v);
  body.ForEachObject("MemberList", [p](JsonReader& member) {
    if (auto v = member.Account("Member_Account")) p->add_member_accounts(*v);
  });
}

void ConvertChangeOwner(JsonReader& body, Event* event) {
  auto* p = event->mutable_change_owner();
  if (auto v = body.String("RoomId")) p->set_room_id(*v);
  if (auto v = body.Account("Operator_Account")) p->set_operator_account(*v);
  if (auto v = body.Account("CurrentOwner_Account")) p->set_current_owner_account(*v);
  if (auto v = body.Account("OriginalOwner_Account")) p->set_original_owner_account(*v);
}

void ConvertModifyAdmin(JsonReader& body, Event* event) {
  auto* p = event->mutable_modify_admin();
  if (auto v = body.String("RoomId")) p->set_room_id(*v);
  if (auto v = body.Account("Operator_Account")) p->set_operator_account(*v);
  AddAll(body.AccountArray("Admin_Account"), p->mutable_admin_accounts());
  // Lower-case `opType` holding "add"/"delete", unlike EndBattle's integer `OpType`.
  if (auto v = body.String("opType")) p->set_op_type(*v);
}

void ConvertSeatInfoChanged(JsonReader& body, Event* event) {
  auto* p = event->mutable_seat_info_changed();
  if (auto v = body.Account("Operator_Account")) p->set_operator_account(*v);
  if (auto v = body.String("RoomId")) p->set_room_id(*v);
  body.ForEachObject("SeatList", [p](JsonReader& seat_json) {
    auto* seat = p->add_seats();
    if (auto v = seat_json.Int("Index")) seat->set_index(*v);
    // An empty seat has no Member_Account (Live page) or "" (Room-kit page); both stay "".
    if (auto v = seat_json.Account("Member_Account")) seat->set_member_account(*v);
    if (auto v = seat_json.Bool("IsTakenDisabled")) seat->set_is_taken_disabled(*v);
    if (auto v = seat_json.Bool("IsVideoDisabled")) seat->set_is_video_disabled(*v);
    if (auto v = seat_json.Bool("IsAudioDisabled")) seat->set_is_audio_disabled(*v);
  });
}

}  // namespace liveevents::gateway
