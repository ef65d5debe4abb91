// The gateway spool's on-disk encodings, pure and free of I/O so they are tested directly.
//
// A segment file is a sequence of records, each
//   [u32 payload length][u32 CRC-32 of (the 4 length bytes + payload)][payload]
// little-endian, the payload being one serialized liveevents.v1.Event. The checksum covers the
// length too, so a crash mid-append (a torn tail) or a flipped bit is detected, never parsed.
// The cursor file holds where the oldest unacknowledged record starts:
//   [u64 segment number][u64 byte offset][u32 CRC-32 of the 16 bytes before it]
#ifndef LIVEEVENTS_GATEWAY_SPOOL_SPOOL_RECORD_H_
#define LIVEEVENTS_GATEWAY_SPOOL_SPOOL_RECORD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace liveevents::gateway {

inline constexpr uint64_t kSpoolRecordHeaderBytes = 8;
// Far above any event the gateway accepts (bodies are capped at 64 KiB by default); a larger
// length can only be garbage.
inline constexpr uint32_t kMaxSpoolPayloadBytes = 16 << 20;
inline constexpr uint64_t kSpoolCursorBytes = 20;

// Header plus payload, ready to append.
std::string EncodeSpoolRecord(absl::string_view payload);

// Reads the payload length from a record header (kSpoolRecordHeaderBytes bytes); DATA_LOSS when
// it is shorter or the length is beyond kMaxSpoolPayloadBytes.
absl::StatusOr<uint64_t> SpoolRecordPayloadBytes(absl::string_view header);

// Checks one whole record (header and payload) and returns a view of its payload; DATA_LOSS when
// the length or the checksum does not match.
absl::StatusOr<absl::string_view> DecodeSpoolRecord(absl::string_view record);

// Where one record lies in a segment; `bytes` includes the header.
struct SpoolRecordExtent {
  uint64_t offset = 0;
  uint64_t bytes = 0;
};

// The valid records of a segment, front to back, stopping at the first that is incomplete or
// fails its checksum. `valid_bytes` < data.size() means a torn or corrupt tail.
struct SpoolScan {
  std::vector<SpoolRecordExtent> records;
  uint64_t valid_bytes = 0;
};
SpoolScan ScanSpoolRecords(absl::string_view data);

// Position of the oldest record not yet acknowledged by the service.
struct SpoolCursor {
  uint64_t segment = 0;
  uint64_t offset = 0;
};
std::string EncodeSpoolCursor(const SpoolCursor& cursor);
// DATA_LOSS when the size or checksum is wrong (e.g. a torn cursor write).
absl::StatusOr<SpoolCursor> DecodeSpoolCursor(absl::string_view data);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_SPOOL_SPOOL_RECORD_H_
