#include "client/subscriber.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "fake_live_events.h"

namespace liveevents::client {
namespace {

namespace v1 = liveevents::v1;
using testing::EventAt;
using testing::FakeServer;
using testing::ProgressAt;
using testing::SnapshotEndAt;
using testing::SnapshotPart;
using testing::StreamScript;

// Generous bound on waits for things that happen in microseconds; only a bug reaches it.
constexpr absl::Duration kWait = absl::Seconds(30);

// Records what the subscriber delivered; readable from the test thread.
class RecordingHandler : public SubscriberHandler {
 public:
  void OnEvent(const v1::Event& event) override {
    absl::MutexLock lock(&mu_);
    events_.push_back(event.revision());
  }
  void OnProgress(uint64_t revision) override {
    absl::MutexLock lock(&mu_);
    progress_.push_back(revision);
  }
  void OnSnapshot(const v1::Snapshot& snapshot) override {
    absl::MutexLock lock(&mu_);
    snapshot_parts_ += snapshot.rooms_size();
  }
  void OnSnapshotEnd(uint64_t revision) override {
    absl::MutexLock lock(&mu_);
    snapshot_ends_.push_back(revision);
  }
  void OnCompacted(uint64_t last_revision) override {
    absl::MutexLock lock(&mu_);
    compacted_.push_back(last_revision);
  }
  void OnReconnect(const ReconnectInfo& info) override {
    absl::MutexLock lock(&mu_);
    reconnects_.push_back(info);
  }

  bool AwaitEvents(size_t n) {
    absl::MutexLock lock(&mu_);
    const auto enough = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return events_.size() >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), kWait);
  }
  std::vector<uint64_t> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  std::vector<uint64_t> progress() {
    absl::MutexLock lock(&mu_);
    return progress_;
  }
  int snapshot_parts() {
    absl::MutexLock lock(&mu_);
    return snapshot_parts_;
  }
  std::vector<uint64_t> snapshot_ends() {
    absl::MutexLock lock(&mu_);
    return snapshot_ends_;
  }
  std::vector<uint64_t> compacted() {
    absl::MutexLock lock(&mu_);
    return compacted_;
  }
  std::vector<ReconnectInfo> reconnects() {
    absl::MutexLock lock(&mu_);
    return reconnects_;
  }

 private:
  absl::Mutex mu_;
  std::vector<uint64_t> events_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> progress_ ABSL_GUARDED_BY(mu_);
  int snapshot_parts_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<uint64_t> snapshot_ends_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> compacted_ ABSL_GUARDED_BY(mu_);
  std::vector<ReconnectInfo> reconnects_ ABSL_GUARDED_BY(mu_);
};

// Runs a Subscriber on its own thread, as a service would.
class RunningSubscriber {
 public:
  RunningSubscriber(std::shared_ptr<grpc::Channel> channel, SubscriberOptions options)
      : subscriber_(std::move(channel), std::move(options)),
        thread_([this] { status_ = subscriber_.Run(handler_); }) {}
  // Tests check the status themselves; here only the thread must not outlive the object.
  ~RunningSubscriber() { StopAndJoin().IgnoreError(); }

  absl::Status StopAndJoin() {
    subscriber_.Stop();
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  // For runs that end by themselves (terminal status): no Stop().
  absl::Status Join() {
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  RecordingHandler& handler() { return handler_; }
  Subscriber& subscriber() { return subscriber_; }

 private:
  RecordingHandler handler_;
  Subscriber subscriber_;
  absl::Status status_;
  std::thread thread_;  // Last: starts once everything it uses exists.
};

SubscriberOptions FastOptions() {
  SubscriberOptions options;
  options.initial_backoff = absl::Milliseconds(1);
  options.max_backoff = absl::Milliseconds(10);
  return options;
}

TEST(SubscriberTest, ResumesAfterUnavailableFromLastRevisionSeen) {
  FakeServer server;
  server.service().AddScript(
      {{EventAt(1), EventAt(2), EventAt(3)}, grpc::Status(grpc::StatusCode::UNAVAILABLE, "drain")});
  server.service().AddScript({{EventAt(4), EventAt(5)}, std::nullopt});
  RunningSubscriber run(server.channel(), FastOptions());

  ASSERT_TRUE(run.handler().AwaitEvents(5));
  EXPECT_TRUE(run.StopAndJoin().ok());
  EXPECT_EQ(run.handler().events(), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  const auto requests = server.service().requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].start(), v1::SubscribeRequest::START_NOW);
  EXPECT_EQ(requests[1].start(), v1::SubscribeRequest::START_AFTER_REVISION);
  EXPECT_EQ(requests[1].after_revision(), 3u);
  EXPECT_EQ(run.subscriber().last_revision(), 5u);
}

// The library asks for batches; a batch reaches the handler event by event, and the position
// moves past the whole batch.
TEST(SubscriberTest, DeliversABatchEventByEvent) {
  v1::SubscribeResponse batch;
  for (uint64_t revision = 2; revision <= 4; ++revision) {
    *batch.mutable_events()->add_events() = EventAt(revision).event();
  }
  FakeServer server;
  server.service().AddScript({{EventAt(1), batch, EventAt(5)}, std::nullopt});
  RunningSubscriber run(server.channel(), FastOptions());

  ASSERT_TRUE(run.handler().AwaitEvents(5));
  EXPECT_TRUE(run.StopAndJoin().ok());
  EXPECT_EQ(run.handler().events(), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(run.subscriber().last_revision(), 5u);
  const auto requests = server.service().requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_GT(requests[0].max_batch(), 1u);
}

TEST(SubscriberTest, DropsRepeatedRevisionsAfterAReconnect) {
  FakeServer server;
  server.service().AddScript({{EventAt(1), EventAt(2), EventAt(3)}, grpc::Status::OK});
  // A misbehaving server repeats 2 and 3 on the resumed stream.
  server.service().AddScript({{EventAt(2), EventAt(3), EventAt(4), EventAt(5)}, std::nullopt});
  RunningSubscriber run(server.channel(), FastOptions());

  ASSERT_TRUE(run.handler().AwaitEvents(5));
  EXPECT_TRUE(run.StopAndJoin().ok());
  EXPECT_EQ(run.handler().events(), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

TEST(SubscriberTest, ResumesFromProgressAndKeepsTheFilter) {
  FakeServer server;
  server.service().AddScript(
      {{ProgressAt(7)}, grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "SLOW_CONSUMER")});
  server.service().AddScript({{EventAt(9)}, std::nullopt});
  SubscriberOptions options = FastOptions();
  options.filter.add_room_ids("r1");
  options.start = v1::SubscribeRequest::START_AFTER_REVISION;
  options.after_revision = 5;
  RunningSubscriber run(server.channel(), options);

  ASSERT_TRUE(run.handler().AwaitEvents(1));
  EXPECT_TRUE(run.StopAndJoin().ok());
  EXPECT_EQ(run.handler().progress(), (std::vector<uint64_t>{7}));
  EXPECT_EQ(run.handler().events(), (std::vector<uint64_t>{9}));
  const auto requests = server.service().requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].after_revision(), 5u);
  EXPECT_EQ(requests[1].start(), v1::SubscribeRequest::START_AFTER_REVISION);
  EXPECT_EQ(requests[1].after_revision(), 7u);
  ASSERT_EQ(requests[1].filter().room_ids_size(), 1);
  EXPECT_EQ(requests[1].filter().room_ids(0), "r1");
}

TEST(SubscriberTest, ResnapshotsWhenTheResumePointWasCompacted) {
  FakeServer server;
  server.service().AddScript(
      {{EventAt(1), EventAt(2)},
       grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "REVISION_COMPACTED oldest 10")});
  server.service().AddScript({{SnapshotPart("r1"), SnapshotEndAt(20), EventAt(21)},
                              grpc::Status(grpc::StatusCode::UNAVAILABLE, "drain")});
  server.service().AddScript({{EventAt(22)}, std::nullopt});
  RunningSubscriber run(server.channel(), FastOptions());

  ASSERT_TRUE(run.handler().AwaitEvents(4));
  EXPECT_TRUE(run.StopAndJoin().ok());
  EXPECT_EQ(run.handler().events(), (std::vector<uint64_t>{1, 2, 21, 22}));
  EXPECT_EQ(run.handler().compacted(), (std::vector<uint64_t>{2}));
  EXPECT_EQ(run.handler().snapshot_parts(), 1);
  EXPECT_EQ(run.handler().snapshot_ends(), (std::vector<uint64_t>{20}));
  const auto requests = server.service().requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].start(), v1::SubscribeRequest::START_SNAPSHOT);
  EXPECT_EQ(requests[2].start(), v1::SubscribeRequest::START_AFTER_REVISION);
  EXPECT_EQ(requests[2].after_revision(), 21u);
  const auto reconnects = run.handler().reconnects();
  ASSERT_EQ(reconnects.size(), 2u);
  EXPECT_EQ(reconnects[0].cause.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(reconnects[0].resume_after, 0u);  // Starts over from a snapshot.
  EXPECT_EQ(reconnects[1].resume_after, 21u);
}

// Refused before any position (a START_NOW or snapshot stream): starting over cannot help.
TEST(SubscriberTest, CompactedWithoutAResumePointIsTerminal) {
  FakeServer server;
  server.service().AddScript(
      {{}, grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "REVISION_COMPACTED")});
  RunningSubscriber run(server.channel(), FastOptions());
  EXPECT_EQ(run.Join().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(run.handler().compacted().empty());
  EXPECT_EQ(server.service().requests().size(), 1u);
}

TEST(SubscriberTest, SurfacesCompactedJournalWhenResnapshotIsOff) {
  FakeServer server;
  server.service().AddScript(
      {{EventAt(1), EventAt(2)},
       grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "REVISION_COMPACTED oldest 10")});
  SubscriberOptions options = FastOptions();
  options.resnapshot_on_compacted = false;
  RunningSubscriber run(server.channel(), options);

  const absl::Status status = run.Join();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("REVISION_COMPACTED"), absl::string_view::npos) << status;
  EXPECT_NE(status.message().find("last revision seen 2"), absl::string_view::npos) << status;
  EXPECT_EQ(run.handler().events(), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(server.service().requests().size(), 1u);
}

TEST(SubscriberTest, SurfacesOutOfRangeAndInvalidArgument) {
  for (const grpc::StatusCode code :
       {grpc::StatusCode::OUT_OF_RANGE, grpc::StatusCode::INVALID_ARGUMENT}) {
    FakeServer server;
    server.service().AddScript({{}, grpc::Status(code, "no")});
    RunningSubscriber run(server.channel(), FastOptions());
    EXPECT_EQ(static_cast<int>(run.Join().code()), static_cast<int>(code));
    EXPECT_EQ(server.service().requests().size(), 1u);
  }
}

TEST(SubscriberTest, RestartsABrokenSnapshotThenResumesAfterItsEnd) {
  FakeServer server;
  server.service().AddScript(
      {{SnapshotPart("r1")}, grpc::Status(grpc::StatusCode::UNAVAILABLE, "broken mid-snapshot")});
  server.service().AddScript({{SnapshotPart("r1"), SnapshotEndAt(4), EventAt(5)},
                              grpc::Status(grpc::StatusCode::UNAVAILABLE, "drain")});
  server.service().AddScript({{EventAt(6)}, std::nullopt});
  SubscriberOptions options = FastOptions();
  options.start = v1::SubscribeRequest::START_SNAPSHOT;
  RunningSubscriber run(server.channel(), options);

  ASSERT_TRUE(run.handler().AwaitEvents(2));
  EXPECT_TRUE(run.StopAndJoin().ok());
  EXPECT_EQ(run.handler().events(), (std::vector<uint64_t>{5, 6}));
  EXPECT_EQ(run.handler().snapshot_parts(), 2);  // Sent again after the break.
  EXPECT_EQ(run.handler().snapshot_ends(), (std::vector<uint64_t>{4}));
  const auto requests = server.service().requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].start(), v1::SubscribeRequest::START_SNAPSHOT);
  EXPECT_EQ(requests[1].start(), v1::SubscribeRequest::START_SNAPSHOT);
  EXPECT_EQ(requests[2].start(), v1::SubscribeRequest::START_AFTER_REVISION);
  EXPECT_EQ(requests[2].after_revision(), 5u);
}

// A stream held open with no message at all (a half-open connection, a wedged server) is
// cancelled after missed_heartbeats intervals and resumed where it was.
TEST(SubscriberTest, ResumesAStreamThatMissedItsHeartbeats) {
  FakeServer server;
  server.service().AddScript({{EventAt(1)}, std::nullopt});
  server.service().AddScript({{EventAt(2)}, std::nullopt});
  SubscriberOptions options = FastOptions();
  // Long enough that the first stream delivers its event before the watchdog can fire even on
  // a loaded machine; short enough to keep the test fast.
  options.heartbeat_interval = absl::Milliseconds(100);
  options.missed_heartbeats = 3;
  RunningSubscriber run(server.channel(), options);

  ASSERT_TRUE(run.handler().AwaitEvents(2));
  EXPECT_TRUE(run.StopAndJoin().ok());
  EXPECT_EQ(run.handler().events(), (std::vector<uint64_t>{1, 2}));
  const auto requests = server.service().requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[1].start(), v1::SubscribeRequest::START_AFTER_REVISION);
  EXPECT_EQ(requests[1].after_revision(), 1u);
  const auto reconnects = run.handler().reconnects();
  ASSERT_GE(reconnects.size(), 1u);
  EXPECT_EQ(reconnects[0].cause.code(), absl::StatusCode::kUnavailable) << reconnects[0].cause;
  EXPECT_NE(reconnects[0].cause.message().find("heartbeat"), absl::string_view::npos);
  EXPECT_EQ(reconnects[0].resume_after, 1u);
}

// A handler slower than the watchdog's limit is not a dead stream: the time it takes does not
// count as silence.
TEST(SubscriberTest, ASlowHandlerIsNotMistakenForASilentStream) {
  class SlowFirstEvent : public RecordingHandler {
   public:
    void OnEvent(const v1::Event& event) override {
      // Three times the watchdog's limit: the slow consumer under test.
      if (event.revision() == 1) absl::SleepFor(absl::Milliseconds(300));
      RecordingHandler::OnEvent(event);
    }
  };
  FakeServer server;
  server.service().AddScript({{EventAt(1), EventAt(2)}, std::nullopt});
  SubscriberOptions options = FastOptions();
  options.heartbeat_interval = absl::Milliseconds(30);
  options.missed_heartbeats = 3;
  Subscriber subscriber(server.channel(), options);
  SlowFirstEvent handler;
  absl::Status status;
  std::thread running([&] { status = subscriber.Run(handler); });
  ASSERT_TRUE(handler.AwaitEvents(2));
  subscriber.Stop();
  running.join();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(handler.events(), (std::vector<uint64_t>{1, 2}));
  // The stream then went silent and was resumed, but only after both events.
  for (const ReconnectInfo& reconnect : handler.reconnects()) {
    EXPECT_EQ(reconnect.resume_after, 2u) << reconnect.cause;
  }
}

TEST(SubscriberTest, StopWakesALongBackoff) {
  FakeServer server;
  server.service().AddScript({{}, grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")});
  SubscriberOptions options;
  options.initial_backoff = absl::Hours(1);
  options.max_backoff = absl::Hours(1);
  RunningSubscriber run(server.channel(), options);
  ASSERT_TRUE(server.service().AwaitRequests(1, kWait));
  // Whether Stop lands before or during the hour-long backoff, Run must return promptly.
  EXPECT_TRUE(run.StopAndJoin().ok());
  EXPECT_EQ(server.service().requests().size(), 1u);
}

TEST(SubscriberTest, StopBeforeRunReturnsAtOnce) {
  FakeServer server;
  Subscriber subscriber(server.channel(), FastOptions());
  subscriber.Stop();
  RecordingHandler handler;
  EXPECT_TRUE(subscriber.Run(handler).ok());
  EXPECT_TRUE(server.service().requests().empty());
}

}  // namespace
}  // namespace liveevents::client
