// Battle, gift, room-message and follow callbacks (field tables on Tencent's per-command
// pages, listed at https://trtc.io/document/64413).
#include "gateway/tencent/payload_converters.h"

namespace liveevents::gateway {
namespace {

using liveevents::v1::Event;

// FromRoomInfo is documented as a String but is an object (in real payloads); ToRoomList elements
// have the same members. Score only appears once the battle has ended.
void ReadBattleRoom(JsonReader& room, liveevents::v1::BattleRoom* out) {
  if (auto v = room.String("RoomId")) out->set_room_id(*v);
  if (auto v = room.Account("Owner_Account")) out->set_owner_account(*v);
  if (auto v = room.Int("Score")) out->set_score(*v);
}

template <typename Battle>
void ReadBattleRooms(JsonReader& body, Battle* battle) {
  if (std::optional<JsonReader> from = body.Object("FromRoomInfo")) {
    ReadBattleRoom(*from, battle->mutable_from_room());
  }
  body.ForEachObject("ToRoomList",
                     [battle](JsonReader& room) { ReadBattleRoom(room, battle->add_to_rooms()); });
}

void ReadGroupMessage(JsonReader& body, liveevents::v1::GroupMessage* p) {
  if (auto v = body.String("GroupId")) p->set_group_id(*v);
  if (auto v = body.String("Type")) p->set_type(*v);
  if (auto v = body.Account("From_Account")) p->set_from_account(*v);
  if (auto v = body.Account("Operator_Account")) p->set_operator_account(*v);
  if (auto v = body.Int("Random")) p->set_random(*v);
  if (auto v = body.String("MsgId")) p->set_msg_id(*v);
  if (auto v = body.Int("MsgSeq")) p->set_msg_seq(*v);
  if (auto v = body.Int("MsgTime")) p->set_msg_time(*v);
  body.ForEachObject("MsgBody", [p](JsonReader& element) {
    auto* e = p->add_msg_body();
    if (auto v = element.String("MsgType")) e->set_msg_type(*v);
    // MsgContent's shape depends on MsgType; it is kept as compact JSON for subscribers.
    if (auto v = element.JsonText("MsgContent")) e->set_msg_content_json(*v);
  });
  if (auto v = body.String("CloudCustomData")) p->set_cloud_custom_data(*v);
}

// Add sends FollowList:[{To_Account}], Delete sends To_Account:[string]. Both shapes
// are accepted for both commands so that a doc correction on either side does not lose data.
void ReadFollow(JsonReader& body, liveevents::v1::Follow* p) {
  if (auto v = body.Account("From_Account")) p->set_from_account(*v);
  body.ForEachObject("FollowList", [p](JsonReader& to) {
    if (auto v = to.Account("To_Account")) p->add_to_accounts(*v);
  });
  if (auto v = body.AccountArray("To_Account")) {
    p->mutable_to_accounts()->Add(v->begin(), v->end());
  }
}

}  // namespace

void ConvertCreateBattle(JsonReader& body, Event* event) {
  auto* p = event->mutable_create_battle();
  if (auto v = body.Account("Operator_Account")) p->set_operator_account(*v);
  if (auto v = body.String("BattleId")) p->set_battle_id(*v);
  if (auto v = body.String("FromRoomId")) p->set_from_room_id(*v);
  if (auto v = body.StringArray("ToRoomIdList")) {
    p->mutable_to_room_ids()->Add(v->begin(), v->end());
  }
  if (auto v = body.Int("Timeout")) p->set_timeout_ms(*v);
  if (auto v = body.Int("Duration")) p->set_duration_ms(*v);
  if (auto v = body.Bool("NeedResponse")) p->set_need_response(*v);
  if (auto v = body.String("ExtensionInfo")) p->set_extension_info(*v);
}

void ConvertStartBattle(JsonReader& body, Event* event) {
  auto* p = event->mutable_start_battle();
  if (auto v = body.String("BattleId")) p->set_battle_id(*v);
  if (auto v = body.Int("Duration")) p->set_duration_ms(*v);
  if (auto v = body.Int("CreateTime")) p->set_create_time(*v);
  if (auto v = body.Int("StartTime")) p->set_start_time(*v);
  ReadBattleRooms(body, p);
}

void ConvertEndBattle(JsonReader& body, Event* event) {
  auto* p = event->mutable_end_battle();
  if (auto v = body.String("BattleId")) p->set_battle_id(*v);
  if (auto v = body.Int("Duration")) p->set_duration_ms(*v);
  if (auto v = body.Int("CreateTime")) p->set_create_time(*v);
  if (auto v = body.Int("StartTime")) p->set_start_time(*v);
  if (auto v = body.Int("EndTime")) p->set_end_time(*v);
  // Upper-case integer `OpType`, unlike ModifyAdmin's string `opType`.
  if (auto v = body.Int("OpType")) p->set_op_type(*v);
  ReadBattleRooms(body, p);
}

void ConvertBeforeSendGift(JsonReader& body, Event* event) {
  auto* p = event->mutable_before_send_gift();
  if (auto v = body.Account("Operator_Account")) p->set_operator_account(*v);
  if (auto v = body.String("RoomId")) p->set_room_id(*v);
  if (std::optional<JsonReader> gift = body.Object("GiftWater")) {
    auto* g = p->mutable_gift();
    if (auto v = gift->Account("From_Account")) g->set_from_account(*v);
    if (auto v = gift->AccountArray("To_Account")) {
      g->mutable_to_accounts()->Add(v->begin(), v->end());
    }
    if (auto v = gift->Int("Time")) g->set_time(*v);
    if (auto v = gift->String("GiftId")) g->set_gift_id(*v);
    if (auto v = gift->Int("Count")) g->set_count(*v);
    if (auto v = gift->Int("Coins")) g->set_coins(*v);
  }
}

void ConvertBeforeSendMsg(JsonReader& body, Event* event) {
  ReadGroupMessage(body, event->mutable_before_send_msg());
}

void ConvertAfterSendMsg(JsonReader& body, Event* event) {
  ReadGroupMessage(body, event->mutable_after_send_msg());
}

void ConvertFollowAdd(JsonReader& body, Event* event) {
  ReadFollow(body, event->mutable_follow_add());
}

void ConvertFollowDelete(JsonReader& body, Event* event) {
  ReadFollow(body, event->mutable_follow_delete());
}

}  // namespace liveevents::gateway
