// Tests for the gateway's durable spool: FIFO order, acknowledgement, recovery after a restart
// (also from a torn tail or a lost cursor), the size limit, segment removal, rejected records.
#include "gateway/spool/event_spool.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace liveevents::gateway {
namespace {

namespace fs = std::filesystem;

liveevents::v1::Event MakeEvent(int i) {
  liveevents::v1::Event event;
  event.set_sdk_app_id(1400000001);
  event.set_command("Live.CallbackAfterCreateRoom");
  event.set_raw_body(absl::StrCat(R"({"RoomId":"room-)", i, R"("})"));
  return event;
}

class EventSpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           absl::StrCat("liveevents-spool-", ::getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<EventSpool> Open(uint64_t max_bytes = uint64_t{1} << 20,
                                   uint64_t segment_bytes = uint64_t{1} << 20) {
    auto spool = EventSpool::Open({dir_.string(), max_bytes, segment_bytes});
    EXPECT_TRUE(spool.ok()) << spool.status();
    return spool.ok() ? std::move(*spool) : nullptr;
  }

  static void AppendAll(EventSpool& spool, int first, int count) {
    for (int i = first; i < first + count; ++i) {
      absl::StatusOr<size_t> appended = spool.Append({MakeEvent(i)});
      ASSERT_TRUE(appended.ok()) << appended.status();
      ASSERT_EQ(*appended, 1u);
    }
  }

  // The raw bodies still spooled, oldest first, acknowledging each (so the spool ends empty).
  static std::vector<std::string> DrainBodies(EventSpool& spool) {
    std::vector<std::string> bodies;
    while (true) {
      auto oldest = spool.Oldest();
      EXPECT_TRUE(oldest.ok()) << oldest.status();
      if (!oldest.ok() || !oldest->has_value()) return bodies;
      bodies.push_back((*oldest)->raw_body());
      EXPECT_TRUE(spool.Acknowledge().ok());
    }
  }

  std::vector<fs::path> Segments() const {
    std::vector<fs::path> segments;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      if (absl::StartsWith(entry.path().filename().string(), "segment-")) {
        segments.push_back(entry.path());
      }
    }
    std::sort(segments.begin(), segments.end());
    return segments;
  }

  static std::vector<std::string> Bodies(int first, int count) {
    std::vector<std::string> bodies;
    for (int i = first; i < first + count; ++i) bodies.push_back(MakeEvent(i).raw_body());
    return bodies;
  }

  fs::path dir_;
};

TEST_F(EventSpoolTest, AppendsReadsAndAcknowledgesInOrder) {
  auto spool = Open();
  ASSERT_NE(spool, nullptr);
  EXPECT_TRUE(fs::is_directory(dir_)) << "created when missing";
  auto empty = spool->Oldest();
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
  EXPECT_TRUE(absl::IsFailedPrecondition(spool->Acknowledge()));

  AppendAll(*spool, 0, 2);
  std::vector<liveevents::v1::Event> batch = {MakeEvent(2), MakeEvent(3)};
  absl::StatusOr<size_t> appended = spool->Append(batch);
  ASSERT_TRUE(appended.ok()) << appended.status();
  EXPECT_EQ(*appended, 2u);
  EXPECT_EQ(spool->count(), 4u);
  EXPECT_GT(spool->bytes(), 0u);

  // Reading does not remove; only acknowledging does.
  auto oldest = spool->Oldest();
  ASSERT_TRUE(oldest.ok() && oldest->has_value());
  EXPECT_EQ((*oldest)->raw_body(), MakeEvent(0).raw_body());
  EXPECT_EQ(spool->count(), 4u);
  EXPECT_EQ(DrainBodies(*spool), Bodies(0, 4));
  EXPECT_EQ(spool->count(), 0u);
  EXPECT_EQ(spool->bytes(), 0u);
}

TEST_F(EventSpoolTest, ReopenKeepsUnacknowledgedRecords) {
  {
    auto spool = Open();
    AppendAll(*spool, 0, 5);
    ASSERT_TRUE(spool->Acknowledge().ok());
    ASSERT_TRUE(spool->Acknowledge().ok());
  }
  auto reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->count(), 3u);
  AppendAll(*reopened, 5, 1);  // Behind the recovered ones.
  EXPECT_EQ(DrainBodies(*reopened), Bodies(2, 4));
}

TEST_F(EventSpoolTest, TornTailIsDroppedAndTheRestSurvive) {
  {
    auto spool = Open();
    AppendAll(*spool, 0, 3);
  }
  // A crash in the middle of appending the third record.
  ASSERT_EQ(Segments().size(), 1u);
  const fs::path segment = Segments()[0];
  fs::resize_file(segment, fs::file_size(segment) - 3);

  auto reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->count(), 2u);
  // New appends follow the valid records, and survive the next restart too.
  AppendAll(*reopened, 3, 1);
  reopened.reset();
  auto again = Open();
  EXPECT_EQ(DrainBodies(*again),
            (std::vector<std::string>{MakeEvent(0).raw_body(), MakeEvent(1).raw_body(),
                                      MakeEvent(3).raw_body()}));
}

TEST_F(EventSpoolTest, CorruptTailRecordAndGarbageAreDropped) {
  {
    auto spool = Open();
    AppendAll(*spool, 0, 3);
  }
  const fs::path segment = Segments()[0];
  {
    // Flip a byte inside the last record's payload, then add garbage after it.
    std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(fs::file_size(segment) - 2));
    file.put('#');
    file.seekp(0, std::ios::end);
    file.write("\x05\x00\x00\x00garbage", 11);
  }
  auto reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(DrainBodies(*reopened), Bodies(0, 2));
}

TEST_F(EventSpoolTest, ReadsAndAcknowledgesTheOldestEventsAsABatch) {
  // Small segments, so that a batch spans several of them.
  const uint64_t record_bytes = kSpoolRecordHeaderBytes + MakeEvent(0).ByteSizeLong();
  auto spool = Open(uint64_t{1} << 20, /*segment_bytes=*/3 * record_bytes);
  ASSERT_NE(spool, nullptr);
  AppendAll(*spool, 0, 10);

  auto first = spool->OldestEvents(4, uint64_t{1} << 20);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 4u);
  EXPECT_EQ((*first)[3].raw_body(), MakeEvent(3).raw_body());
  // The byte budget stops a batch early, but never before its first event.
  auto budgeted = spool->OldestEvents(10, 2 * record_bytes);
  ASSERT_TRUE(budgeted.ok());
  EXPECT_EQ(budgeted->size(), 2u);
  auto one = spool->OldestEvents(10, 1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);

  ASSERT_TRUE(spool->Acknowledge(4).ok());
  EXPECT_EQ(spool->count(), 6u);
  EXPECT_TRUE(absl::IsFailedPrecondition(spool->Acknowledge(7))) << "more than are spooled";
  EXPECT_EQ(spool->count(), 6u) << "a refused acknowledgement removes nothing";

  // The cursor moved past the batch: a restart resumes after it.
  spool.reset();
  spool = Open(uint64_t{1} << 20, 3 * record_bytes);
  ASSERT_NE(spool, nullptr);
  auto rest = spool->OldestEvents(100, uint64_t{1} << 20);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 6u);
  EXPECT_EQ(rest->front().raw_body(), MakeEvent(4).raw_body());
  EXPECT_EQ(rest->back().raw_body(), MakeEvent(9).raw_body());
  ASSERT_TRUE(spool->Acknowledge(6).ok());
  EXPECT_EQ(spool->count(), 0u);
  auto empty = spool->OldestEvents(100, uint64_t{1} << 20);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_F(EventSpoolTest, LostCursorReplaysFromTheOldestSegment) {
  {
    auto spool = Open();
    AppendAll(*spool, 0, 3);
    ASSERT_TRUE(spool->Acknowledge().ok());
  }
  fs::remove(dir_ / "cursor");
  // A replay, not a loss: the service answers the repeat as a duplicate.
  auto reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(DrainBodies(*reopened), Bodies(0, 3));
}

TEST_F(EventSpoolTest, FullSpoolRefusesUntilAcknowledged) {
  const uint64_t record_bytes = kSpoolRecordHeaderBytes + MakeEvent(0).ByteSizeLong();
  auto spool = Open(/*max_bytes=*/record_bytes * 2 + record_bytes / 2);
  ASSERT_NE(spool, nullptr);
  std::vector<liveevents::v1::Event> three = {MakeEvent(0), MakeEvent(1), MakeEvent(2)};
  absl::StatusOr<size_t> appended = spool->Append(three);
  ASSERT_TRUE(appended.ok()) << appended.status();
  EXPECT_EQ(*appended, 2u) << "the prefix that fits";

  absl::StatusOr<size_t> full = spool->Append({MakeEvent(2)});
  EXPECT_TRUE(absl::IsResourceExhausted(full.status())) << full.status();
  EXPECT_TRUE(absl::StrContains(full.status().message(), "spool full"));

  ASSERT_TRUE(spool->Acknowledge().ok());
  AppendAll(*spool, 2, 1);
  EXPECT_EQ(DrainBodies(*spool), Bodies(1, 2));
}

TEST_F(EventSpoolTest, SegmentsRollAndAreRemovedOnceDrained) {
  auto spool = Open(uint64_t{1} << 20, /*segment_bytes=*/1);  // One record per segment.
  ASSERT_NE(spool, nullptr);
  AppendAll(*spool, 0, 3);
  ASSERT_EQ(Segments().size(), 3u);
  ASSERT_TRUE(spool->Acknowledge().ok());
  EXPECT_EQ(Segments().size(), 2u) << "the drained first segment is gone";
  ASSERT_TRUE(spool->Acknowledge().ok());
  ASSERT_TRUE(spool->Acknowledge().ok());
  EXPECT_TRUE(Segments().empty()) << "a drained spool keeps no segment";

  // Appending again starts a new segment, which a restart finds.
  AppendAll(*spool, 3, 1);
  ASSERT_EQ(Segments().size(), 1u);
  spool.reset();
  auto reopened = Open(uint64_t{1} << 20, 1);
  EXPECT_EQ(DrainBodies(*reopened), Bodies(3, 1));
  EXPECT_TRUE(Segments().empty());
}

TEST_F(EventSpoolTest, RejectMovesTheOldestAside) {
  auto spool = Open();
  AppendAll(*spool, 0, 2);
  ASSERT_TRUE(spool->Reject().ok());
  EXPECT_EQ(spool->count(), 1u);
  const auto rejected = dir_ / "rejected.log";
  ASSERT_TRUE(fs::exists(rejected));
  std::ifstream file(rejected, std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  SpoolScan scan = ScanSpoolRecords(data);
  ASSERT_EQ(scan.records.size(), 1u);
  liveevents::v1::Event event;
  ASSERT_TRUE(event.ParseFromString(
      std::string(*DecodeSpoolRecord(absl::string_view(data).substr(0, scan.valid_bytes)))));
  EXPECT_EQ(event.raw_body(), MakeEvent(0).raw_body());
  EXPECT_EQ(DrainBodies(*spool), Bodies(1, 1));
}

}  // namespace
}  // namespace liveevents::gateway
