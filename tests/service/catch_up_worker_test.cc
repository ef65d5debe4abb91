// The catch-up worker runs every posted task exactly once, also those queued when it stops.
#include "service/catch_up_worker.h"

#include <gtest/gtest.h>

#include <atomic>

#include "absl/synchronization/notification.h"

namespace liveevents::service {
namespace {

TEST(CatchUpWorkerTest, RunsPostedTasksOffTheCallersThread) {
  CatchUpWorker worker(2);
  absl::Notification ran;
  std::thread::id runner;
  worker.Post([&] {
    runner = std::this_thread::get_id();
    ran.Notify();
  });
  ASSERT_TRUE(ran.WaitForNotificationWithTimeout(absl::Seconds(20)));
  EXPECT_NE(runner, std::this_thread::get_id());
}

TEST(CatchUpWorkerTest, StopRunsWhatIsQueuedAndLaterTasksRunInline) {
  std::atomic<int> count{0};
  absl::Notification release;
  CatchUpWorker worker(1);
  worker.Post([&] { release.WaitForNotification(); });  // Holds the only thread.
  for (int i = 0; i < 100; ++i) worker.Post([&] { ++count; });
  release.Notify();
  worker.Stop();
  EXPECT_EQ(count.load(), 100);
  worker.Post([&] { ++count; });
  EXPECT_EQ(count.load(), 101);
}

}  // namespace
}  // namespace liveevents::service
