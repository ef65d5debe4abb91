// MakeServiceChannel against two LiveEvents servers on loopback TCP (in this process, so the test
// can count the calls each one gets and set its health): calls go round_robin to both, a replica
// whose health is NOT_SERVING gets none, a replica answering UNAVAILABLE is retried on the other,
// and with no replica SERVING a call fails UNAVAILABLE at once (the gateway then spools).
#include "gateway/publish/service_channel.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "gtest/gtest.h"
#include "liveevents/v1/live_events.grpc.pb.h"

namespace liveevents::gateway {
namespace {

constexpr char kServiceName[] = "liveevents.v1.LiveEvents";

// Counts the Publish calls it gets and answers them OK or with a configured status.
class CountingService : public liveevents::v1::LiveEvents::CallbackService {
 public:
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const liveevents::v1::PublishRequest* /*request*/,
                                    liveevents::v1::PublishResponse* response) override {
    grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      ++calls_;
      status = status_;
    }
    response->set_revision(1);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(status);
    return reactor;
  }

  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  void set_status(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    status_ = std::move(status);
  }

 private:
  absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

struct Replica {
  CountingService service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;

  void SetServing(bool serving) {
    server->GetHealthCheckService()->SetServingStatus(kServiceName, serving);
  }
};

class ServiceChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::EnableDefaultHealthCheckService(true);
    for (auto& replica : replicas_) {
      replica = std::make_unique<Replica>();
      grpc::ServerBuilder builder;
      builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &replica->port);
      builder.RegisterService(&replica->service);
      replica->server = builder.BuildAndStart();
      ASSERT_NE(replica->server, nullptr);
      replica->SetServing(true);
    }
  }

  void TearDown() override {
    for (auto& replica : replicas_) {
      if (replica->server != nullptr) {
        replica->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
      }
    }
  }

  // The stub on a channel to both replicas, as `--service_address=ipv4:a,b` makes it.
  std::unique_ptr<liveevents::v1::LiveEvents::Stub> Connect() {
    const std::string target =
        absl::StrCat("ipv4:127.0.0.1:", replicas_[0]->port, ",127.0.0.1:", replicas_[1]->port);
    return liveevents::v1::LiveEvents::NewStub(
        MakeServiceChannel(target, grpc::InsecureChannelCredentials()));
  }

  static grpc::Status Publish(liveevents::v1::LiveEvents::Stub& stub) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    liveevents::v1::PublishRequest request;
    liveevents::v1::PublishResponse response;
    return stub.Publish(&context, request, &response);
  }

  // The first calls go to whichever replica is ready first; once both are, round_robin
  // alternates. Publishes until both were called (bounded) and returns the calls made.
  int PublishUntilBothAreCalled(liveevents::v1::LiveEvents::Stub& stub) {
    int calls = 0;
    while (calls < 2000 &&
           (replicas_[0]->service.calls() == 0 || replicas_[1]->service.calls() == 0)) {
      EXPECT_TRUE(Publish(stub).ok());
      ++calls;
    }
    return calls;
  }

  std::unique_ptr<Replica> replicas_[2];
};

TEST_F(ServiceChannelTest, SpreadsCallsOverEveryReplica) {
  auto stub = Connect();
  const int calls = PublishUntilBothAreCalled(*stub);
  EXPECT_GT(replicas_[0]->service.calls(), 0);
  EXPECT_GT(replicas_[1]->service.calls(), 0);
  EXPECT_EQ(replicas_[0]->service.calls() + replicas_[1]->service.calls(), calls);
  // Both ready: the next calls are shared between them.
  const int before_0 = replicas_[0]->service.calls();
  const int before_1 = replicas_[1]->service.calls();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Publish(*stub).ok());
  EXPECT_GE(replicas_[0]->service.calls() - before_0, 5);
  EXPECT_GE(replicas_[1]->service.calls() - before_1, 5);
}

TEST_F(ServiceChannelTest, SkipsAReplicaWhoseHealthIsNotServingAndReturnsToItWhenServing) {
  replicas_[0]->SetServing(false);
  auto stub = Connect();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Publish(*stub).ok());
  EXPECT_EQ(replicas_[0]->service.calls(), 0);
  EXPECT_EQ(replicas_[1]->service.calls(), 20);

  // The channel watches health: once SERVING again the replica gets calls, without a reconnect.
  replicas_[0]->SetServing(true);
  for (int i = 0; i < 2000 && replicas_[0]->service.calls() == 0; ++i) {
    ASSERT_TRUE(Publish(*stub).ok());
  }
  EXPECT_GT(replicas_[0]->service.calls(), 0);
}

TEST_F(ServiceChannelTest, RetriesAnUnavailableAnswerOnTheOtherReplica) {
  replicas_[0]->service.set_status(grpc::Status(grpc::StatusCode::UNAVAILABLE, "Redis is away"));
  auto stub = Connect();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Publish(*stub).ok()) << i;
  EXPECT_GT(replicas_[0]->service.calls(), 0);  // Picked, refused, retried elsewhere.
  EXPECT_EQ(replicas_[1]->service.calls(), 20);
}

TEST_F(ServiceChannelTest, KeepsAnsweringWhenAReplicaStops) {
  auto stub = Connect();
  PublishUntilBothAreCalled(*stub);
  ASSERT_GT(replicas_[0]->service.calls(), 0);
  replicas_[0]->server->Shutdown(std::chrono::system_clock::now());
  replicas_[0]->server->Wait();
  replicas_[0]->server.reset();
  const int before = replicas_[1]->service.calls();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Publish(*stub).ok()) << i;
  EXPECT_EQ(replicas_[1]->service.calls(), before + 20);
}

TEST_F(ServiceChannelTest, FailsUnavailableAtOnceWhenNoReplicaServes) {
  replicas_[0]->SetServing(false);
  replicas_[1]->SetServing(false);
  auto stub = Connect();
  const grpc::Status status = Publish(*stub);
  // UNAVAILABLE, not DEADLINE_EXCEEDED: not held until the deadline, so the gateway spools now.
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(replicas_[0]->service.calls() + replicas_[1]->service.calls(), 0);
}

}  // namespace
}  // namespace liveevents::gateway
