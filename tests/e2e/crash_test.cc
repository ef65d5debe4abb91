// Crash tests: under a stream of POSTs, kill -9 the server and restart it, kill -9 the gateway
// and restart it, freeze the server for a while and let it go. Afterwards every callback that
// got HTTP 200 is in the journal exactly once, and a resuming subscriber (the client library)
// saw every revision exactly once, in order. Loopback only, bounded in count and time.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/subscriber.h"
#include "tests/testing/e2e_fixture.h"

namespace liveevents::testing {
namespace {

constexpr int kCallbacks = 300;
constexpr int kMaxAttempts = 400;  // Per callback, while a process is down.
constexpr absl::Duration kRetryPause = absl::Milliseconds(20);
constexpr absl::Duration kPhaseTimeout = absl::Seconds(60);
// The drainer publishes the spool in batches of up to 256 events (one commit each), so the
// spooled callbacks drain within seconds of the server's return; this bounds the wait on a busy
// machine, it is not a speed requirement.
constexpr absl::Duration kDrainTimeout = absl::Seconds(60);

std::string Body(int i) {
  return absl::StrCat(R"({"CallbackCommand":"Live.CallbackAfterMemberStateChanged",)",
                      R"("RoomId":"crash-room","EventType":"Online","EventCause":"Enter",)",
                      R"("MemberList":[{"Member_Account":"u)", i, R"("}],"EventTime":)",
                      1700000000000LL + i, "}");
}

// Collects what the resuming subscriber delivers.
class Collector : public client::SubscriberHandler {
 public:
  void OnEvent(const v1::Event& event) override {
    absl::MutexLock lock(&mu_);
    if (event.revision() <= last_) ordered_ = false;
    last_ = event.revision();
    revisions_.push_back(event.revision());
    bodies_.insert(event.raw_body());
  }

  // Waits until every body in `wanted` has arrived; false on timeout.
  bool AwaitBodies(const std::set<std::string>& wanted, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto all_seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      for (const std::string& body : wanted) {
        if (!bodies_.contains(body)) return false;
      }
      return true;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&all_seen), timeout);
  }

  std::vector<uint64_t> revisions() {
    absl::MutexLock lock(&mu_);
    return revisions_;
  }
  bool ordered() {
    absl::MutexLock lock(&mu_);
    return ordered_;
  }

 private:
  absl::Mutex mu_;
  uint64_t last_ ABSL_GUARDED_BY(mu_) = 0;
  bool ordered_ ABSL_GUARDED_BY(mu_) = true;
  std::vector<uint64_t> revisions_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> bodies_ ABSL_GUARDED_BY(mu_);
};

class CrashTest : public E2eFixture {
 protected:
  // Posts every callback in order, retrying one until it is acknowledged (as Tencent would with
  // retry enabled), and records the acknowledged ones.
  // The gateway comes back on the same `address` after it is killed.
  void PostAll(const std::string& address) {
    for (int i = 0; i < kCallbacks; ++i) {
      for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
        HttpReply reply =
            PostCallback(address, kAppId, "Live.CallbackAfterMemberStateChanged", Body(i));
        absl::MutexLock lock(&mu_);
        if (reply.status == 200) {
          acked_.insert(Body(i));
          break;
        }
        ++refused_;
        // Pause before the retry, waking early if the test is being torn down.
        mu_.AwaitWithTimeout(absl::Condition(&stop_), kRetryPause);
      }
    }
    absl::MutexLock lock(&mu_);
    posting_done_ = true;
  }

  bool AwaitAcked(size_t count) {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return acked_.size() >= count || posting_done_;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), kPhaseTimeout);
  }

  // Every event in the journal, by paging ListEvents.
  std::vector<v1::Event> Journal() {
    std::vector<v1::Event> events;
    uint64_t after = 0;
    while (true) {
      v1::ListEventsRequest request;
      request.set_after_revision(after);
      request.set_limit(1000);
      v1::ListEventsResponse response;
      grpc::ClientContext context;
      EXPECT_TRUE(stub_->ListEvents(&context, request, &response).ok());
      if (response.events().empty()) return events;
      for (const v1::Event& event : response.events()) events.push_back(event);
      after = response.events().rbegin()->revision();
    }
  }

  absl::Mutex mu_;
  std::set<std::string> acked_ ABSL_GUARDED_BY(mu_);
  int refused_ ABSL_GUARDED_BY(mu_) = 0;
  bool posting_done_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
};

TEST_F(CrashTest, EveryAcknowledgedCallbackIsJournaledOnceAndSeenOnceInOrder) {
  auto channel = grpc::CreateChannel(grpc_address_, grpc::InsecureChannelCredentials());
  client::SubscriberOptions options;
  options.max_backoff = absl::Milliseconds(200);
  client::Subscriber subscriber(channel, options);
  Collector collector;
  absl::Status subscriber_status;
  std::thread subscribing([&] { subscriber_status = subscriber.Run(collector); });
  std::thread posting([this, address = http_address_] { PostAll(address); });

  // 1. kill -9 the server mid-stream and bring it back on the same address.
  ASSERT_TRUE(AwaitAcked(kCallbacks / 5));
  const std::string server_address = grpc_address_;
  ASSERT_EQ(*server_->Stop(SIGKILL, absl::Seconds(10)), 128 + SIGKILL);
  StartServer(server_address);

  // 2. kill -9 the gateway and bring it back on the same address.
  ASSERT_TRUE(AwaitAcked(kCallbacks * 2 / 5));
  const std::string gateway_address = http_address_;
  ASSERT_EQ(*gateway_->Stop(SIGKILL, absl::Seconds(10)), 128 + SIGKILL);
  StartGateway(gateway_address);

  // 3. Freeze the server while more callbacks arrive: Publish times out, the gateway spools
  //    them and answers OK. Thaw it; the spool drains (the frozen calls that did reach the
  //    server come again from the spool and are deduplicated).
  ASSERT_TRUE(AwaitAcked(kCallbacks * 3 / 5));
  ASSERT_EQ(kill(server_->pid(), SIGSTOP), 0);
  EXPECT_TRUE(AwaitAcked(kCallbacks * 4 / 5));
  ASSERT_EQ(kill(server_->pid(), SIGCONT), 0);

  posting.join();
  std::set<std::string> acked;
  {
    absl::MutexLock lock(&mu_);
    acked = acked_;
  }
  EXPECT_EQ(acked.size(), static_cast<size_t>(kCallbacks)) << "every callback got through";
  {
    absl::MutexLock lock(&mu_);
    RecordProperty("refused_attempts", refused_);  // Answers other than 200, retried.
  }

  // Callbacks answered OK while the server was away or frozen sit in the gateway's spool until
  // its drainer delivers them, so wait for all of them before reading the journal.
  if (!collector.AwaitBodies(acked, kDrainTimeout)) {
    subscriber.Stop();
    subscribing.join();
    const std::vector<uint64_t> seen = collector.revisions();
    const std::set<uint64_t> seen_set(seen.begin(), seen.end());
    std::vector<uint64_t> missing;
    for (const v1::Event& event : Journal()) {
      if (!seen_set.contains(event.revision())) missing.push_back(event.revision());
    }
    FAIL() << "the subscriber saw " << seen.size() << " events, the last "
           << (seen.empty() ? 0 : seen.back()) << "; the journal holds " << Journal().size()
           << "; missing revisions: " << ::testing::PrintToString(missing)
           << "; the subscriber ended with: " << subscriber_status;
  }

  // Every acknowledged callback is in the journal exactly once, with dense revisions.
  std::vector<v1::Event> journal = Journal();
  std::map<std::string, int> copies;
  for (size_t i = 0; i < journal.size(); ++i) {
    EXPECT_EQ(journal[i].revision(), i + 1);
    ++copies[journal[i].raw_body()];
  }
  for (const std::string& body : acked) EXPECT_EQ(copies[body], 1) << body;
  for (const auto& [body, count] : copies) EXPECT_EQ(count, 1) << body;

  // The subscriber resumed across both server lives and saw each revision once, in order.
  EXPECT_TRUE(collector.AwaitBodies(acked, kPhaseTimeout));
  subscriber.Stop();
  subscribing.join();
  EXPECT_TRUE(subscriber_status.ok()) << subscriber_status;
  EXPECT_TRUE(collector.ordered());
  std::vector<uint64_t> revisions = collector.revisions();
  ASSERT_FALSE(revisions.empty());
  for (size_t i = 0; i < revisions.size(); ++i) EXPECT_EQ(revisions[i], i + 1);
  EXPECT_EQ(revisions.size(), journal.size());
}

}  // namespace
}  // namespace liveevents::testing
