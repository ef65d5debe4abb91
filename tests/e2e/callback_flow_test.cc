// End to end: the real gateway and server over HTTP and gRPC. Callbacks POSTed like Tencent
// does reach a subscriber in revision order and show up in room and battle queries; bad
// requests get the documented answers and leave both processes healthy; while the service is
// away the gateway spools callbacks, answers OK, and delivers them in order once it is back, also
// across a gateway killed with SIGKILL.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "tests/testing/e2e_fixture.h"
#include "tests/testing/service_fixture.h"

namespace liveevents::testing {
namespace {

constexpr char kOkBody[] = R"({"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""})";

using CallbackFlowTest = E2eFixture;

bool IsOkBody(const std::string& body) {
  return absl::StrContains(body, R"("ActionStatus":"OK")") &&
         absl::StrContains(body, R"("ErrorCode":0)");
}

TEST_F(CallbackFlowTest, CallbacksReachSubscriberAndStateWithExactAccounts) {
  Stream stream(*stub_, v1::SubscribeRequest());

  HttpReply created = Post("Live.CallbackAfterCreateRoom", ReadExample("create_room.json"));
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_TRUE(IsOkBody(created.body)) << created.body << " vs " << kOkBody;
  ASSERT_EQ(Post("Live.CallbackAfterStartBattle", ReadExample("start_battle.json")).status, 200);
  ASSERT_EQ(Post("Live.CallbackAfterEndBattle", ReadExample("end_battle.json")).status, 200);
  // Tencent's retry of the same body: answered OK, journaled once.
  HttpReply retry = Post("Live.CallbackAfterEndBattle", ReadExample("end_battle.json"));
  ASSERT_EQ(retry.status, 200);
  EXPECT_TRUE(IsOkBody(retry.body));

  std::vector<v1::Event> events = stream.NextEvents(3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].command(), "Live.CallbackAfterCreateRoom");
  EXPECT_EQ(events[1].command(), "Live.CallbackAfterStartBattle");
  EXPECT_EQ(events[2].command(), "Live.CallbackAfterEndBattle");
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].revision(), i + 1);

  v1::GetRoomRequest room_request;
  room_request.set_room_id("room-1");
  v1::Room room;
  grpc::ClientContext room_context;
  ASSERT_TRUE(stub_->GetRoom(&room_context, room_request, &room).ok());
  EXPECT_EQ(room.owner_account(), "144115216631667826");
  EXPECT_EQ(room.status(), v1::ROOM_STATUS_ACTIVE);

  v1::GetBattleRequest battle_request;
  battle_request.set_battle_id("4siHsNsWN/T3aub9zKraqPfGQAimPhdFoe6VWhtz9lY=");
  v1::Battle battle;
  grpc::ClientContext battle_context;
  ASSERT_TRUE(stub_->GetBattle(&battle_context, battle_request, &battle).ok());
  EXPECT_EQ(battle.state(), v1::BATTLE_STATE_ENDED);
  EXPECT_EQ(battle.end_reason(), v1::BATTLE_END_REASON_TIME_UP);
  EXPECT_EQ(battle.from_room().owner_account(), "144115216631667826");
  ASSERT_EQ(battle.to_rooms_size(), 1);
  EXPECT_EQ(battle.to_rooms(0).owner_account(), "144115245442327522");
  EXPECT_EQ(battle.from_room().score(), 120);

  v1::ServerInfo info;
  grpc::ClientContext info_context;
  ASSERT_TRUE(stub_->GetServerInfo(&info_context, v1::GetServerInfoRequest(), &info).ok());
  EXPECT_EQ(info.head_revision(), 3u) << "the retry added no event";
}

// One gateway serving two apps: Tencent's room ids are unique only within an app, so the same
// RoomId from both is two rooms, each with its own owner.
TEST_F(CallbackFlowTest, SameRoomIdFromTwoAppsThroughOneGatewayIsTwoRooms) {
  constexpr char kOtherApp[] = "1400000002";
  gateway_.reset();
  StartGateway("127.0.0.1:0", {"--apps", std::string(kAppId) + "," + kOtherApp});
  std::string other_body = ReadExample("create_room.json");
  const std::string owner = "144115216631667826";
  ASSERT_NE(other_body.find(owner), std::string::npos);
  other_body.replace(other_body.find(owner), owner.size(), "\"other-owner\"");

  ASSERT_EQ(Post("Live.CallbackAfterCreateRoom", ReadExample("create_room.json")).status, 200);
  HttpReply other =
      PostCallback(http_address_, kOtherApp, "Live.CallbackAfterCreateRoom", other_body);
  ASSERT_EQ(other.status, 200) << other.body;

  for (const auto& [app, want_owner] :
       {std::pair{uint64_t{1400000001}, owner},
        std::pair{uint64_t{1400000002}, std::string("other-owner")}}) {
    v1::GetRoomRequest request;
    request.set_room_id("room-1");
    request.set_sdk_app_id(app);
    v1::Room room;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->GetRoom(&context, request, &room).ok()) << app;
    EXPECT_EQ(room.sdk_app_id(), app);
    EXPECT_EQ(room.owner_account(), want_owner);
  }
  v1::GetRoomRequest ambiguous;
  ambiguous.set_room_id("room-1");
  v1::Room room;
  grpc::ClientContext context;
  EXPECT_EQ(stub_->GetRoom(&context, ambiguous, &room).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(CallbackFlowTest, BadRequestsGetTheDocumentedAnswersAndNothingIsPublished) {
  HttpReply malformed = Post("Live.CallbackAfterCreateRoom", "{\"RoomInfo\": ");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_TRUE(absl::StrContains(malformed.body, R"("ActionStatus":"FAIL")")) << malformed.body;

  HttpReply wrong_app = PostCallback(http_address_, "999", "Live.CallbackAfterCreateRoom",
                                     ReadExample("create_room.json"));
  EXPECT_EQ(wrong_app.status, 403);
  EXPECT_TRUE(absl::StrContains(wrong_app.body, R"("ActionStatus":"FAIL")"));

  std::string huge = R"({"CallbackCommand":"Live.CallbackAfterCreateRoom","Pad":")" +
                     std::string(100 * 1024, 'x') + "\"}";
  EXPECT_EQ(Post("Live.CallbackAfterCreateRoom", huge).status, 413);

  v1::ServerInfo before;
  grpc::ClientContext before_context;
  ASSERT_TRUE(stub_->GetServerInfo(&before_context, v1::GetServerInfoRequest(), &before).ok());
  EXPECT_EQ(before.head_revision(), 0u);

  // An unknown command is accepted and kept with its raw body.
  const std::string unknown = R"({"CallbackCommand":"Live.CallbackSomethingNew","X":1})";
  HttpReply accepted = Post("Live.CallbackSomethingNew", unknown);
  EXPECT_EQ(accepted.status, 200);
  v1::ListEventsRequest list;
  v1::ListEventsResponse listed;
  grpc::ClientContext list_context;
  ASSERT_TRUE(stub_->ListEvents(&list_context, list, &listed).ok());
  ASSERT_EQ(listed.events_size(), 1);
  EXPECT_TRUE(listed.events(0).has_unknown());
  EXPECT_EQ(listed.events(0).raw_body(), unknown);

  // Both processes are still healthy.
  EXPECT_EQ(HttpRequest(http_address_, boost::beast::http::verb::get, "/healthz").status, 200);
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(grpc_address_, grpc::InsecureChannelCredentials()));
  grpc::health::v1::HealthCheckResponse serving;
  grpc::ClientContext health_context;
  ASSERT_TRUE(
      health->Check(&health_context, grpc::health::v1::HealthCheckRequest(), &serving).ok());
  EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(CallbackFlowTest, ReflectionOverTcpListsTheServices) {
  namespace reflection = grpc::reflection::v1alpha;
  auto stub = reflection::ServerReflection::NewStub(
      grpc::CreateChannel(grpc_address_, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);
  reflection::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  reflection::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::set<std::string> names;
  for (const auto& service : response.list_services_response().service()) {
    names.insert(service.name());
  }
  EXPECT_TRUE(names.count("liveevents.v1.LiveEvents"));
  EXPECT_TRUE(names.count("grpc.health.v1.Health"));
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

// Every event in the journal, in order, once `count` have arrived (bounded by the stream's
// deadline; fewer if it ran out).
std::vector<v1::Event> JournaledEvents(v1::LiveEvents::Stub& stub, size_t count) {
  v1::SubscribeRequest request;
  request.set_start(v1::SubscribeRequest::START_AFTER_REVISION);
  request.set_after_revision(0);
  Stream stream(stub, request);
  std::vector<v1::Event> events = stream.NextEvents(count);
  stream.Cancel();
  return events;
}

TEST_F(CallbackFlowTest, ServerStopsCleanlyOnSigterm) {
  ASSERT_EQ(Post("Live.CallbackAfterCreateRoom", ReadExample("create_room.json")).status, 200);
  const std::string server_address = grpc_address_;
  absl::StatusOr<int> code = server_->Stop(SIGTERM, absl::Seconds(20));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  // While the service is away the gateway spools the callback durably and says OK.
  HttpReply while_down = Post("Live.CallbackAfterDestroyRoom", ReadExample("destroy_room.json"));
  EXPECT_EQ(while_down.status, 200) << while_down.body;
  EXPECT_TRUE(IsOkBody(while_down.body)) << while_down.body;

  // Once the service is back on its address, the gateway's drainer delivers the spooled event.
  StartServer(server_address);
  std::vector<v1::Event> events = JournaledEvents(*stub_, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].command(), "Live.CallbackAfterCreateRoom");
  EXPECT_EQ(events[1].command(), "Live.CallbackAfterDestroyRoom");
  EXPECT_EQ(events[1].revision(), 2u);
}

TEST_F(CallbackFlowTest, SpoolSurvivesAGatewayKillAndDrainsInOrder) {
  const std::string server_address = grpc_address_;
  const std::string gateway_address = http_address_;
  ASSERT_EQ(*server_->Stop(SIGTERM, absl::Seconds(20)), 0);
  const std::vector<std::pair<std::string, std::string>> callbacks = {
      {"Live.CallbackAfterCreateRoom", "create_room.json"},
      {"Live.CallbackAfterStartBattle", "start_battle.json"},
      {"Live.CallbackAfterEndBattle", "end_battle.json"},
      {"Live.CallbackAfterDestroyRoom", "destroy_room.json"}};
  for (size_t i = 0; i < 3; ++i) {
    HttpReply spooled = Post(callbacks[i].first, ReadExample(callbacks[i].second));
    ASSERT_EQ(spooled.status, 200) << spooled.body;
  }

  // kill -9: the three answered callbacks exist only in the gateway's spool now.
  ASSERT_EQ(*gateway_->Stop(SIGKILL, absl::Seconds(10)), 128 + SIGKILL);
  StartGateway(gateway_address);
  // The restarted gateway still holds them, so a new callback queues behind them.
  HttpReply behind = Post(callbacks[3].first, ReadExample(callbacks[3].second));
  ASSERT_EQ(behind.status, 200) << behind.body;

  StartServer(server_address);
  std::vector<v1::Event> events = JournaledEvents(*stub_, callbacks.size());
  ASSERT_EQ(events.size(), callbacks.size());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].command(), callbacks[i].first);
    EXPECT_EQ(events[i].revision(), i + 1);
  }
  v1::ServerInfo info;
  grpc::ClientContext info_context;
  ASSERT_TRUE(stub_->GetServerInfo(&info_context, v1::GetServerInfoRequest(), &info).ok());
  EXPECT_EQ(info.head_revision(), callbacks.size()) << "each spooled callback journaled once";
}

// With --publish_token_file on both processes the gateway's callbacks are journaled, and a
// client without the token cannot publish a forged event.
TEST_F(CallbackFlowTest, OnlyTheGatewayWithThePublishTokenMayPublish) {
  const std::string token_file = (dir_ / "publish.token").string();
  std::ofstream(token_file) << "gateway-secret\n";
  gateway_.reset();
  server_.reset();
  StartServer("127.0.0.1:0", {"--publish_token_file", token_file});
  StartGateway("127.0.0.1:0", {"--publish_token_file", token_file});
  Stream stream(*stub_, v1::SubscribeRequest());

  ASSERT_EQ(Post("Live.CallbackAfterCreateRoom", ReadExample("create_room.json")).status, 200);
  std::vector<v1::Event> events = stream.NextEvents(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].command(), "Live.CallbackAfterCreateRoom");

  v1::PublishRequest forged;
  *forged.mutable_event() = MakeStartBattle("forged", "room-1", "room-2");
  v1::PublishResponse response;
  grpc::ClientContext context;
  EXPECT_EQ(stub_->Publish(&context, forged, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace liveevents::testing
