// RevisionWaiter: waits end when their revision is committed, at their deadline, or at Stop,
// each exactly once; every batch still reaches the next listener.
#include "service/revision_waiter.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"

namespace liveevents::service {
namespace {

class CountingListener : public CommitListener {
 public:
  void OnCommitted(absl::Span<const EventPtr> events) override { count += events.size(); }
  void OnSkipped(uint64_t head) override { skipped_to = head; }
  size_t count = 0;
  uint64_t skipped_to = 0;
};

std::vector<EventPtr> Events(uint64_t first, uint64_t last) {
  std::vector<EventPtr> events;
  for (uint64_t revision = first; revision <= last; ++revision) {
    auto event = std::make_shared<v1::Event>();
    event->set_revision(revision);
    events.push_back(std::move(event));
  }
  return events;
}

// Records the status a wait ended with and how often it ended.
struct Ended {
  absl::Status status = absl::UnknownError("not ended");
  int times = 0;
  absl::Notification done;
  RevisionWaiter::Done Callback() {
    return [this](absl::Status ended) {
      status = ended;
      ++times;
      done.Notify();
    };
  }
};

TEST(RevisionWaiterTest, AnAppliedRevisionEndsTheWaitAtOnce) {
  CountingListener hub;
  RevisionWaiter waiter(hub);
  waiter.OnRecovered(5);
  Ended ended;
  waiter.Wait(5, absl::InfiniteFuture(), ended.Callback());
  EXPECT_TRUE(ended.done.HasBeenNotified());
  EXPECT_TRUE(ended.status.ok());
}

TEST(RevisionWaiterTest, ASkipEndsTheWaitsItReachesAndIsPassedOn) {
  CountingListener hub;
  RevisionWaiter waiter(hub);
  Ended three, nine;
  waiter.Wait(3, absl::InfiniteFuture(), three.Callback());
  waiter.Wait(9, absl::InfiniteFuture(), nine.Callback());
  waiter.OnSkipped(7);  // A replica that fell behind retention loaded the checkpoint at 7.
  EXPECT_EQ(hub.skipped_to, 7u);
  EXPECT_TRUE(three.done.HasBeenNotified());
  EXPECT_TRUE(three.status.ok());
  EXPECT_FALSE(nine.done.HasBeenNotified());
  waiter.OnCommitted(Events(8, 9));
  EXPECT_TRUE(nine.status.ok());
  EXPECT_EQ(nine.times, 1);
}

TEST(RevisionWaiterTest, ACommitEndsTheWaitsItReachesAndPassesTheBatchOn) {
  CountingListener hub;
  RevisionWaiter waiter(hub);
  Ended two, four;
  waiter.Wait(2, absl::InfiniteFuture(), two.Callback());
  waiter.Wait(4, absl::InfiniteFuture(), four.Callback());
  waiter.OnCommitted(Events(1, 3));
  EXPECT_EQ(hub.count, 3u);
  EXPECT_TRUE(two.done.HasBeenNotified());
  EXPECT_TRUE(two.status.ok());
  EXPECT_FALSE(four.done.HasBeenNotified());
  waiter.OnCommitted(Events(4, 4));
  EXPECT_TRUE(four.status.ok());
  EXPECT_EQ(four.times, 1);
}

TEST(RevisionWaiterTest, ADeadlineEndsTheWaitOnceWithDeadlineExceeded) {
  CountingListener hub;
  RevisionWaiter waiter(hub);
  Ended ended;
  waiter.Wait(7, absl::Now() + absl::Milliseconds(20), ended.Callback());
  ended.done.WaitForNotification();
  EXPECT_TRUE(absl::IsDeadlineExceeded(ended.status)) << ended.status;
  waiter.OnCommitted(Events(1, 7));  // Too late: not answered twice.
  EXPECT_EQ(ended.times, 1);
}

TEST(RevisionWaiterTest, StopEndsEveryWaitWithUnavailable) {
  CountingListener hub;
  RevisionWaiter waiter(hub);
  Ended waiting, later;
  waiter.Wait(3, absl::InfiniteFuture(), waiting.Callback());
  waiter.Stop();
  EXPECT_TRUE(absl::IsUnavailable(waiting.status)) << waiting.status;
  waiter.Wait(3, absl::InfiniteFuture(), later.Callback());
  EXPECT_TRUE(absl::IsUnavailable(later.status)) << later.status;
}

}  // namespace
}  // namespace liveevents::service
