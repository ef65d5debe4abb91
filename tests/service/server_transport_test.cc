// The server's gRPC transport options (GrpcTransportOptions), over loopback TCP: connections
// older than the max age roll over and a Subscribe resumes on the new one; requests over the
// size limit are refused.
#include <gtest/gtest.h>

#include <string>

#include "tests/testing/service_fixture.h"

namespace liveevents::testing {
namespace {

class ServerTransportTest : public ServiceFixture {
 protected:
  void SetUp() override {}  // Each test starts its server with its own options.
};

TEST_F(ServerTransportTest, OldConnectionRollsOverAndSubscribeResumesOnANewOne) {
  service::ServerOptions options;
  options.transport.max_connection_age = absl::Milliseconds(200);
  options.transport.max_connection_age_grace = absl::Milliseconds(200);
  StartServer(options);
  const uint64_t first = Publish(MakeCreateRoom("room-1")).revision();
  auto stub = TcpStub();

  v1::SubscribeRequest request;
  request.set_start(v1::SubscribeRequest::START_AFTER_REVISION);
  request.set_after_revision(0);
  Stream stream(*stub, request);
  uint64_t last_seen = 0;
  v1::SubscribeResponse response;
  // The grace runs out well before the fixture's 20 s deadline: the stream ends by itself.
  while (stream.Next(&response)) {
    if (response.has_event()) last_seen = response.event().revision();
  }
  const grpc::Status ended = stream.Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE) << ended.error_message();
  EXPECT_EQ(last_seen, first);

  // The same channel reconnects; resuming from the last revision seen continues exactly.
  const uint64_t second = Publish(MakeCreateRoom("room-2")).revision();
  request.set_after_revision(last_seen);
  Stream resumed(*stub, request);
  const std::vector<v1::Event> events = resumed.NextEvents(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].revision(), second);
}

TEST_F(ServerTransportTest, RequestsOverTheSizeLimitAreResourceExhausted) {
  service::ServerOptions options;
  options.transport.max_receive_message_bytes = 4096;
  StartServer(options);
  auto stub = TcpStub();
  v1::PublishRequest request;
  *request.mutable_event() = MakeCreateRoom("room-1");
  request.mutable_event()->set_raw_body(std::string(8192, 'x'));
  v1::PublishResponse response;
  grpc::ClientContext context;
  const grpc::Status status = stub->Publish(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
}

}  // namespace
}  // namespace liveevents::testing
