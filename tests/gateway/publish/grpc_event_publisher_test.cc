// GrpcEventPublisher against an in-process LiveEvents service whose Publish and PublishBatch are
// scripted: answers, errors, coalescing while calls are held, the fallback for a refused batch.
#include "gateway/publish/grpc_event_publisher.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "liveevents/v1/live_events.grpc.pb.h"

namespace liveevents::gateway {
namespace {

using liveevents::v1::Event;
using liveevents::v1::PublishBatchRequest;
using liveevents::v1::PublishBatchResponse;
using liveevents::v1::PublishRequest;
using liveevents::v1::PublishResponse;

// Answers each event with revision 42, or 100 + the number in its raw body, with a configured
// error, or not at all until released. Like the real service, PublishBatch refuses a whole batch
// as INVALID_ARGUMENT when an event has the command "bad", and Publish refuses such an event.
class ScriptedService : public liveevents::v1::LiveEvents::CallbackService {
 public:
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const PublishRequest* request,
                                    PublishResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      ++single_calls_;
      last_command_ = request->event().command();
      status = AnswerLocked({request->event()}, response);
    }
    reactor->Finish(status);
    return reactor;
  }

  grpc::ServerUnaryReactor* PublishBatch(grpc::CallbackServerContext* context,
                                         const PublishBatchRequest* request,
                                         PublishBatchResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      batch_sizes_.push_back(request->events_size());
      if (request->events_size() > 0) last_command_ = request->events(0).command();
      auto auth = context->client_metadata().find("authorization");
      if (auth != context->client_metadata().end()) {
        authorization_ = std::string(auth->second.data(), auth->second.size());
      }
      if (hold_) {
        held_.push_back({reactor, request, response});
        return reactor;
      }
      status = AnswerBatchLocked(*request, response);
    }
    // Outside the lock: the client's next batch may arrive at once.
    reactor->Finish(status);
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
  // Stops holding and answers the held calls: every call gets exactly one Finish, also one the
  // client has given up on.
  void ReleaseHeld() {
    std::vector<std::pair<grpc::ServerUnaryReactor*, grpc::Status>> finishes;
    {
      absl::MutexLock lock(&mu_);
      hold_ = false;
      for (const Held& held : held_) {
        finishes.emplace_back(held.reactor, AnswerBatchLocked(*held.request, held.response));
      }
      held_.clear();
    }
    for (auto& [reactor, status] : finishes) reactor->Finish(status);
  }
  // Waits (bounded) until `count` calls are held.
  bool WaitHeld(size_t count = 1) {
    absl::MutexLock lock(&mu_);
    auto arrived = [this, count]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return held_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&arrived), absl::Seconds(10));
  }
  std::string last_command() {
    absl::MutexLock lock(&mu_);
    return last_command_;
  }
  std::vector<int> batch_sizes() {
    absl::MutexLock lock(&mu_);
    return batch_sizes_;
  }
  int single_calls() {
    absl::MutexLock lock(&mu_);
    return single_calls_;
  }
  std::string authorization() {
    absl::MutexLock lock(&mu_);
    return authorization_;
  }

 private:
  struct Held {
    grpc::ServerUnaryReactor* reactor;
    const PublishBatchRequest* request;
    PublishBatchResponse* response;
  };

  grpc::Status AnswerBatchLocked(const PublishBatchRequest& request, PublishBatchResponse* response)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!status_.ok()) return status_;
    for (int i = 0; i < request.events_size(); ++i) {
      if (request.events(i).command() == "bad") {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, absl::StrCat("events[", i, "]"));
      }
    }
    for (const Event& event : request.events()) AnswerLocked(event, response->add_results());
    return grpc::Status::OK;
  }
  grpc::Status AnswerLocked(const Event& event, PublishResponse* response)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!status_.ok()) return status_;
    if (event.command() == "bad") return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad");
    int number = 0;
    response->set_revision(absl::SimpleAtoi(event.raw_body(), &number) ? 100 + number : 42);
    return grpc::Status::OK;
  }

  absl::Mutex mu_;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<Held> held_ ABSL_GUARDED_BY(mu_);
  std::string last_command_ ABSL_GUARDED_BY(mu_);
  std::vector<int> batch_sizes_ ABSL_GUARDED_BY(mu_);
  int single_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::string authorization_ ABSL_GUARDED_BY(mu_);
};

// Collects the answers of many Publish calls, each under the index of its event.
class Answers {
 public:
  EventPublisher::PublishCallback For(int index) {
    return [this, index](absl::StatusOr<PublishResponse> answer) {
      absl::MutexLock lock(&mu_);
      answers_.emplace(index, std::move(answer));
    };
  }
  // Waits (bounded) for `count` answers and returns them by index.
  std::map<int, absl::StatusOr<PublishResponse>> Wait(size_t count) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return answers_.size() >= count; };
    EXPECT_TRUE(mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10)));
    return answers_;
  }

 private:
  absl::Mutex mu_;
  std::map<int, absl::StatusOr<PublishResponse>> answers_ ABSL_GUARDED_BY(mu_);
};

Event Numbered(int number, const std::string& command = "Live.CallbackAfterMemberStateChanged") {
  Event event;
  event.set_command(command);
  event.set_raw_body(absl::StrCat(number));
  return event;
}

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

  std::shared_ptr<grpc::Channel> Channel() {
    return server_->InProcessChannel(grpc::ChannelArguments());
  }

  // Publishes one event and waits (bounded) for the answer.
  absl::StatusOr<PublishResponse> PublishAndWait(absl::Duration timeout) {
    GrpcEventPublisher publisher(Channel(), timeout);
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

TEST_F(GrpcEventPublisherTest, EventsArrivingWhileCallsAreInFlightGoOutAsOneBatch) {
  service_.Hold();
  GrpcEventPublisher publisher(Channel(), absl::Seconds(10), "", /*max_in_flight=*/2);
  Answers answers;
  // The first two fill both slots at once, each alone: no timer holds a lone event back.
  publisher.Publish(Numbered(0), answers.For(0));
  publisher.Publish(Numbered(1), answers.For(1));
  ASSERT_TRUE(service_.WaitHeld(2));
  for (int i = 2; i < 10; ++i) publisher.Publish(Numbered(i), answers.For(i));
  service_.ReleaseHeld();

  const auto got = answers.Wait(10);
  ASSERT_EQ(got.size(), 10u);
  for (const auto& [index, answer] : got) {
    ASSERT_TRUE(answer.ok()) << index << ": " << answer.status();
    EXPECT_EQ(answer->revision(), 100u + index) << "each webhook gets its own event's answer";
  }
  EXPECT_EQ(service_.batch_sizes(), (std::vector<int>{1, 1, 8}));
}

TEST_F(GrpcEventPublisherTest, ABatchErrorReachesEveryEventOfTheBatch) {
  service_.Hold();
  GrpcEventPublisher publisher(Channel(), absl::Seconds(10), "", /*max_in_flight=*/1);
  Answers answers;
  publisher.Publish(Numbered(0), answers.For(0));
  ASSERT_TRUE(service_.WaitHeld(1));
  for (int i = 1; i < 4; ++i) publisher.Publish(Numbered(i), answers.For(i));
  service_.set_status(grpc::Status(grpc::StatusCode::UNAVAILABLE, "journal stopping"));
  service_.ReleaseHeld();

  const auto got = answers.Wait(4);
  ASSERT_EQ(got.size(), 4u);
  for (const auto& [index, answer] : got) {
    EXPECT_EQ(answer.status().code(), absl::StatusCode::kUnavailable) << index;
  }
  EXPECT_EQ(service_.batch_sizes(), (std::vector<int>{1, 3}));
}

TEST_F(GrpcEventPublisherTest, ABatchRefusedAsInvalidIsSentAgainOneEventAtATime) {
  service_.Hold();
  GrpcEventPublisher publisher(Channel(), absl::Seconds(10), "", /*max_in_flight=*/1);
  Answers answers;
  publisher.Publish(Numbered(0), answers.For(0));
  ASSERT_TRUE(service_.WaitHeld(1));
  publisher.Publish(Numbered(1), answers.For(1));
  publisher.Publish(Numbered(2, "bad"), answers.For(2));
  publisher.Publish(Numbered(3), answers.For(3));
  service_.ReleaseHeld();

  const auto got = answers.Wait(4);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got.at(1)->revision(), 101u);
  EXPECT_EQ(got.at(2).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(got.at(3)->revision(), 103u) << "a bad neighbour does not fail a good webhook";
  EXPECT_EQ(service_.batch_sizes(), (std::vector<int>{1, 3}));
  EXPECT_EQ(service_.single_calls(), 3);
}

TEST_F(GrpcEventPublisherTest, TimeSpentQueuedCountsAgainstTheTimeout) {
  service_.Hold();
  GrpcEventPublisher publisher(Channel(), absl::Milliseconds(100), "", /*max_in_flight=*/1);
  Answers answers;
  publisher.Publish(Numbered(0), answers.For(0));
  ASSERT_TRUE(service_.WaitHeld(1));
  publisher.Publish(Numbered(1), answers.For(1));
  // The held call outlives its deadline; the event queued behind it has used up its own by
  // then, so it fails too (and would be spooled) instead of waiting another full timeout.
  const auto got = answers.Wait(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got.at(0).status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(got.at(1).status().code(), absl::StatusCode::kDeadlineExceeded);
}

// A service from before PublishBatch: only Publish, answering revision 7.
class PublishOnlyService : public liveevents::v1::LiveEvents::CallbackService {
 public:
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context, const PublishRequest*,
                                    PublishResponse* response) override {
    response->set_revision(7);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

TEST_F(GrpcEventPublisherTest, FallsBackToPublishWhenTheServiceHasNoPublishBatch) {
  PublishOnlyService old_service;
  grpc::ServerBuilder builder;
  builder.RegisterService(&old_service);
  std::unique_ptr<grpc::Server> old_server = builder.BuildAndStart();
  ASSERT_NE(old_server, nullptr);
  {
    GrpcEventPublisher publisher(old_server->InProcessChannel(grpc::ChannelArguments()),
                                 absl::Seconds(10));
    Answers answers;
    publisher.Publish(Numbered(0), answers.For(0));
    const auto got = answers.Wait(1);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_TRUE(got.at(0).ok()) << got.at(0).status();
    EXPECT_EQ(got.at(0)->revision(), 7u);
  }
  old_server->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
}

TEST_F(GrpcEventPublisherTest, SendsTheTokenWithBatches) {
  GrpcEventPublisher publisher(Channel(), absl::Seconds(10), "s3cret");
  Answers answers;
  publisher.Publish(Numbered(0), answers.For(0));
  ASSERT_TRUE(answers.Wait(1).at(0).ok());
  EXPECT_EQ(service_.authorization(), "Bearer s3cret");
}

TEST_F(GrpcEventPublisherTest, PublishBatchSendsOneCallAndAnswersInOrder) {
  GrpcEventPublisher publisher(Channel(), absl::Seconds(10));
  absl::Notification done;
  absl::StatusOr<std::vector<PublishResponse>> result;
  publisher.PublishBatch({Numbered(5), Numbered(3), Numbered(9)},
                         [&](absl::StatusOr<std::vector<PublishResponse>> answer) {
                           result = std::move(answer);
                           done.Notify();
                         });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->size(), 3u);
  EXPECT_EQ((*result)[0].revision(), 105u);
  EXPECT_EQ((*result)[1].revision(), 103u);
  EXPECT_EQ((*result)[2].revision(), 109u);
  EXPECT_EQ(service_.batch_sizes(), (std::vector<int>{3}));
}

}  // namespace
}  // namespace liveevents::gateway
