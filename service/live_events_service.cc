#include "service/live_events_service.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc_status.h"
#include "service/core/request_limits.h"
#include "service/page_token.h"

namespace liveevents::service {
namespace {

grpc::ServerUnaryReactor* FinishWith(grpc::CallbackServerContext* context,
                                     const grpc::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

// Fills one page from an id-ordered map, starting after the key in `page_token`: at most
// `page_size` items and at most kMaxPageBytes of them, so that no answer nears gRPC's 4 MiB.
template <typename Map, typename Keep, typename Add>
grpc::Status FillPage(const Map& map, const std::string& page_token, int64_t page_size, Keep keep,
                      Add add, std::string* next_page_token) {
  absl::StatusOr<std::string> after = DecodePageToken(page_token);
  if (!after.ok()) return ToGrpcStatus(after.status());
  absl::StatusOr<int> limit = PageSize(page_size, "page_size");
  if (!limit.ok()) return ToGrpcStatus(limit.status());
  PageBudget budget;
  int count = 0;
  for (auto it = after->empty() ? map.begin() : map.upper_bound(*after); it != map.end(); ++it) {
    if (!keep(it->second)) continue;
    if (count == *limit || !budget.Take(it->second.ByteSizeLong())) {
      *next_page_token = EncodePageToken(std::prev(it)->first);
      break;
    }
    add(it->second);
    ++count;
  }
  return grpc::Status::OK;
}

// INVALID_ARGUMENT for a value of an enum that the contract does not define.
template <typename IsValid>
grpc::Status CheckEnum(int value, IsValid is_valid, absl::string_view field) {
  if (is_valid(value)) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      absl::StrCat(field, ": ", value, " is not a defined value"));
}

}  // namespace

LiveEventsService::LiveEventsService(Journal& journal, EventStore& store, SubscriberHub& hub,
                                     CatchUpWorker& worker, SubscribeOptions subscribe_options)
    : journal_(journal),
      store_(store),
      hub_(hub),
      worker_(worker),
      subscribe_options_(subscribe_options) {}

grpc::ServerUnaryReactor* LiveEventsService::Publish(grpc::CallbackServerContext* context,
                                                     const v1::PublishRequest* request,
                                                     v1::PublishResponse* response) {
  if (!request->has_event() || request->event().command().empty()) {
    return FinishWith(
        context, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "event.command is required"));
  }
  v1::Event event = request->event();
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  if (event.received_time_ms() == 0) event.set_received_time_ms(now_ms);
  if (event.event_time_ms() == 0) event.set_event_time_ms(event.received_time_ms());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  journal_.Publish(std::move(event), [reactor, response](absl::StatusOr<PublishResult> result) {
    if (!result.ok()) {
      reactor->Finish(ToGrpcStatus(result.status()));
      return;
    }
    response->set_revision(result->revision);
    response->set_duplicate(result->duplicate);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerWriteReactor<v1::SubscribeResponse>* LiveEventsService::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) {
  return new SubscribeReactor(context, *request, journal_, store_, hub_, worker_,
                              subscribe_options_);
}

grpc::ServerUnaryReactor* LiveEventsService::GetRoom(grpc::CallbackServerContext* context,
                                                     const v1::GetRoomRequest* request,
                                                     v1::Room* response) {
  if (absl::Status status = CheckIdLength(request->room_id(), "room_id"); !status.ok()) {
    return FinishWith(context, ToGrpcStatus(status));
  }
  bool found = false;
  journal_.ReadState([&](const LiveState& state, uint64_t) {
    if (const v1::Room* room = state.FindRoom(request->room_id())) {
      *response = *room;
      found = true;
    }
  });
  if (found) return FinishWith(context, grpc::Status::OK);
  return FinishWith(context,
                    grpc::Status(grpc::StatusCode::NOT_FOUND,
                                 absl::StrCat("no room ", QuoteForError(request->room_id()))));
}

grpc::ServerUnaryReactor* LiveEventsService::ListRooms(grpc::CallbackServerContext* context,
                                                       const v1::ListRoomsRequest* request,
                                                       v1::ListRoomsResponse* response) {
  grpc::Status status = CheckEnum(request->status(), v1::RoomStatus_IsValid, "status");
  if (!status.ok()) return FinishWith(context, status);
  journal_.ReadState([&](const LiveState& state, uint64_t) {
    status = FillPage(
        state.rooms(), request->page_token(), request->page_size(),
        [&](const v1::Room& room) {
          return request->status() == v1::ROOM_STATUS_UNSPECIFIED ||
                 room.status() == request->status();
        },
        [&](const v1::Room& room) { *response->add_rooms() = room; },
        response->mutable_next_page_token());
  });
  return FinishWith(context, status);
}

grpc::ServerUnaryReactor* LiveEventsService::GetBattle(grpc::CallbackServerContext* context,
                                                       const v1::GetBattleRequest* request,
                                                       v1::Battle* response) {
  if (absl::Status status = CheckIdLength(request->battle_id(), "battle_id"); !status.ok()) {
    return FinishWith(context, ToGrpcStatus(status));
  }
  bool found = false;
  journal_.ReadState([&](const LiveState& state, uint64_t) {
    if (const v1::Battle* battle = state.FindBattle(request->battle_id())) {
      *response = *battle;
      found = true;
    }
  });
  if (found) return FinishWith(context, grpc::Status::OK);
  return FinishWith(context,
                    grpc::Status(grpc::StatusCode::NOT_FOUND,
                                 absl::StrCat("no battle ", QuoteForError(request->battle_id()))));
}

grpc::ServerUnaryReactor* LiveEventsService::ListBattles(grpc::CallbackServerContext* context,
                                                         const v1::ListBattlesRequest* request,
                                                         v1::ListBattlesResponse* response) {
  grpc::Status status = CheckEnum(request->state(), v1::BattleState_IsValid, "state");
  if (status.ok()) status = ToGrpcStatus(CheckIdLength(request->room_id(), "room_id"));
  if (!status.ok()) return FinishWith(context, status);
  journal_.ReadState([&](const LiveState& state, uint64_t) {
    status = FillPage(
        state.battles(), request->page_token(), request->page_size(),
        [&](const v1::Battle& battle) {
          return (request->state() == v1::BATTLE_STATE_UNSPECIFIED ||
                  battle.state() == request->state()) &&
                 (request->room_id().empty() || BattleInvolvesRoom(battle, request->room_id()));
        },
        [&](const v1::Battle& battle) { *response->add_battles() = battle; },
        response->mutable_next_page_token());
  });
  return FinishWith(context, status);
}

grpc::ServerUnaryReactor* LiveEventsService::ListEvents(grpc::CallbackServerContext* context,
                                                        const v1::ListEventsRequest* request,
                                                        v1::ListEventsResponse* response) {
  absl::StatusOr<int> limit = PageSize(request->limit(), "limit");
  if (!limit.ok()) return FinishWith(context, ToGrpcStatus(limit.status()));
  // Reading the store may wait on the disk: not on a gRPC thread.
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  worker_.Post([this, reactor, after = request->after_revision(), limit = *limit, response] {
    reactor->Finish(ReadEventsPage(after, limit, response));
  });
  return reactor;
}

grpc::Status LiveEventsService::ReadEventsPage(uint64_t after, int limit,
                                               v1::ListEventsResponse* response) const {
  const uint64_t head = store_.HeadRevision();
  if (absl::Status status = CheckResumePoint(after, store_.OldestRevision(), head); !status.ok()) {
    return ToGrpcStatus(status);
  }
  // Read in small steps, so that a page cut short by the byte budget reads little more than it
  // answers.
  constexpr size_t kReadStep = 64;
  PageBudget budget;
  uint64_t next_after = after;
  bool full = false;
  while (!full && response->events_size() < limit) {
    const size_t want = std::min<size_t>(kReadStep, limit - response->events_size());
    absl::StatusOr<std::vector<EventPtr>> events = store_.ReadAfter(next_after, want);
    if (!events.ok()) return ToGrpcStatus(events.status());
    for (const EventPtr& event : *events) {
      if (!budget.Take(event->ByteSizeLong())) {
        full = true;
        break;
      }
      *response->add_events() = *event;
      next_after = event->revision();
    }
    if (events->size() < want) break;  // Reached the head.
  }
  response->set_head_revision(std::max(head, next_after));
  response->set_next_after_revision(next_after);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* LiveEventsService::GetServerInfo(grpc::CallbackServerContext* context,
                                                           const v1::GetServerInfoRequest* request,
                                                           v1::ServerInfo* response) {
  response->set_head_revision(store_.HeadRevision());
  response->set_oldest_revision(store_.OldestRevision());
  response->set_store(store_.Kind());
  response->set_version(LIVEEVENTS_VERSION);
  response->set_uptime_seconds(absl::ToInt64Seconds(absl::Now() - started_));
  response->set_subscribers(static_cast<int64_t>(hub_.Size()));
  journal_.ReadState([&](const LiveState& state, uint64_t) {
    response->set_rooms(static_cast<int64_t>(state.rooms().size()));
    response->set_battles(static_cast<int64_t>(state.battles().size()));
  });
  return FinishWith(context, grpc::Status::OK);
}

}  // namespace liveevents::service
