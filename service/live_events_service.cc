#include "service/live_events_service.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/grpc_status.h"
#include "common/publish_limits.h"
#include "service/core/battle_order.h"
#include "service/core/event_keys.h"
#include "service/core/publish_rules.h"
#include "service/core/request_limits.h"
#include "service/page_token.h"
#include "service/publish_batch_call.h"

namespace liveevents::service {
namespace {

// A stream refused before it started.
class FinishedStream : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit FinishedStream(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

// The longest a read with min_revision waits, whatever its deadline.
constexpr absl::Duration kMaxMinRevisionWait = absl::Seconds(60);

grpc::ServerUnaryReactor* FinishWith(grpc::CallbackServerContext* context,
                                     const grpc::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

// Fills one page from a map keyed by (sdk_app_id, id), starting after the key in `page_token`;
// `sdk_app_id` 0 pages every app, any other value only that app's range of the map. A page holds
// at most `page_size` items and at most kMaxPageBytes of them, so no answer nears gRPC's 4 MiB.
// `size` gives an item's public size.
template <typename Map, typename Keep, typename Add, typename Size>
grpc::Status FillPage(const Map& map, uint64_t sdk_app_id, const std::string& page_token,
                      int64_t page_size, Keep keep, Add add, Size size,
                      std::string* next_page_token) {
  auto after = DecodeAppKeyPageToken(page_token);
  if (!after.ok()) return ToGrpcStatus(after.status());
  absl::StatusOr<int> limit = PageSize(page_size, "page_size");
  if (!limit.ok()) return ToGrpcStatus(limit.status());
  PageBudget budget;
  const EntityKey first(sdk_app_id, "");
  auto it = map.lower_bound(first);
  if (after->has_value() && **after >= first) it = map.upper_bound(**after);
  int count = 0;
  for (; it != map.end(); ++it) {
    if (sdk_app_id != 0 && it->first.first != sdk_app_id) break;
    if (!keep(it->second)) continue;
    if (count == *limit || !budget.Take(size(it->second))) {
      const EntityKey& last = std::prev(it)->first;
      *next_page_token = EncodeAppKeyPageToken(last.first, last.second);
      break;
    }
    add(it->second);
    ++count;
  }
  return grpc::Status::OK;
}

// Which app a Get names: `requested` itself, or, when it is 0, the only app in `apps` (the apps
// that have an entity with this id). Several apps make the request ambiguous.
absl::StatusOr<uint64_t> ResolveApp(uint64_t requested, const std::vector<uint64_t>& apps,
                                    absl::string_view kind, const std::string& id) {
  if (requested != 0) return requested;
  if (apps.empty()) return absl::NotFoundError(absl::StrCat("no ", kind, " ", QuoteForError(id)));
  if (apps.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat("apps ", absl::StrJoin(apps, ", "),
                                                   " each have a ", kind, " ", QuoteForError(id),
                                                   "; set sdk_app_id"));
  }
  return apps.front();
}

// The room a Get names: its app resolved as ResolveApp does, NOT_FOUND when it has none.
absl::StatusOr<const RoomRecord*> ResolveRoom(const LiveState& state, uint64_t sdk_app_id,
                                              const std::string& room_id) {
  absl::StatusOr<uint64_t> app =
      ResolveApp(sdk_app_id, state.AppsWithRoom(room_id), "room", room_id);
  if (!app.ok()) return app.status();
  const RoomRecord* record = state.FindRoomRecord(*app, room_id);
  if (record == nullptr) {
    return absl::NotFoundError(absl::StrCat("no room ", QuoteForError(room_id), " in app ", *app));
  }
  return record;
}

// INVALID_ARGUMENT for a value of an enum that the contract does not define.
template <typename IsValid>
grpc::Status CheckEnum(int value, IsValid is_valid, absl::string_view field) {
  if (is_valid(value)) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      absl::StrCat(field, ": ", value, " is not a defined value"));
}

}  // namespace

grpc::ServerUnaryReactor* LiveEventsService::ReadAt(grpc::CallbackServerContext* context,
                                                    uint64_t min_revision,
                                                    absl::AnyInvocable<grpc::Status() &&> read) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (min_revision <= journal_.AppliedRevision()) {
    reactor->Finish(std::move(read)());
    return reactor;
  }
  // Never a wait on a gRPC thread: the read runs from the journal's thread once it applied the
  // revision, or the call ends at its deadline (capped, so a call without one cannot linger).
  const absl::Time deadline =
      std::min(absl::FromChrono(context->deadline()), absl::Now() + kMaxMinRevisionWait);
  waiter_.Wait(min_revision, deadline,
               [reactor, read = std::move(read)](absl::Status status) mutable {
                 reactor->Finish(status.ok() ? std::move(read)() : ToGrpcStatus(status));
               });
  return reactor;
}

LiveEventsService::LiveEventsService(EventJournal& journal, EventStore& store, SubscriberHub& hub,
                                     CatchUpWorker& worker, RevisionWaiter& waiter,
                                     SubscribeOptions subscribe_options,
                                     PublishAuthorizer publish_authorizer)
    : journal_(journal),
      waiter_(waiter),
      store_(store),
      hub_(hub),
      worker_(worker),
      subscribe_options_(subscribe_options),
      publish_authorizer_(std::move(publish_authorizer)) {}

grpc::ServerUnaryReactor* LiveEventsService::Publish(grpc::CallbackServerContext* context,
                                                     const v1::PublishRequest* request,
                                                     v1::PublishResponse* response) {
  if (absl::Status status =
          publish_authorizer_.Check(context->client_metadata(), context->auth_context().get());
      !status.ok()) {
    return FinishWith(context, ToGrpcStatus(status));
  }
  if (absl::Status status = CheckPublishable(request->event()); !status.ok()) {
    return FinishWith(context, ToGrpcStatus(status));
  }
  v1::Event event = request->event();
  FillPublishTimes(absl::ToUnixMillis(absl::Now()), event);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  journal_.Publish(std::move(event), [reactor, response](absl::StatusOr<PublishResult> result) {
    if (!result.ok()) {
      reactor->Finish(ToGrpcStatus(result.status()));
      return;
    }
    response->set_revision(result->revision);
    response->set_duplicate(result->duplicate);
    response->set_stale(result->stale);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* LiveEventsService::PublishBatch(grpc::CallbackServerContext* context,
                                                          const v1::PublishBatchRequest* request,
                                                          v1::PublishBatchResponse* response) {
  if (absl::Status status =
          publish_authorizer_.Check(context->client_metadata(), context->auth_context().get());
      !status.ok()) {
    return FinishWith(context, ToGrpcStatus(status));
  }
  const auto count = static_cast<size_t>(request->events_size());
  if (count > kMaxPublishBatchEvents) {
    return FinishWith(
        context, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              absl::StrCat("PublishBatch takes at most ", kMaxPublishBatchEvents,
                                           " events, not ", count)));
  }
  // All checked before any is journaled: a bad event refuses its whole batch.
  for (size_t i = 0; i < count; ++i) {
    if (absl::Status status = CheckPublishable(request->events(static_cast<int>(i)));
        !status.ok()) {
      return FinishWith(context,
                        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                     absl::StrCat("events[", i, "]: ", status.message(),
                                                  "; nothing in this batch was journaled")));
    }
  }
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  std::vector<v1::Event> events(request->events().begin(), request->events().end());
  for (v1::Event& event : events) FillPublishTimes(now_ms, event);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  JournalBatch(journal_, std::move(events), reactor, response);
  return reactor;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* LiveEventsService::Subscribe(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  // Raw method: the request arrives as bytes and is parsed here, as gRPC would have.
  std::vector<grpc::Slice> slices;
  std::string bytes;
  v1::SubscribeRequest parsed;
  if (!request->Dump(&slices).ok()) {
    return new FinishedStream(
        grpc::Status(grpc::StatusCode::INTERNAL, "the SubscribeRequest could not be read"));
  }
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  if (!parsed.ParseFromString(bytes)) {
    return new FinishedStream(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the SubscribeRequest does not parse"));
  }
  return new SubscribeReactor(context, parsed, journal_, store_, hub_, worker_, waiter_,
                              subscribe_options_);
}

grpc::ServerUnaryReactor* LiveEventsService::GetRoom(grpc::CallbackServerContext* context,
                                                     const v1::GetRoomRequest* request,
                                                     v1::Room* response) {
  absl::Status status = CheckIdLength(request->room_id(), "room_id");
  if (!status.ok()) return FinishWith(context, ToGrpcStatus(status));
  return ReadAt(context, request->min_revision(), [this, request, response, status]() mutable {
    journal_.ReadState([&](const LiveState& state, uint64_t) {
      absl::StatusOr<const RoomRecord*> record =
          ResolveRoom(state, request->sdk_app_id(), request->room_id());
      if (record.ok()) {
        *response = *(*record)->room;
      } else {
        status = record.status();
      }
    });
    return ToGrpcStatus(status);
  });
}

grpc::ServerUnaryReactor* LiveEventsService::ListRooms(grpc::CallbackServerContext* context,
                                                       const v1::ListRoomsRequest* request,
                                                       v1::ListRoomsResponse* response) {
  grpc::Status status = CheckEnum(request->status(), v1::RoomStatus_IsValid, "status");
  if (!status.ok()) return FinishWith(context, status);
  return ReadAt(context, request->min_revision(), [this, request, response, status]() mutable {
    journal_.ReadState([&](const LiveState& state, uint64_t) {
      status = FillPage(
          state.rooms(), request->sdk_app_id(), request->page_token(), request->page_size(),
          [&](const RoomRecord& record) {
            return request->status() == v1::ROOM_STATUS_UNSPECIFIED ||
                   record.room->status() == request->status();
          },
          [&](const RoomRecord& record) { *response->add_rooms() = *record.room; },
          [](const RoomRecord& record) { return record.room->ByteSizeLong(); },
          response->mutable_next_page_token());
    });
    return status;
  });
}

grpc::ServerUnaryReactor* LiveEventsService::ListRoomMembers(
    grpc::CallbackServerContext* context, const v1::ListRoomMembersRequest* request,
    v1::ListRoomMembersResponse* response) {
  // Accounts are short: pages are larger than for rooms, and still under the byte budget.
  absl::StatusOr<int> limit =
      PageSize(request->page_size(), "page_size", {.default_size = 1000, .max_size = 10000});
  if (!limit.ok()) return FinishWith(context, ToGrpcStatus(limit.status()));
  if (absl::Status status = CheckIdLength(request->room_id(), "room_id"); !status.ok()) {
    return FinishWith(context, ToGrpcStatus(status));
  }
  absl::StatusOr<std::string> after = DecodePageToken(request->page_token());
  if (!after.ok()) return FinishWith(context, ToGrpcStatus(after.status()));
  absl::Status status;
  return ReadAt(context, request->min_revision(),
                [this, request, response, status, limit, after]() mutable {
                  journal_.ReadState([&](const LiveState& state, uint64_t) {
                    absl::StatusOr<const RoomRecord*> record =
                        ResolveRoom(state, request->sdk_app_id(), request->room_id());
                    if (!record.ok()) {
                      status = record.status();
                      return;
                    }
                    // The online set is ordered by account, so a page continues exactly after the
                    // last account of the previous one even while members come and go.
                    const auto& online = (*record)->online;
                    PageBudget budget;
                    int count = 0;
                    for (auto it = after->empty() ? online.begin() : online.upper_bound(*after);
                         it != online.end(); ++it) {
                      if (count == *limit || !budget.Take(it->first.size())) {
                        response->set_next_page_token(EncodePageToken(std::prev(it)->first));
                        break;
                      }
                      response->add_member_accounts(it->first);
                      ++count;
                    }
                  });
                  return ToGrpcStatus(status);
                });
}

grpc::ServerUnaryReactor* LiveEventsService::GetBattle(grpc::CallbackServerContext* context,
                                                       const v1::GetBattleRequest* request,
                                                       v1::Battle* response) {
  absl::Status status = CheckIdLength(request->battle_id(), "battle_id");
  if (!status.ok()) return FinishWith(context, ToGrpcStatus(status));
  return ReadAt(context, request->min_revision(), [this, request, response, status]() mutable {
    journal_.ReadState([&](const LiveState& state, uint64_t) {
      absl::StatusOr<uint64_t> app =
          ResolveApp(request->sdk_app_id(), state.AppsWithBattle(request->battle_id()), "battle",
                     request->battle_id());
      const v1::Battle* battle = app.ok() ? state.FindBattle(*app, request->battle_id()) : nullptr;
      if (battle != nullptr) {
        *response = *battle;
      } else {
        status = app.ok()
                     ? absl::NotFoundError(absl::StrCat(
                           "no battle ", QuoteForError(request->battle_id()), " in app ", *app))
                     : app.status();
      }
    });
    return ToGrpcStatus(status);
  });
}

grpc::ServerUnaryReactor* LiveEventsService::ListBattles(grpc::CallbackServerContext* context,
                                                         const v1::ListBattlesRequest* request,
                                                         v1::ListBattlesResponse* response) {
  grpc::Status status = CheckEnum(request->state(), v1::BattleState_IsValid, "state");
  if (status.ok()) {
    status = CheckEnum(request->order(), v1::ListBattlesRequest::Order_IsValid, "order");
  }
  if (status.ok()) status = ToGrpcStatus(CheckIdLength(request->room_id(), "room_id"));
  if (!status.ok()) return FinishWith(context, status);
  auto keep = [request](const v1::Battle& battle) {
    return (request->state() == v1::BATTLE_STATE_UNSPECIFIED ||
            battle.state() == request->state()) &&
           // A battle's rooms are of the battle's own app, so this matches within it.
           (request->room_id().empty() || BattleInvolvesRoom(battle, request->room_id())) &&
           (!request->has_overdue() || battle.overdue() == request->overdue());
  };
  return ReadAt(
      context, request->min_revision(), [this, request, response, status, keep]() mutable {
        if (request->order() == v1::ListBattlesRequest::ORDER_NEWEST_FIRST) {
          return ListBattlesNewestFirst(*request, keep, response);
        }
        journal_.ReadState([&](const LiveState& state, uint64_t) {
          status = FillPage(
              state.battles(), request->sdk_app_id(), request->page_token(), request->page_size(),
              [&](const BattleRecord& record) { return keep(*record.battle); },
              [&](const BattleRecord& record) { *response->add_battles() = *record.battle; },
              [](const BattleRecord& record) { return record.battle->ByteSizeLong(); },
              response->mutable_next_page_token());
        });
        return status;
      });
}

grpc::Status LiveEventsService::ListBattlesNewestFirst(
    const v1::ListBattlesRequest& request, absl::FunctionRef<bool(const v1::Battle&)> keep,
    v1::ListBattlesResponse* response) const {
  absl::StatusOr<std::optional<BattlePosition>> after =
      DecodeNewestFirstPageToken(request.page_token());
  if (!after.ok()) return ToGrpcStatus(after.status());
  absl::StatusOr<int> limit = PageSize(request.page_size(), "page_size");
  if (!limit.ok()) return ToGrpcStatus(limit.status());
  journal_.ReadState([&](const LiveState& state, uint64_t) {
    const BattlePage page =
        NewestFirstPage(state.battles(), request.sdk_app_id(), *after, *limit, keep);
    for (const v1::Battle* battle : page.battles) *response->add_battles() = *battle;
    if (page.more && !page.battles.empty()) {
      response->set_next_page_token(EncodeNewestFirstPageToken(PositionOf(*page.battles.back())));
    }
  });
  return grpc::Status::OK;
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
