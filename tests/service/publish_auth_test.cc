// With a publish token configured, only callers presenting it may Publish; queries and
// Subscribe stay open. Without one, everything is open as before.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <string>

#include "common/token_file.h"
#include "tests/testing/service_fixture.h"

namespace liveevents::testing {
namespace {

class PublishAuthTest : public ServiceFixture {
 protected:
  void SetUp() override {
    service::ServerOptions options;
    options.publish_token = "s3cret-token";
    StartServer(options);
  }

  grpc::Status PublishWith(const std::string* authorization) {
    v1::PublishRequest request;
    *request.mutable_event() = MakeCreateRoom("r1");
    v1::PublishResponse response;
    grpc::ClientContext context;
    if (authorization != nullptr) context.AddMetadata("authorization", *authorization);
    return stub_->Publish(&context, request, &response);
  }

  grpc::Status PublishBatchWith(const std::string* authorization) {
    v1::PublishBatchRequest request;
    *request.add_events() = MakeCreateRoom("r1");
    *request.add_events() = MakeCreateRoom("r2");
    v1::PublishBatchResponse response;
    grpc::ClientContext context;
    if (authorization != nullptr) context.AddMetadata("authorization", *authorization);
    return stub_->PublishBatch(&context, request, &response);
  }

  uint64_t HeadRevision() {
    v1::ServerInfo info;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->GetServerInfo(&context, v1::GetServerInfoRequest(), &info).ok());
    return info.head_revision();
  }
};

TEST_F(PublishAuthTest, PublishWithoutTheTokenIsUnauthenticated) {
  EXPECT_EQ(PublishWith(nullptr).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(PublishAuthTest, PublishWithAWrongTokenIsUnauthenticatedAndJournalsNothing) {
  for (const std::string wrong :
       {"Bearer s3cret-tokeN", "Bearer s3cret", "s3cret-token", "Bearer s3cret-token ", ""}) {
    EXPECT_EQ(PublishWith(&wrong).error_code(), grpc::StatusCode::UNAUTHENTICATED) << wrong;
  }
  v1::ServerInfo info;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->GetServerInfo(&context, v1::GetServerInfoRequest(), &info).ok());
  EXPECT_EQ(info.head_revision(), 0u);
}

TEST_F(PublishAuthTest, PublishWithTheTokenIsJournaledAndQueriesNeedNone) {
  const std::string bearer = BearerMetadataValue("s3cret-token");
  ASSERT_TRUE(PublishWith(&bearer).ok());
  v1::GetRoomRequest request;
  request.set_room_id("r1");
  v1::Room room;
  grpc::ClientContext context;
  EXPECT_TRUE(stub_->GetRoom(&context, request, &room).ok());
  v1::SubscribeRequest subscribe;
  subscribe.set_start(v1::SubscribeRequest::START_AFTER_REVISION);
  Stream stream(*stub_, subscribe);
  EXPECT_EQ(stream.NextEvents(1).size(), 1u);
  stream.Cancel();
}

TEST_F(PublishAuthTest, PublishBatchNeedsTheSameToken) {
  EXPECT_EQ(PublishBatchWith(nullptr).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const std::string wrong = "Bearer s3cret-tokeN";
  EXPECT_EQ(PublishBatchWith(&wrong).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(HeadRevision(), 0u);
  const std::string bearer = BearerMetadataValue("s3cret-token");
  EXPECT_TRUE(PublishBatchWith(&bearer).ok());
  EXPECT_EQ(HeadRevision(), 2u);
}

}  // namespace
}  // namespace liveevents::testing
