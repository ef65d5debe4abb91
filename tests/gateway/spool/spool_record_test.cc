// Tests for the spool's record and cursor encodings: round trips, and every way a torn or
// corrupt tail is detected instead of parsed.
#include "gateway/spool/spool_record.h"

#include <gtest/gtest.h>

#include <string>

namespace liveevents::gateway {
namespace {

TEST(SpoolRecordTest, RoundTripsPayloads) {
  for (const std::string& payload : {std::string(), std::string("x"), std::string(70000, 'y')}) {
    const std::string record = EncodeSpoolRecord(payload);
    EXPECT_EQ(record.size(), kSpoolRecordHeaderBytes + payload.size());
    absl::StatusOr<absl::string_view> decoded = DecodeSpoolRecord(record);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, payload);
  }
}

TEST(SpoolRecordTest, DetectsFlippedBitsAndWrongLengths) {
  std::string record = EncodeSpoolRecord("hello spool");
  std::string flipped = record;
  flipped.back() ^= 0x01;
  EXPECT_TRUE(absl::IsDataLoss(DecodeSpoolRecord(flipped).status()));
  std::string bad_length = record;
  bad_length[0] ^= 0x01;
  EXPECT_TRUE(absl::IsDataLoss(DecodeSpoolRecord(bad_length).status()));
  EXPECT_TRUE(absl::IsDataLoss(DecodeSpoolRecord(record.substr(0, 5)).status()));
}

TEST(SpoolRecordTest, RejectsImplausibleLengths) {
  const std::string header("\xff\xff\xff\xff\0\0\0\0", 8);
  EXPECT_TRUE(absl::IsDataLoss(SpoolRecordPayloadBytes(header).status()));
}

TEST(SpoolRecordTest, ScanStopsAtATornOrCorruptTail) {
  const std::string a = EncodeSpoolRecord("first");
  const std::string b = EncodeSpoolRecord("second");
  const std::string c = EncodeSpoolRecord("third");
  const std::string whole = a + b + c;

  SpoolScan scan = ScanSpoolRecords(whole);
  ASSERT_EQ(scan.records.size(), 3u);
  EXPECT_EQ(scan.valid_bytes, whole.size());
  EXPECT_EQ(scan.records[1].offset, a.size());
  EXPECT_EQ(scan.records[1].bytes, b.size());

  // Every cut inside the last record leaves the first two.
  for (size_t cut = a.size() + b.size() + 1; cut < whole.size(); ++cut) {
    scan = ScanSpoolRecords(absl::string_view(whole).substr(0, cut));
    EXPECT_EQ(scan.records.size(), 2u) << cut;
    EXPECT_EQ(scan.valid_bytes, a.size() + b.size()) << cut;
  }

  std::string corrupt = whole;
  corrupt[a.size() + kSpoolRecordHeaderBytes] ^= 0x20;
  scan = ScanSpoolRecords(corrupt);
  EXPECT_EQ(scan.records.size(), 1u);
  EXPECT_EQ(scan.valid_bytes, a.size());
}

TEST(SpoolRecordTest, CursorRoundTripsAndDetectsTears) {
  const SpoolCursor cursor{7, 123456789};
  const std::string data = EncodeSpoolCursor(cursor);
  ASSERT_EQ(data.size(), kSpoolCursorBytes);
  absl::StatusOr<SpoolCursor> decoded = DecodeSpoolCursor(data);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->segment, 7u);
  EXPECT_EQ(decoded->offset, 123456789u);

  std::string torn = data;
  torn[9] ^= 0x10;
  EXPECT_TRUE(absl::IsDataLoss(DecodeSpoolCursor(torn).status()));
  EXPECT_TRUE(absl::IsDataLoss(DecodeSpoolCursor(data.substr(0, 12)).status()));
}

}  // namespace
}  // namespace liveevents::gateway
