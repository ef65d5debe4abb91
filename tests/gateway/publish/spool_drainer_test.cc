// Tests for the spool drainer over a fake service: it drains in batches (by count and by
// bytes), in order, removes events only once their batch is acknowledged, and after a batch
// refused as INVALID_ARGUMENT sends its events one at a time, moving only the bad one aside.
#include "gateway/publish/spool_drainer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/publish_limits.h"
#include "tests/gateway/publish/fake_event_publisher.h"
#include "tests/testing/temp_path.h"

namespace liveevents::gateway {
namespace {

namespace fs = std::filesystem;

constexpr absl::Duration kWait = absl::Seconds(10);

liveevents::v1::Event MakeEvent(int i, size_t padding = 0) {
  liveevents::v1::Event event;
  event.set_sdk_app_id(1400000001);
  event.set_command("Live.CallbackAfterMemberStateChanged");
  event.set_raw_body(absl::StrCat(R"({"Member_Account":"u)", i, R"(","pad":")",
                                  std::string(padding, 'x'), R"("})"));
  return event;
}

class SpoolDrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::UniqueTempPath("spool");
    fs::remove_all(dir_);
    auto spool = EventSpool::Open({dir_, uint64_t{64} << 20, uint64_t{4} << 20});
    ASSERT_TRUE(spool.ok()) << spool.status();
    spool_ = std::move(*spool);
  }
  void TearDown() override {
    drainer_.reset();
    spool_.reset();
    fs::remove_all(dir_);
  }

  // Spools events first..first+count-1, each with `padding` bytes of body.
  void Spool(int first, int count, size_t padding = 0) {
    std::vector<liveevents::v1::Event> events;
    for (int i = first; i < first + count; ++i) events.push_back(MakeEvent(i, padding));
    absl::StatusOr<size_t> stored = spool_->Append(events);
    ASSERT_TRUE(stored.ok()) << stored.status();
    ASSERT_EQ(*stored, events.size());
  }

  void StartDrainer() {
    drainer_ = std::make_unique<SpoolDrainer>(
        fake_, *spool_, SpoolDrainer::Options{absl::Milliseconds(1), absl::Milliseconds(10)});
  }

  std::vector<std::string> Delivered() const {
    std::vector<std::string> bodies;
    for (const auto& event : fake_.delivered()) bodies.push_back(event.raw_body());
    return bodies;
  }

  static std::vector<std::string> Expected(const std::vector<int>& numbers, size_t padding = 0) {
    std::vector<std::string> bodies;
    for (int i : numbers) bodies.push_back(MakeEvent(i, padding).raw_body());
    return bodies;
  }

  static std::vector<int> Range(int count) {
    std::vector<int> numbers;
    for (int i = 0; i < count; ++i) numbers.push_back(i);
    return numbers;
  }

  std::string dir_;
  FakeEventPublisher fake_;
  std::unique_ptr<EventSpool> spool_;
  std::unique_ptr<SpoolDrainer> drainer_;
};

TEST_F(SpoolDrainerTest, DrainsInTheLargestBatchesTheServiceTakesInOrder) {
  const int count = 2 * static_cast<int>(kMaxPublishBatchEvents) + 88;
  Spool(0, count);
  StartDrainer();
  ASSERT_TRUE(drainer_->WaitUntilEmpty(kWait));
  EXPECT_EQ(Delivered(), Expected(Range(count)));
  EXPECT_EQ(fake_.batch_sizes(),
            (std::vector<size_t>{kMaxPublishBatchEvents, kMaxPublishBatchEvents, 88}));
}

TEST_F(SpoolDrainerTest, ABatchStaysUnderTheByteLimit) {
  // Three of these exceed kMaxPublishBatchBytes.
  const size_t padding = kMaxPublishBatchBytes * 2 / 5;
  Spool(0, 5, padding);
  StartDrainer();
  ASSERT_TRUE(drainer_->WaitUntilEmpty(kWait));
  EXPECT_EQ(Delivered(), Expected(Range(5), padding));
  EXPECT_EQ(fake_.batch_sizes(), (std::vector<size_t>{2, 2, 1}));
}

TEST_F(SpoolDrainerTest, KeepsABatchSpooledUntilTheServiceAnswers) {
  Spool(0, 3);
  fake_.HoldAnswers();
  StartDrainer();
  ASSERT_TRUE(fake_.WaitForHeld(1, kWait));
  EXPECT_EQ(spool_->count(), 3u) << "nothing is removed before the acknowledgement";
  fake_.ReleaseAnswers();
  ASSERT_TRUE(drainer_->WaitUntilEmpty(kWait));
  EXPECT_EQ(Delivered(), Expected(Range(3)));
}

TEST_F(SpoolDrainerTest, RetriesAFailedBatchAndDeliversItOnce) {
  Spool(0, 4);
  fake_.FailWith(absl::UnavailableError("down"));
  StartDrainer();
  // Once the drainer has failed twice, the service comes back.
  ASSERT_TRUE(fake_.WaitForBatches(2, kWait));
  EXPECT_EQ(spool_->count(), 4u);
  fake_.FailWith(absl::OkStatus());
  ASSERT_TRUE(drainer_->WaitUntilEmpty(kWait));
  EXPECT_EQ(Delivered(), Expected(Range(4)));
}

TEST_F(SpoolDrainerTest, ABatchRefusedAsInvalidGoesOneByOneAndOnlyTheBadEventIsMovedAside) {
  Spool(0, 5);
  fake_.FailBody(MakeEvent(2).raw_body(), absl::InvalidArgumentError("events[2]: bad event"));
  StartDrainer();
  ASSERT_TRUE(drainer_->WaitUntilEmpty(kWait));
  EXPECT_EQ(Delivered(), Expected({0, 1, 3, 4}));
  EXPECT_EQ(fake_.batch_sizes(), (std::vector<size_t>{5, 1, 1, 1, 1, 1}));
  EXPECT_TRUE(fs::exists(fs::path(dir_) / "rejected.log"));

  // Then back to batches.
  Spool(5, 3);
  drainer_->Notify();
  ASSERT_TRUE(drainer_->WaitUntilEmpty(kWait));
  EXPECT_EQ(fake_.batch_sizes().back(), 3u);
}

}  // namespace
}  // namespace liveevents::gateway
