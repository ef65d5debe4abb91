// Tests for the spooling decorator over a fake service: failures are spooled and answered OK,
// later events queue behind spooled ones, the drainer delivers in order once the service is back,
// INVALID_ARGUMENT is passed on (or moved aside when draining), a full spool is an error, and what
// an earlier run spooled drains first.
#include "gateway/publish/spooling_publisher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "tests/gateway/publish/fake_event_publisher.h"

namespace liveevents::gateway {
namespace {

namespace fs = std::filesystem;

constexpr absl::Duration kWait = absl::Seconds(10);
// Fast retries keep the tests quick; the values do not affect what is asserted.
const SpoolDrainer::Options kFastDrainer{absl::Milliseconds(1), absl::Milliseconds(10)};

liveevents::v1::Event MakeEvent(int i) {
  liveevents::v1::Event event;
  event.set_sdk_app_id(1400000001);
  event.set_command("Live.CallbackAfterMemberStateChanged");
  event.set_raw_body(absl::StrCat(R"({"Member_Account":"u)", i, R"("})"));
  return event;
}

std::vector<std::string> Bodies(const std::vector<liveevents::v1::Event>& events) {
  std::vector<std::string> bodies;
  for (const auto& event : events) bodies.push_back(event.raw_body());
  return bodies;
}

std::vector<std::string> ExpectedBodies(int count) {
  std::vector<std::string> bodies;
  for (int i = 0; i < count; ++i) bodies.push_back(MakeEvent(i).raw_body());
  return bodies;
}

absl::StatusOr<liveevents::v1::PublishResponse> PublishAndWait(EventPublisher& publisher,
                                                               liveevents::v1::Event event) {
  absl::Notification answered;
  absl::StatusOr<liveevents::v1::PublishResponse> result;
  publisher.Publish(std::move(event), [&](absl::StatusOr<liveevents::v1::PublishResponse> r) {
    result = std::move(r);
    answered.Notify();
  });
  if (!answered.WaitForNotificationWithTimeout(kWait)) {
    return absl::DeadlineExceededError("no answer");
  }
  return result;
}

class SpoolingPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           absl::StrCat("liveevents-spooling-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override {
    publisher_.reset();
    spool_.reset();
    fs::remove_all(dir_);
  }

  void Start(uint64_t max_bytes = uint64_t{1} << 20) {
    auto spool = EventSpool::Open({dir_.string(), max_bytes, uint64_t{1} << 20});
    ASSERT_TRUE(spool.ok()) << spool.status();
    spool_ = std::move(*spool);
    publisher_ = std::make_unique<SpoolingPublisher>(fake_, *spool_, kFastDrainer);
  }

  // Publishes events first..first+count-1 and expects each to be spooled (OK, revision 0).
  void PublishSpooled(int first, int count) {
    for (int i = first; i < first + count; ++i) {
      auto answer = PublishAndWait(*publisher_, MakeEvent(i));
      ASSERT_TRUE(answer.ok()) << answer.status();
      EXPECT_EQ(answer->revision(), 0u) << "spooled, not yet journaled";
    }
  }

  fs::path dir_;
  FakeEventPublisher fake_;
  std::unique_ptr<EventSpool> spool_;
  std::unique_ptr<SpoolingPublisher> publisher_;
};

TEST_F(SpoolingPublisherTest, PublishesDirectlyWhileTheServiceAnswers) {
  Start();
  auto answer = PublishAndWait(*publisher_, MakeEvent(0));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->revision(), 1u);
  EXPECT_EQ(spool_->count(), 0u);
  EXPECT_EQ(publisher_->pending(), 0u);
}

TEST_F(SpoolingPublisherTest, FailuresAreSpooledAndAnsweredOkThenDrained) {
  for (const absl::Status& failure :
       {absl::UnavailableError("down"), absl::DeadlineExceededError("slow"),
        absl::InternalError("odd")}) {
    SCOPED_TRACE(failure.ToString());
    fs::remove_all(dir_);
    FakeEventPublisher fake;
    auto spool = EventSpool::Open({dir_.string(), uint64_t{1} << 20, uint64_t{1} << 20});
    ASSERT_TRUE(spool.ok());
    SpoolingPublisher publisher(fake, **spool, kFastDrainer);
    fake.FailWith(failure);
    auto answer = PublishAndWait(publisher, MakeEvent(0));
    ASSERT_TRUE(answer.ok()) << answer.status();
    EXPECT_EQ(answer->revision(), 0u);
    EXPECT_EQ((*spool)->count(), 1u) << "kept until the service acknowledges it";

    fake.FailWith(absl::OkStatus());
    ASSERT_TRUE(fake.WaitForDelivered(1, kWait));
    ASSERT_TRUE(publisher.WaitUntilDrained(kWait));
    EXPECT_EQ(Bodies(fake.delivered()), ExpectedBodies(1));
  }
}

TEST_F(SpoolingPublisherTest, NewEventsQueueBehindSpooledOnesAndArriveInOrder) {
  Start();
  fake_.FailWith(absl::UnavailableError("down"));
  PublishSpooled(0, 5);
  // While the spool is non-empty, every attempt (the direct Publish, then the drainer's batches)
  // starts at the oldest event. Sizes first: events() only grows after it.
  const std::vector<size_t> batch_sizes = fake_.batch_sizes();
  const std::vector<liveevents::v1::Event> attempts = fake_.events();
  size_t at = 1;
  for (size_t size : batch_sizes) {
    ASSERT_LT(at, attempts.size());
    EXPECT_EQ(attempts[at].raw_body(), MakeEvent(0).raw_body());
    at += size;
  }
  EXPECT_EQ(attempts.front().raw_body(), MakeEvent(0).raw_body());
  EXPECT_EQ(publisher_->pending(), 5u);

  fake_.FailWith(absl::OkStatus());
  ASSERT_TRUE(fake_.WaitForDelivered(5, kWait));
  ASSERT_TRUE(publisher_->WaitUntilDrained(kWait));
  EXPECT_EQ(Bodies(fake_.delivered()), ExpectedBodies(5));

  // Drained: publishing goes straight to the service again.
  auto answer = PublishAndWait(*publisher_, MakeEvent(5));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->revision(), 6u);
}

TEST_F(SpoolingPublisherTest, InvalidArgumentIsPassedOnAndNotSpooled) {
  Start();
  fake_.FailWith(absl::InvalidArgumentError("bad event"));
  auto answer = PublishAndWait(*publisher_, MakeEvent(0));
  EXPECT_TRUE(absl::IsInvalidArgument(answer.status())) << answer.status();
  EXPECT_EQ(spool_->count(), 0u);
  EXPECT_EQ(publisher_->pending(), 0u);
}

TEST_F(SpoolingPublisherTest, DrainerMovesInvalidEventsAsideAndContinues) {
  Start();
  fake_.FailWith(absl::UnavailableError("down"));
  PublishSpooled(0, 3);
  fake_.FailBody(MakeEvent(1).raw_body(), absl::InvalidArgumentError("bad event"));
  fake_.FailWith(absl::OkStatus());
  ASSERT_TRUE(fake_.WaitForDelivered(2, kWait));
  ASSERT_TRUE(publisher_->WaitUntilDrained(kWait));
  EXPECT_EQ(Bodies(fake_.delivered()),
            (std::vector<std::string>{MakeEvent(0).raw_body(), MakeEvent(2).raw_body()}));
  EXPECT_TRUE(fs::exists(dir_ / "rejected.log"));
}

TEST_F(SpoolingPublisherTest, UnreadableRecordIsMovedAsideInsteadOfBlockingTheSpool) {
  auto spool = EventSpool::Open({dir_.string(), uint64_t{1} << 20, uint64_t{1} << 20});
  ASSERT_TRUE(spool.ok());
  std::vector<liveevents::v1::Event> two = {MakeEvent(0), MakeEvent(1)};
  ASSERT_TRUE((*spool)->Append(two).ok());
  // Damage the first record after the spool has opened (a disk going bad under it).
  fs::path segment;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (absl::StartsWith(entry.path().filename().string(), "segment-")) segment = entry.path();
  }
  {
    std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(kSpoolRecordHeaderBytes + 2));
    file.put('\x7f');
  }
  spool_ = std::move(*spool);
  publisher_ = std::make_unique<SpoolingPublisher>(fake_, *spool_, kFastDrainer);
  ASSERT_TRUE(publisher_->WaitUntilDrained(kWait));
  EXPECT_EQ(Bodies(fake_.delivered()), (std::vector<std::string>{MakeEvent(1).raw_body()}));
  EXPECT_TRUE(fs::exists(dir_ / "rejected.log"));
}

TEST_F(SpoolingPublisherTest, FullSpoolAnswersAnError) {
  const uint64_t record_bytes = kSpoolRecordHeaderBytes + MakeEvent(0).ByteSizeLong();
  Start(/*max_bytes=*/record_bytes + record_bytes / 2);
  fake_.FailWith(absl::UnavailableError("down"));
  PublishSpooled(0, 1);
  auto refused = PublishAndWait(*publisher_, MakeEvent(1));
  EXPECT_TRUE(absl::IsResourceExhausted(refused.status())) << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "spool full"));
  EXPECT_EQ(spool_->count(), 1u);

  fake_.FailWith(absl::OkStatus());
  ASSERT_TRUE(publisher_->WaitUntilDrained(kWait));
  EXPECT_EQ(Bodies(fake_.delivered()), ExpectedBodies(1));
}

TEST_F(SpoolingPublisherTest, WhatAnEarlierRunSpooledDrainsFirst) {
  {
    auto spool = EventSpool::Open({dir_.string(), uint64_t{1} << 20, uint64_t{1} << 20});
    ASSERT_TRUE(spool.ok());
    std::vector<liveevents::v1::Event> earlier = {MakeEvent(0), MakeEvent(1)};
    ASSERT_TRUE((*spool)->Append(earlier).ok());
  }
  fake_.HoldAnswers();  // Keeps the spool non-empty while the new event arrives.
  Start();
  ASSERT_TRUE(fake_.WaitForHeld(1, kWait));
  auto answer = PublishAndWait(*publisher_, MakeEvent(2));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->revision(), 0u) << "queued behind the earlier events";
  fake_.ReleaseAnswers();
  ASSERT_TRUE(fake_.WaitForDelivered(3, kWait));
  ASSERT_TRUE(publisher_->WaitUntilDrained(kWait));
  EXPECT_EQ(Bodies(fake_.delivered()), ExpectedBodies(3));
}

TEST_F(SpoolingPublisherTest, StopAbandonsAnUnansweredDrainAndKeepsTheEvent) {
  {
    auto spool = EventSpool::Open({dir_.string(), uint64_t{1} << 20, uint64_t{1} << 20});
    ASSERT_TRUE(spool.ok());
    ASSERT_TRUE((*spool)->Append({MakeEvent(0)}).ok());
  }
  fake_.HoldAnswers();
  Start();
  ASSERT_TRUE(fake_.WaitForHeld(1, kWait));
  publisher_->Stop();  // Returns although the service never answered.
  EXPECT_EQ(spool_->count(), 1u) << "drained on the next start";
  fake_.ReleaseAnswers();  // A late answer to the abandoned call is harmless.
}

}  // namespace
}  // namespace liveevents::gateway
