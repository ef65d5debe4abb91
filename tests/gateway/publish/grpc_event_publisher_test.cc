// GrpcEventPublisher against an in-process LiveEvents service whose Publish is scripted.
#include "gateway/publish/grpc_event_publisher.h"

#include <memory>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "liveevents/v1/live_events.grpc.pb.h"

namespace liveevents::gateway {
namespace {

using liveevents::v1::Event;
using liveevents::v1::PublishRequest;
using liveevents::v1::PublishResponse;

// Answers Publish with revision 42, with a configured error, or not at all until released.
class ScriptedService : public liveevents::v1::LiveEvents::CallbackService {
 public:
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const PublishRequest* request,
                                    PublishResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::MutexLock lock(&mu_);
    last_command_ = request->event().command();
    if (hold_) {
      held_ = reactor;
      return reactor;
    }
    response->set_revision(42);
    reactor->Finish(status_);
    return reactor;
  }

  void set_status(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    status_ = std::move(status);
  }
  void Hold() {
    absl::MutexLock lock(&mu_);
    hold_ = true;
  }
  // Every call gets exactly one Finish, also one the client has given up on.
  void ReleaseHeld() {
    absl::MutexLock lock(&mu_);
    if (held_ != nullptr) held_->Finish(grpc::Status::OK);
    held_ = nullptr;
  }
  // Waits (bounded) until a held call has arrived, so that TearDown can finish it.
  bool WaitHeld() {
    absl::MutexLock lock(&mu_);
    auto arrived = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return held_ != nullptr; };
    return mu_.AwaitWithTimeout(absl::Condition(&arrived), absl::Seconds(10));
  }
  std::string last_command() {
    absl::MutexLock lock(&mu_);
    return last_command_;
  }

 private:
  absl::Mutex mu_;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ServerUnaryReactor* held_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::string last_command_ ABSL_GUARDED_BY(mu_);
};

class GrpcEventPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    service_.ReleaseHeld();
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  }

  // Publishes one event and waits (bounded) for the answer.
  absl::StatusOr<PublishResponse> PublishAndWait(absl::Duration timeout) {
    GrpcEventPublisher publisher(server_->InProcessChannel(grpc::ChannelArguments()), timeout);
    Event event;
    event.set_command("Live.CallbackAfterCreateRoom");
    absl::Notification done;
    absl::StatusOr<PublishResponse> result = absl::UnknownError("no answer");
    publisher.Publish(event, [&](absl::StatusOr<PublishResponse> answer) {
      result = std::move(answer);
      done.Notify();
    });
    EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    return result;
  }

  ScriptedService service_;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(GrpcEventPublisherTest, ReturnsServiceAnswer) {
  const absl::StatusOr<PublishResponse> result = PublishAndWait(absl::Seconds(5));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->revision(), 42u);
  EXPECT_EQ(service_.last_command(), "Live.CallbackAfterCreateRoom");
}

TEST_F(GrpcEventPublisherTest, MapsGrpcErrorToSameAbslCode) {
  service_.set_status(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "journal full"));
  const absl::StatusOr<PublishResponse> result = PublishAndWait(absl::Seconds(5));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(result.status().message(), "journal full");
}

TEST_F(GrpcEventPublisherTest, FailsWithDeadlineExceededWhenServiceIsSlow) {
  service_.Hold();
  const absl::StatusOr<PublishResponse> result = PublishAndWait(absl::Milliseconds(100));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(service_.WaitHeld());
}

}  // namespace
}  // namespace liveevents::gateway
