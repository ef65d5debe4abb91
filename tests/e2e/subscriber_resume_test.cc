// The client library against the real server binary: a Subscriber streams while the server is
// killed with SIGKILL and restarted on the same data folder and port, and while it is frozen
// (SIGSTOP, so the TCP connection stays up but no heartbeat comes). Each time the subscriber
// resumes by itself, and in the end it has seen every journaled event exactly once, in order.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/subscriber.h"
#include "tests/testing/e2e_fixture.h"

namespace liveevents::testing {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(60);  // Only a bug reaches it.

std::string Body(int i) {
  return absl::StrCat(R"({"CallbackCommand":"Live.CallbackAfterMemberStateChanged",)",
                      R"("RoomId":"resume-room","EventType":"Online","EventCause":"Enter",)",
                      R"("MemberList":[{"Member_Account":"u)", i, R"("}],"EventTime":)",
                      1700000000000LL + i, "}");
}

// Records what the subscriber delivers and why it reconnected.
class Recorder : public client::SubscriberHandler {
 public:
  void OnEvent(const v1::Event& event) override {
    absl::MutexLock lock(&mu_);
    revisions_.push_back(event.revision());
  }
  void OnReconnect(const client::ReconnectInfo& info) override {
    absl::MutexLock lock(&mu_);
    causes_.push_back(info.cause);
  }

  bool AwaitEvents(size_t n) {
    absl::MutexLock lock(&mu_);
    const auto enough = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return revisions_.size() >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), kTimeout);
  }
  // How many reconnects so far had a cause mentioning `text`.
  int Reconnects(const std::string& text) {
    absl::MutexLock lock(&mu_);
    return CountLocked(text);
  }
  // Waits until more than `before` reconnects had a cause mentioning `text`.
  bool AwaitReconnects(const std::string& text, int before) {
    absl::MutexLock lock(&mu_);
    const auto more = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return CountLocked(text) > before; };
    return mu_.AwaitWithTimeout(absl::Condition(&more), kTimeout);
  }
  std::vector<uint64_t> revisions() {
    absl::MutexLock lock(&mu_);
    return revisions_;
  }

 private:
  int CountLocked(const std::string& text) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    int count = 0;
    for (const absl::Status& cause : causes_) count += absl::StrContains(cause.message(), text);
    return count;
  }

  absl::Mutex mu_;
  std::vector<uint64_t> revisions_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Status> causes_ ABSL_GUARDED_BY(mu_);
};

class SubscriberResumeTest : public E2eFixture {
 protected:
  // Posts callbacks [from, to) through the gateway; each must be acknowledged.
  void PostRange(int from, int to) {
    for (int i = from; i < to; ++i) {
      ASSERT_EQ(Post("Live.CallbackAfterMemberStateChanged", Body(i)).status, 200) << i;
    }
  }
};

TEST_F(SubscriberResumeTest, ResumesAcrossAServerKillAndAFreezeWithNothingMissedOrRepeated) {
  constexpr int kPerPhase = 20;
  client::SubscriberOptions options;
  options.start = v1::SubscribeRequest::START_AFTER_REVISION;  // From the very first event.
  options.after_revision = 0;
  options.initial_backoff = absl::Milliseconds(20);
  options.max_backoff = absl::Milliseconds(200);
  options.heartbeat_interval = absl::Milliseconds(200);  // The fixture's --progress_interval.
  options.missed_heartbeats = 5;
  client::Subscriber subscriber(
      grpc::CreateChannel(grpc_address_, grpc::InsecureChannelCredentials()), options);
  Recorder recorder;
  absl::Status run_status;
  std::thread running([&] { run_status = subscriber.Run(recorder); });

  PostRange(0, kPerPhase);
  ASSERT_TRUE(recorder.AwaitEvents(kPerPhase));

  // 1. kill -9 and restart on the same port and data folder; post more once it is back.
  const std::string address = grpc_address_;
  ASSERT_EQ(*server_->Stop(SIGKILL, absl::Seconds(10)), 128 + SIGKILL);
  StartServer(address);
  PostRange(kPerPhase, 2 * kPerPhase);
  ASSERT_TRUE(recorder.AwaitEvents(2 * kPerPhase));

  // 2. Freeze it: the connection stays open but goes silent, which only the heartbeat watchdog
  //    notices. Thaw it once the subscriber has given up on the silent stream.
  //    (Counted from here: on a very loaded machine the watchdog may also have fired before.)
  const int silent_before = recorder.Reconnects("heartbeat");
  ASSERT_EQ(kill(server_->pid(), SIGSTOP), 0);
  const bool watchdog_fired = recorder.AwaitReconnects("heartbeat", silent_before);
  ASSERT_EQ(kill(server_->pid(), SIGCONT), 0);
  ASSERT_TRUE(watchdog_fired);
  PostRange(2 * kPerPhase, 3 * kPerPhase);
  ASSERT_TRUE(recorder.AwaitEvents(3 * kPerPhase));

  subscriber.Stop();
  running.join();
  EXPECT_TRUE(run_status.ok()) << run_status;
  // Every journaled revision once, in order: the journal is dense from 1, so that is 1..N.
  std::vector<uint64_t> want(3 * kPerPhase);
  for (size_t i = 0; i < want.size(); ++i) want[i] = i + 1;
  EXPECT_EQ(recorder.revisions(), want);
}

}  // namespace
}  // namespace liveevents::testing
