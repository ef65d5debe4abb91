// A real LiveEvents server on an in-memory store, reached over an in-process channel, plus
// helpers to build events and read Subscribe streams without sleeping.
#ifndef LIVEEVENTS_TESTS_TESTING_SERVICE_FIXTURE_H_
#define LIVEEVENTS_TESTS_TESTING_SERVICE_FIXTURE_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "liveevents/v1/live_events.grpc.pb.h"
#include "service/server.h"
#include "service/store/memory_event_store.h"

namespace liveevents::testing {

inline v1::Event MakeCreateRoom(const std::string& room_id, int64_t event_time_ms = 1000) {
  v1::Event event;
  event.set_sdk_app_id(1400000001);
  event.set_command("Live.CallbackAfterCreateRoom");
  event.set_event_time_ms(event_time_ms);
  event.set_raw_body("{\"RoomId\":\"" + room_id + absl::StrCat("\",\"t\":", event_time_ms) + "}");
  auto* info = event.mutable_create_room()->mutable_room_info();
  info->set_room_id(room_id);
  info->set_owner_account("owner-" + room_id);
  return event;
}

// `event` as if it came from another SdkAppid (the raw body differs too, so it is no duplicate).
inline v1::Event InApp(uint64_t sdk_app_id, v1::Event event) {
  event.set_sdk_app_id(sdk_app_id);
  return event;
}

inline v1::Event MakeStartBattle(const std::string& battle_id, const std::string& from_room,
                                 const std::string& to_room, int64_t event_time_ms = 2000) {
  v1::Event event;
  event.set_sdk_app_id(1400000001);
  event.set_command("Live.CallbackAfterStartBattle");
  event.set_event_time_ms(event_time_ms);
  event.set_raw_body("{\"BattleId\":\"" + battle_id + "\"}");
  auto* start = event.mutable_start_battle();
  start->set_battle_id(battle_id);
  start->mutable_from_room()->set_room_id(from_room);
  start->add_to_rooms()->set_room_id(to_room);
  return event;
}

// Opens a Subscribe stream and waits until the server has registered it.
class Stream {
 public:
  Stream(v1::LiveEvents::Stub& stub, const v1::SubscribeRequest& request) {
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    reader_ = stub.Subscribe(&context_, request);
    reader_->WaitForInitialMetadata();
  }

  // The next response; false when the stream ended.
  bool Next(v1::SubscribeResponse* response) { return reader_->Read(response); }

  // The next `count` events, skipping progress messages; fewer if the stream ended.
  std::vector<v1::Event> NextEvents(size_t count) {
    std::vector<v1::Event> events;
    v1::SubscribeResponse response;
    while (events.size() < count && reader_->Read(&response)) {
      if (response.has_event()) events.push_back(response.event());
    }
    return events;
  }

  grpc::Status Finish() { return reader_->Finish(); }
  void Cancel() { context_.TryCancel(); }
  grpc::ClientContext& context() { return context_; }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader_;
};

class ServiceFixture : public ::testing::Test {
 protected:
  void StartServer(service::ServerOptions options = {}) {
    options.grpc_address = "127.0.0.1:0";
    auto server = MakeServer(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = server_->InProcessChannel();
    stub_ = v1::LiveEvents::NewStub(channel_);
  }

  void SetUp() override { StartServer(); }

  // Starts the server on the store the fixture runs on: memory here; a fixture that runs the
  // same tests on another store overrides it.
  virtual absl::StatusOr<std::unique_ptr<service::Server>> MakeServer(
      service::ServerOptions options) {
    return service::Server::Start(options, std::make_unique<service::MemoryEventStore>());
  }

  // A stub over loopback TCP, for what the in-process transport does not model (HTTP/2 flow
  // control, a transport outliving the server's shutdown).
  // `small_window` turns off window growth so that a client that does not read stalls the
  // server's writes after a few KiB.
  std::unique_ptr<v1::LiveEvents::Stub> TcpStub(bool small_window = false) {
    grpc::ChannelArguments args;
    if (small_window) {
      args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
      args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 16 * 1024);
    }
    return v1::LiveEvents::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials(), args));
  }

  v1::PublishResponse Publish(const v1::Event& event) {
    v1::PublishRequest request;
    *request.mutable_event() = event;
    v1::PublishResponse response;
    grpc::ClientContext context;
    grpc::Status status = stub_->Publish(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  std::unique_ptr<service::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::LiveEvents::Stub> stub_;
};

}  // namespace liveevents::testing

#endif  // LIVEEVENTS_TESTS_TESTING_SERVICE_FIXTURE_H_
