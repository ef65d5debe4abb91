// Requests a careless or hostile client may send, over loopback TCP so that gRPC's real message
// and metadata limits apply: answers too large for one message, revisions at the edge of
// uint64, negative sizes, undefined enum values and ids of a megabyte. Each gets a clear status
// or pages that fit, never a transport error.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "service/core/request_limits.h"
#include "tests/testing/service_fixture.h"

namespace liveevents::testing {
namespace {

constexpr uint64_t kMaxRevision = std::numeric_limits<uint64_t>::max();

class HostileRequestsTest : public ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    tcp_ = TcpStub();
  }

  // Publishes `count` rooms whose events and state are each about `bytes` large.
  void PublishLargeRooms(int count, size_t bytes) {
    for (int i = 0; i < count; ++i) {
      v1::Event event = MakeCreateRoom(absl::StrCat("room-", i));
      event.mutable_create_room()->mutable_room_info()->set_custom_info(std::string(bytes, 'c'));
      event.set_raw_body(event.raw_body() + std::string(bytes, ' '));
      ASSERT_EQ(Publish(event).revision(), static_cast<uint64_t>(i + 1));
    }
  }

  grpc::Status ListEvents(uint64_t after, int32_t limit, v1::ListEventsResponse* response) {
    v1::ListEventsRequest request;
    request.set_after_revision(after);
    request.set_limit(limit);
    grpc::ClientContext context;
    return tcp_->ListEvents(&context, request, response);
  }

  // The status a Subscribe the server should refuse ends with (read to its end, bounded).
  grpc::Status SubscribeStatus(const v1::SubscribeRequest& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    auto reader = tcp_->Subscribe(&context, request);
    v1::SubscribeResponse ignored;
    while (reader->Read(&ignored)) {
    }
    return reader->Finish();
  }

  std::unique_ptr<v1::LiveEvents::Stub> tcp_;
};

TEST_F(HostileRequestsTest, ListEventsPagesLargeEventsUnderTheMessageLimit) {
  PublishLargeRooms(120, 60 * 1024);  // About 14 MiB of journal.
  std::set<uint64_t> seen;
  uint64_t after = 0;
  int pages = 0;
  while (true) {
    v1::ListEventsResponse response;
    grpc::Status status = ListEvents(after, 1000, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_LT(response.ByteSizeLong(), 2u << 20);
    for (const v1::Event& event : response.events()) {
      EXPECT_TRUE(seen.insert(event.revision()).second) << event.revision();
    }
    ++pages;
    if (response.next_after_revision() == response.head_revision()) break;
    ASSERT_GT(response.next_after_revision(), after);
    after = response.next_after_revision();
  }
  EXPECT_EQ(seen.size(), 120u);
  EXPECT_GT(pages, 1);
}

TEST_F(HostileRequestsTest, ListRoomsPagesLargeRoomsUnderTheMessageLimit) {
  PublishLargeRooms(120, 60 * 1024);
  std::set<std::string> seen;
  std::string token;
  do {
    v1::ListRoomsRequest request;
    request.set_page_size(1000);
    request.set_page_token(token);
    v1::ListRoomsResponse response;
    grpc::ClientContext context;
    grpc::Status status = tcp_->ListRooms(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_LT(response.ByteSizeLong(), 2u << 20);
    for (const v1::Room& room : response.rooms()) {
      EXPECT_TRUE(seen.insert(room.room_id()).second) << room.room_id();
    }
    token = response.next_page_token();
  } while (!token.empty());
  EXPECT_EQ(seen.size(), 120u);
}

TEST_F(HostileRequestsTest, SnapshotChunksOfLargeRoomsFitTheMessageLimit) {
  PublishLargeRooms(120, 60 * 1024);
  v1::SubscribeRequest request;
  request.set_start(v1::SubscribeRequest::START_SNAPSHOT);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto reader = tcp_->Subscribe(&context, request);
  std::set<std::string> seen;
  v1::SubscribeResponse response;
  while (reader->Read(&response) && !response.has_snapshot_end()) {
    ASSERT_LT(response.ByteSizeLong(), 2u << 20);
    for (const v1::Room& room : response.snapshot().rooms()) seen.insert(room.room_id());
  }
  ASSERT_TRUE(response.has_snapshot_end()) << reader->Finish().error_message();
  EXPECT_EQ(response.snapshot_end().revision(), 120u);
  EXPECT_EQ(seen.size(), 120u);
  context.TryCancel();
}

TEST_F(HostileRequestsTest, TheLargestRevisionIsOutOfRangeForListEventsAndSubscribeAlike) {
  Publish(MakeCreateRoom("r1"));
  v1::ListEventsResponse response;
  EXPECT_EQ(ListEvents(kMaxRevision, 0, &response).error_code(), grpc::StatusCode::OUT_OF_RANGE);

  v1::SubscribeRequest request;
  request.set_start(v1::SubscribeRequest::START_AFTER_REVISION);
  request.set_after_revision(kMaxRevision);
  EXPECT_EQ(SubscribeStatus(request).error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

TEST_F(HostileRequestsTest, NegativeSizesAreInvalidArguments) {
  v1::ListEventsResponse events;
  EXPECT_EQ(ListEvents(0, -1, &events).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::ListRoomsRequest rooms_request;
  rooms_request.set_page_size(-5);
  v1::ListRoomsResponse rooms;
  grpc::ClientContext rooms_context;
  EXPECT_EQ(tcp_->ListRooms(&rooms_context, rooms_request, &rooms).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::ListBattlesRequest battles_request;
  battles_request.set_page_size(std::numeric_limits<int32_t>::min());
  v1::ListBattlesResponse battles;
  grpc::ClientContext battles_context;
  EXPECT_EQ(tcp_->ListBattles(&battles_context, battles_request, &battles).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(HostileRequestsTest, UndefinedEnumValuesAreInvalidArguments) {
  v1::SubscribeRequest subscribe;
  subscribe.set_start(static_cast<v1::SubscribeRequest::Start>(99));
  EXPECT_EQ(SubscribeStatus(subscribe).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::ListRoomsRequest rooms_request;
  rooms_request.set_status(static_cast<v1::RoomStatus>(99));
  v1::ListRoomsResponse rooms;
  grpc::ClientContext rooms_context;
  EXPECT_EQ(tcp_->ListRooms(&rooms_context, rooms_request, &rooms).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  v1::ListBattlesRequest battles_request;
  battles_request.set_state(static_cast<v1::BattleState>(-3));
  v1::ListBattlesResponse battles;
  grpc::ClientContext battles_context;
  EXPECT_EQ(tcp_->ListBattles(&battles_context, battles_request, &battles).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(HostileRequestsTest, AMegabyteIdIsRefusedWithoutEchoingIt) {
  const std::string huge(1 << 20, 'r');
  v1::GetRoomRequest room_request;
  room_request.set_room_id(huge);
  v1::Room room;
  grpc::ClientContext room_context;
  grpc::Status status = tcp_->GetRoom(&room_context, room_request, &room);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(status.error_message().size(), 256u);

  v1::GetBattleRequest battle_request;
  battle_request.set_battle_id(huge);
  v1::Battle battle;
  grpc::ClientContext battle_context;
  status = tcp_->GetBattle(&battle_context, battle_request, &battle);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(status.error_message().size(), 256u);

  v1::SubscribeRequest subscribe;
  subscribe.mutable_filter()->add_room_ids(huge);
  status = SubscribeStatus(subscribe);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(status.error_message().size(), 256u);
}

TEST_F(HostileRequestsTest, NotFoundQuotesOnlyAShortPrefixOfTheId) {
  const std::string long_id(service::kMaxIdBytes, 'x');
  v1::GetRoomRequest request;
  request.set_room_id(long_id);
  v1::Room room;
  grpc::ClientContext context;
  grpc::Status status = tcp_->GetRoom(&context, request, &room);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_LT(status.error_message().size(), 128u);
}

}  // namespace
}  // namespace liveevents::testing
