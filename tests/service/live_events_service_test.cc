// The LiveEvents service in-process: publish, dedup, queries, paging, reflection and health; on
// the memory store and on Redis.
#include "service/live_events_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "tests/testing/store_param_fixture.h"

namespace liveevents::testing {
namespace {

using LiveEventsServiceTest = StoreParamFixture;

TEST_P(LiveEventsServiceTest, PublishAssignsDenseRevisionsAndAnswersDuplicates) {
  EXPECT_EQ(Publish(MakeCreateRoom("r1")).revision(), 1u);
  EXPECT_EQ(Publish(MakeCreateRoom("r2")).revision(), 2u);

  v1::PublishResponse again = Publish(MakeCreateRoom("r1"));
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.revision(), 1u);

  v1::ListEventsRequest request;
  v1::ListEventsResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->ListEvents(&context, request, &response).ok());
  ASSERT_EQ(response.events_size(), 2);
  EXPECT_EQ(response.head_revision(), 2u);
  EXPECT_EQ(response.events(0).dedup_key().size(), 64u);
}

TEST_P(LiveEventsServiceTest, PublishAnswersStaleForAnEventOlderThanItsState) {
  EXPECT_FALSE(Publish(MakeCreateRoom("s", /*event_time_ms=*/5000)).stale());
  const v1::PublishResponse older = Publish(MakeCreateRoom("s", /*event_time_ms=*/4000));
  EXPECT_FALSE(older.duplicate());
  // The Redis journal decides staleness when it folds, after answering (see the proto).
  EXPECT_EQ(older.stale(), GetParam() != "redis");
}

TEST_P(LiveEventsServiceTest, PublishIgnoresADedupKeySentByThePublisher) {
  const v1::PublishResponse a = Publish(MakeCreateRoom("room-a"));
  v1::Event b = MakeCreateRoom("room-b");  // A different body...
  v1::ListEventsResponse listed;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListEvents(&context, v1::ListEventsRequest(), &listed).ok());
  }
  ASSERT_EQ(listed.events_size(), 1);
  b.set_dedup_key(listed.events(0).dedup_key());  // ...claiming to be A's retry.

  const v1::PublishResponse published = Publish(b);
  EXPECT_FALSE(published.duplicate());
  EXPECT_EQ(published.revision(), a.revision() + 1);

  v1::GetRoomRequest request;
  request.set_room_id("room-b");
  v1::Room room;
  grpc::ClientContext context;
  EXPECT_TRUE(stub_->GetRoom(&context, request, &room).ok());
}

TEST_P(LiveEventsServiceTest, PublishRejectsAnEventWithoutCommand) {
  v1::PublishRequest request;
  v1::PublishResponse response;
  grpc::ClientContext context;
  EXPECT_EQ(stub_->Publish(&context, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(LiveEventsServiceTest, GetRoomAndBattleReflectPublishedEvents) {
  Publish(MakeCreateRoom("r1"));
  Publish(MakeStartBattle("b1", "r1", "r2"));

  v1::GetRoomRequest room_request;
  room_request.set_room_id("r1");
  v1::Room room;
  grpc::ClientContext room_context;
  ASSERT_TRUE(stub_->GetRoom(&room_context, room_request, &room).ok());
  EXPECT_EQ(room.owner_account(), "owner-r1");
  EXPECT_EQ(room.status(), v1::ROOM_STATUS_ACTIVE);

  v1::GetBattleRequest battle_request;
  battle_request.set_battle_id("b1");
  v1::Battle battle;
  grpc::ClientContext battle_context;
  ASSERT_TRUE(stub_->GetBattle(&battle_context, battle_request, &battle).ok());
  EXPECT_EQ(battle.state(), v1::BATTLE_STATE_STARTED);
}

TEST_P(LiveEventsServiceTest, UnknownRoomAndBattleAreNotFound) {
  v1::GetRoomRequest room_request;
  room_request.set_room_id("nope");
  v1::Room room;
  grpc::ClientContext room_context;
  EXPECT_EQ(stub_->GetRoom(&room_context, room_request, &room).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::GetBattleRequest battle_request;
  battle_request.set_battle_id("nope");
  v1::Battle battle;
  grpc::ClientContext battle_context;
  EXPECT_EQ(stub_->GetBattle(&battle_context, battle_request, &battle).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_P(LiveEventsServiceTest, ListRoomsPagesThroughEveryRoomOnce) {
  for (int i = 0; i < 5; ++i) Publish(MakeCreateRoom(absl::StrCat("room-", i)));
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    v1::ListRoomsRequest request;
    request.set_page_size(2);
    request.set_page_token(token);
    v1::ListRoomsResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListRooms(&context, request, &response).ok());
    for (const v1::Room& room : response.rooms()) EXPECT_TRUE(seen.insert(room.room_id()).second);
    token = response.next_page_token();
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(pages, 3);
}

TEST_P(LiveEventsServiceTest, ListRoomsRejectsAForeignPageToken) {
  v1::ListRoomsRequest request;
  request.set_page_token("not a token");
  v1::ListRoomsResponse response;
  grpc::ClientContext context;
  EXPECT_EQ(stub_->ListRooms(&context, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(LiveEventsServiceTest, ListBattlesFiltersByRoomAndState) {
  Publish(MakeStartBattle("b1", "r1", "r2"));
  Publish(MakeStartBattle("b2", "r3", "r4"));
  v1::ListBattlesRequest request;
  request.set_room_id("r2");
  request.set_state(v1::BATTLE_STATE_STARTED);
  v1::ListBattlesResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->ListBattles(&context, request, &response).ok());
  ASSERT_EQ(response.battles_size(), 1);
  EXPECT_EQ(response.battles(0).battle_id(), "b1");
}

TEST_P(LiveEventsServiceTest, EverySubscriberSeesOneBattleOverdueAndListBattlesFiltersByIt) {
  std::atomic<int64_t> now_ms{0};
  service::ServerOptions options;
  options.journal.clock = [&now_ms] { return absl::FromUnixMillis(now_ms.load()); };
  options.journal.battle_grace = absl::Seconds(1);
  options.journal.overdue_check_interval = absl::Hours(24);  // Only when the test asks.
  StartServer(options);
  Stream first(*stub_, v1::SubscribeRequest());
  Stream second(*stub_, v1::SubscribeRequest());
  v1::Event start = MakeStartBattle("b1", "r1", "r2");
  start.mutable_start_battle()->set_start_time(100);
  start.mutable_start_battle()->set_duration_ms(1000);
  Publish(start);
  Publish(MakeStartBattle("b2", "r3", "r4"));  // No start time: never overdue.

  now_ms = 102'000;  // start_time + duration + grace.
  server_->journal().RunMaintenanceForTest();
  server_->journal().RunMaintenanceForTest();
  Publish(MakeCreateRoom("after"));  // A marker: everything before it has been delivered.
  for (Stream* stream : {&first, &second}) {
    std::vector<v1::Event> events = stream->NextEvents(4);
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[2].command(), "LiveEvents.BattleOverdue");
    EXPECT_EQ(events[2].battle_overdue().battle_id(), "b1");
    EXPECT_EQ(events[2].revision(), 3u);
    EXPECT_EQ(events[3].revision(), 4u);
  }

  auto list = [this](std::optional<bool> overdue) {
    v1::ListBattlesRequest request;
    if (overdue.has_value()) request.set_overdue(*overdue);
    v1::ListBattlesResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->ListBattles(&context, request, &response).ok());
    std::vector<std::string> ids;
    for (const v1::Battle& battle : response.battles()) ids.push_back(battle.battle_id());
    return ids;
  };
  EXPECT_EQ(list(true), std::vector<std::string>{"b1"});
  EXPECT_EQ(list(false), std::vector<std::string>{"b2"});
  EXPECT_EQ(list(std::nullopt), (std::vector<std::string>{"b1", "b2"}));
}

TEST_P(LiveEventsServiceTest, PublishRefusesABattleOverdueFromOutside) {
  v1::PublishRequest request;
  request.mutable_event()->set_sdk_app_id(1400000001);
  request.mutable_event()->set_command("LiveEvents.BattleOverdue");
  request.mutable_event()->mutable_battle_overdue()->set_battle_id("b1");
  v1::PublishResponse response;
  grpc::ClientContext context;
  EXPECT_EQ(stub_->Publish(&context, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

constexpr uint64_t kAppA = 1400000001;  // The fixture's default app.
constexpr uint64_t kAppB = 1400000002;

// The same room id posted by two apps, each with its own owner.
v1::Event CreateRoomWithOwner(uint64_t sdk_app_id, const std::string& room_id,
                              const std::string& owner) {
  v1::Event event = InApp(sdk_app_id, MakeCreateRoom(room_id));
  event.mutable_create_room()->mutable_room_info()->set_owner_account(owner);
  return event;
}

TEST_P(LiveEventsServiceTest, SameRoomIdFromTwoAppsIsTwoRoomsEachWithItsOwner) {
  EXPECT_FALSE(Publish(CreateRoomWithOwner(kAppA, "room-1", "owner-a")).duplicate());
  EXPECT_FALSE(Publish(CreateRoomWithOwner(kAppB, "room-1", "owner-b")).duplicate());

  for (const auto& [app, owner] : {std::pair{kAppA, "owner-a"}, std::pair{kAppB, "owner-b"}}) {
    v1::GetRoomRequest request;
    request.set_room_id("room-1");
    request.set_sdk_app_id(app);
    v1::Room room;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->GetRoom(&context, request, &room).ok()) << app;
    EXPECT_EQ(room.sdk_app_id(), app);
    EXPECT_EQ(room.owner_account(), owner);
  }

  v1::ListRoomsResponse all;
  grpc::ClientContext list_context;
  ASSERT_TRUE(stub_->ListRooms(&list_context, v1::ListRoomsRequest(), &all).ok());
  ASSERT_EQ(all.rooms_size(), 2);
  EXPECT_EQ(all.rooms(0).sdk_app_id(), kAppA);
  EXPECT_EQ(all.rooms(1).sdk_app_id(), kAppB);
}

TEST_P(LiveEventsServiceTest, GetRoomWithoutAppAnswersTheOnlyAppAndRefusesAnAmbiguousId) {
  Publish(CreateRoomWithOwner(kAppA, "shared", "owner-a"));
  Publish(CreateRoomWithOwner(kAppB, "shared", "owner-b"));
  Publish(CreateRoomWithOwner(kAppB, "only-b", "owner-b"));

  v1::GetRoomRequest request;
  request.set_room_id("only-b");
  v1::Room room;
  grpc::ClientContext only_context;
  ASSERT_TRUE(stub_->GetRoom(&only_context, request, &room).ok());
  EXPECT_EQ(room.sdk_app_id(), kAppB);

  request.set_room_id("shared");
  grpc::ClientContext shared_context;
  const grpc::Status ambiguous = stub_->GetRoom(&shared_context, request, &room);
  EXPECT_EQ(ambiguous.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(ambiguous.error_message().find("1400000001, 1400000002"), std::string::npos)
      << ambiguous.error_message();

  request.set_room_id("only-b");
  request.set_sdk_app_id(kAppA);
  grpc::ClientContext wrong_app_context;
  EXPECT_EQ(stub_->GetRoom(&wrong_app_context, request, &room).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_P(LiveEventsServiceTest, GetBattleWithoutAppRefusesAnAmbiguousId) {
  Publish(MakeStartBattle("b1", "r1", "r2"));
  Publish(InApp(kAppB, MakeStartBattle("b1", "r1", "r2")));
  v1::GetBattleRequest request;
  request.set_battle_id("b1");
  v1::Battle battle;
  grpc::ClientContext ambiguous_context;
  EXPECT_EQ(stub_->GetBattle(&ambiguous_context, request, &battle).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.set_sdk_app_id(kAppB);
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->GetBattle(&context, request, &battle).ok());
  EXPECT_EQ(battle.sdk_app_id(), kAppB);
}

TEST_P(LiveEventsServiceTest, ListRoomsFiltersByAppAndPagesAcrossApps) {
  for (const uint64_t app : {kAppB, kAppA}) {
    for (int i = 0; i < 3; ++i) Publish(InApp(app, MakeCreateRoom(absl::StrCat("room-", i))));
  }
  // Every app, two per page: the token carries (app, id), so no room is lost or repeated at
  // the boundary between the apps.
  std::vector<std::pair<uint64_t, std::string>> seen;
  std::string token;
  int pages = 0;
  do {
    v1::ListRoomsRequest request;
    request.set_page_size(2);
    request.set_page_token(token);
    v1::ListRoomsResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListRooms(&context, request, &response).ok());
    for (const v1::Room& room : response.rooms())
      seen.emplace_back(room.sdk_app_id(), room.room_id());
    token = response.next_page_token();
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set(seen.begin(), seen.end()).size(), 6u);

  // One app, paged.
  std::vector<std::string> in_b;
  token.clear();
  do {
    v1::ListRoomsRequest request;
    request.set_sdk_app_id(kAppB);
    request.set_page_size(2);
    request.set_page_token(token);
    v1::ListRoomsResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListRooms(&context, request, &response).ok());
    for (const v1::Room& room : response.rooms()) {
      EXPECT_EQ(room.sdk_app_id(), kAppB);
      in_b.push_back(room.room_id());
    }
    token = response.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(in_b, (std::vector<std::string>{"room-0", "room-1", "room-2"}));
}

TEST_P(LiveEventsServiceTest, ListBattlesMatchesTheRoomWithinTheApp) {
  Publish(MakeStartBattle("b1", "r1", "r2"));
  Publish(InApp(kAppB, MakeStartBattle("b9", "r1", "r3")));
  v1::ListBattlesRequest request;
  request.set_room_id("r1");
  request.set_sdk_app_id(kAppB);
  v1::ListBattlesResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->ListBattles(&context, request, &response).ok());
  ASSERT_EQ(response.battles_size(), 1);
  EXPECT_EQ(response.battles(0).battle_id(), "b9");
  EXPECT_EQ(response.battles(0).sdk_app_id(), kAppB);
}

// A room's battle history, newest first, a page of two at a time: ties of start time go by
// key, the battle that never started comes last, and every battle of the room comes exactly once.
TEST_P(LiveEventsServiceTest, ListBattlesNewestFirstPagesARoomsHistory) {
  auto start = [this](const std::string& id, const std::string& other_room, int64_t start_time) {
    v1::Event event = MakeStartBattle(id, "r1", other_room);
    event.mutable_start_battle()->set_start_time(start_time);
    Publish(event);
  };
  start("b-mid-2", "r2", 200);
  start("b-old", "r3", 100);
  start("b-new", "r4", 300);
  start("b-mid-1", "r5", 200);
  v1::Event elsewhere = MakeStartBattle("b-elsewhere", "r7", "r9");  // Newest, another room.
  elsewhere.mutable_start_battle()->set_start_time(400);
  Publish(elsewhere);
  v1::Event created;
  created.set_sdk_app_id(kAppA);
  created.set_command("Live.CallbackAfterCreateBattle");
  created.set_raw_body("{\"created\":1}");
  created.mutable_create_battle()->set_battle_id("b-created");
  created.mutable_create_battle()->set_from_room_id("r1");
  Publish(created);

  std::vector<std::string> ids;
  std::string token;
  int pages = 0;
  do {
    v1::ListBattlesRequest request;
    request.set_room_id("r1");
    request.set_order(v1::ListBattlesRequest::ORDER_NEWEST_FIRST);
    request.set_page_size(2);
    request.set_page_token(token);
    v1::ListBattlesResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListBattles(&context, request, &response).ok());
    for (const v1::Battle& battle : response.battles()) ids.push_back(battle.battle_id());
    token = response.next_page_token();
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  EXPECT_EQ(ids, (std::vector<std::string>{"b-new", "b-mid-1", "b-mid-2", "b-old", "b-created"}));
  EXPECT_EQ(pages, 3);
}

TEST_P(LiveEventsServiceTest, ListBattlesRefusesAnUndefinedOrderAndATokenOfTheOtherOrder) {
  Publish(MakeStartBattle("b1", "r1", "r2"));
  Publish(MakeStartBattle("b2", "r1", "r2"));
  auto list = [this](int order, const std::string& token, v1::ListBattlesResponse* response) {
    v1::ListBattlesRequest request;
    request.set_order(static_cast<v1::ListBattlesRequest::Order>(order));
    request.set_page_size(1);
    request.set_page_token(token);
    grpc::ClientContext context;
    return stub_->ListBattles(&context, request, response).error_code();
  };
  v1::ListBattlesResponse by_key;
  ASSERT_EQ(list(v1::ListBattlesRequest::ORDER_UNSPECIFIED, "", &by_key), grpc::StatusCode::OK);
  ASSERT_FALSE(by_key.next_page_token().empty());
  v1::ListBattlesResponse newest;
  ASSERT_EQ(list(v1::ListBattlesRequest::ORDER_NEWEST_FIRST, "", &newest), grpc::StatusCode::OK);
  ASSERT_FALSE(newest.next_page_token().empty());
  v1::ListBattlesResponse ignored;
  EXPECT_EQ(list(v1::ListBattlesRequest::ORDER_NEWEST_FIRST, by_key.next_page_token(), &ignored),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(list(v1::ListBattlesRequest::ORDER_KEY, newest.next_page_token(), &ignored),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(list(99, "", &ignored), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(LiveEventsServiceTest, GetRoomNamesTheBattleTheRoomIsIn) {
  Publish(MakeCreateRoom("r1"));
  Publish(MakeStartBattle("b1", "r1", "r2"));
  v1::GetRoomRequest request;
  request.set_room_id("r1");
  v1::Room room;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->GetRoom(&context, request, &room).ok());
  }
  EXPECT_EQ(room.current_battle_id(), "b1");
  EXPECT_EQ(room.last_revision(), 2u);
  v1::Event end;
  end.set_sdk_app_id(kAppA);
  end.set_command("Live.CallbackAfterEndBattle");
  end.set_event_time_ms(3000);
  end.set_raw_body("{\"end\":1}");
  end.mutable_end_battle()->set_battle_id("b1");
  end.mutable_end_battle()->mutable_from_room()->set_room_id("r1");
  Publish(end);
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->GetRoom(&context, request, &room).ok());
  EXPECT_EQ(room.current_battle_id(), "");
}

// Members arrive in a few big MemberStateChanged events, so 100 k accounts publish quickly.
std::vector<v1::Event> OnlineMemberEvents(const std::string& room_id, int count, int per_event) {
  std::vector<v1::Event> events;
  for (int first = 0; first < count; first += per_event) {
    v1::Event& event = events.emplace_back();
    event.set_sdk_app_id(kAppA);
    event.set_command("Live.CallbackOnMemberStateChanged");
    event.set_event_time_ms(2000 + first);
    event.set_raw_body(absl::StrCat("{\"members from\":", first, "}"));
    v1::MemberStateChanged& change = *event.mutable_member_state_changed();
    change.set_room_id(room_id);
    change.set_event_type("Online");
    change.set_event_cause("Enter");
    for (int i = first; i < std::min(count, first + per_event); ++i) {
      change.add_member_accounts(absl::StrCat("user-", 1000000 + i));
    }
  }
  return events;
}

TEST_P(LiveEventsServiceTest, RoomWithAHundredThousandMembersIsSmallAndMembersPageThroughAll) {
  constexpr int kMembers = 100000;
  Publish(MakeCreateRoom("big"));
  for (const v1::Event& event : OnlineMemberEvents("big", kMembers, 20000)) {
    ASSERT_FALSE(Publish(event).duplicate());
  }

  v1::GetRoomRequest room_request;
  room_request.set_room_id("big");
  v1::Room room;
  grpc::ClientContext room_context;
  ASSERT_TRUE(stub_->GetRoom(&room_context, room_request, &room).ok());
  EXPECT_EQ(room.online_count(), kMembers);
  EXPECT_LT(room.ByteSizeLong(), 2048u);

  v1::ListRoomsResponse rooms;
  grpc::ClientContext rooms_context;
  ASSERT_TRUE(stub_->ListRooms(&rooms_context, v1::ListRoomsRequest(), &rooms).ok());
  EXPECT_LT(rooms.ByteSizeLong(), 2048u);

  std::vector<std::string> members;
  std::string token;
  int pages = 0;
  do {
    v1::ListRoomMembersRequest request;
    request.set_room_id("big");
    request.set_page_size(7000);
    request.set_page_token(token);
    v1::ListRoomMembersResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListRoomMembers(&context, request, &response).ok());
    members.insert(members.end(), response.member_accounts().begin(),
                   response.member_accounts().end());
    token = response.next_page_token();
    ASSERT_LT(++pages, 100);
  } while (!token.empty());
  EXPECT_EQ(pages, (kMembers + 6999) / 7000);
  ASSERT_EQ(members.size(), static_cast<size_t>(kMembers));
  EXPECT_TRUE(std::is_sorted(members.begin(), members.end()));
  EXPECT_EQ(std::set(members.begin(), members.end()).size(), members.size());
  EXPECT_EQ(members.front(), "user-1000000");
}

TEST_P(LiveEventsServiceTest, ListRoomMembersDefaultsRejectsNegativeSizesAndUnknownRooms) {
  Publish(MakeCreateRoom("r1"));
  for (const v1::Event& event : OnlineMemberEvents("r1", 1500, 1500)) Publish(event);
  v1::ListRoomMembersRequest request;
  request.set_room_id("r1");
  v1::ListRoomMembersResponse response;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->ListRoomMembers(&context, request, &response).ok());
    EXPECT_EQ(response.member_accounts_size(), 1000) << "page_size 0 means 1000";
    EXPECT_FALSE(response.next_page_token().empty());
  }
  request.set_page_size(-1);
  {
    grpc::ClientContext context;
    EXPECT_EQ(stub_->ListRoomMembers(&context, request, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  request.set_page_size(0);
  request.set_page_token("not a token");
  {
    grpc::ClientContext context;
    EXPECT_EQ(stub_->ListRoomMembers(&context, request, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  request.set_page_token("");
  request.set_room_id("nope");
  {
    grpc::ClientContext context;
    EXPECT_EQ(stub_->ListRoomMembers(&context, request, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
}

TEST_P(LiveEventsServiceTest, ReadsWithMinRevisionWaitForItWithinTheirDeadline) {
  Publish(MakeCreateRoom("r1"));
  // Already applied: answered at once.
  {
    v1::GetRoomRequest request;
    request.set_room_id("r1");
    request.set_min_revision(1);
    v1::Room room;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->GetRoom(&context, request, &room).ok());
  }
  // Never applied within the deadline: DEADLINE_EXCEEDED, on every read that takes it.
  auto expired = [](grpc::ClientContext& context) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  };
  {
    v1::GetRoomRequest request;
    request.set_room_id("r1");
    request.set_min_revision(5);
    v1::Room room;
    grpc::ClientContext context;
    expired(context);
    EXPECT_EQ(stub_->GetRoom(&context, request, &room).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  {
    v1::ListRoomsRequest request;
    request.set_min_revision(5);
    v1::ListRoomsResponse rooms;
    grpc::ClientContext context;
    expired(context);
    EXPECT_EQ(stub_->ListRooms(&context, request, &rooms).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  // Applied while the read waits: it answers with the state that has it.
  std::thread reading([this] {
    v1::GetRoomRequest request;
    request.set_room_id("r2");
    request.set_min_revision(2);
    v1::Room room;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    grpc::Status status = stub_->GetRoom(&context, request, &room);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(room.room_id(), "r2");
  });
  Publish(MakeCreateRoom("r2"));
  reading.join();
}

TEST_P(LiveEventsServiceTest, GetServerInfoReportsHeadStoreAndCounts) {
  Publish(MakeCreateRoom("r1"));
  v1::ServerInfo info;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->GetServerInfo(&context, v1::GetServerInfoRequest(), &info).ok());
  EXPECT_EQ(info.head_revision(), 1u);
  EXPECT_EQ(info.oldest_revision(), 1u);
  EXPECT_EQ(info.store(), GetParam());
  EXPECT_EQ(info.rooms(), 1);
  EXPECT_FALSE(info.version().empty());
}

TEST_P(LiveEventsServiceTest, HealthIsServing) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  for (const std::string service : {"", "liveevents.v1.LiveEvents"}) {
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(health->Check(&context, request, &response).ok()) << service;
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  }
}

TEST_P(LiveEventsServiceTest, ReflectionListsAndDescribesBothServices) {
  namespace reflection = grpc::reflection::v1alpha;
  auto stub = reflection::ServerReflection::NewStub(channel_);
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);

  reflection::ServerReflectionRequest list;
  list.set_list_services("");
  ASSERT_TRUE(stream->Write(list));
  reflection::ServerReflectionResponse listed;
  ASSERT_TRUE(stream->Read(&listed));
  std::set<std::string> names;
  for (const auto& service : listed.list_services_response().service()) {
    names.insert(service.name());
  }
  EXPECT_TRUE(names.contains("liveevents.v1.LiveEvents"));
  EXPECT_TRUE(names.contains("grpc.health.v1.Health"));

  for (const std::string symbol : {"liveevents.v1.LiveEvents", "grpc.health.v1.Health"}) {
    reflection::ServerReflectionRequest describe;
    describe.set_file_containing_symbol(symbol);
    ASSERT_TRUE(stream->Write(describe));
    reflection::ServerReflectionResponse described;
    ASSERT_TRUE(stream->Read(&described));
    EXPECT_TRUE(described.has_file_descriptor_response()) << symbol;
  }
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

INSTANTIATE_TEST_SUITE_P(Stores, LiveEventsServiceTest, ::testing::Values("memory", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace liveevents::testing
