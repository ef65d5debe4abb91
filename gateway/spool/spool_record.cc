#include "gateway/spool/spool_record.h"

#include <boost/crc.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace liveevents::gateway {
namespace {

uint32_t Crc32(absl::string_view a, absl::string_view b = {}) {
  boost::crc_32_type crc;
  crc.process_bytes(a.data(), a.size());
  crc.process_bytes(b.data(), b.size());
  return crc.checksum();
}

// Explicit little-endian so spool files do not depend on the host's byte order.
void PutLittleEndian(uint64_t value, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint64_t GetLittleEndian(absl::string_view data, int bytes) {
  uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(data[static_cast<size_t>(i)]);
  }
  return value;
}

}  // namespace

std::string EncodeSpoolRecord(absl::string_view payload) {
  std::string record;
  record.reserve(kSpoolRecordHeaderBytes + payload.size());
  PutLittleEndian(payload.size(), 4, &record);
  const uint32_t crc = Crc32(absl::string_view(record), payload);
  PutLittleEndian(crc, 4, &record);
  record.append(payload.data(), payload.size());
  return record;
}

absl::StatusOr<uint64_t> SpoolRecordPayloadBytes(absl::string_view header) {
  if (header.size() < kSpoolRecordHeaderBytes) {
    return absl::DataLossError("spool record header is incomplete");
  }
  const uint64_t length = GetLittleEndian(header, 4);
  if (length > kMaxSpoolPayloadBytes) {
    return absl::DataLossError(absl::StrCat("spool record length ", length, " is implausible"));
  }
  return length;
}

absl::StatusOr<absl::string_view> DecodeSpoolRecord(absl::string_view record) {
  absl::StatusOr<uint64_t> length = SpoolRecordPayloadBytes(record);
  if (!length.ok()) return length.status();
  if (record.size() != kSpoolRecordHeaderBytes + *length) {
    return absl::DataLossError(absl::StrCat("spool record has ", record.size(), " bytes, expected ",
                                            kSpoolRecordHeaderBytes + *length));
  }
  const absl::string_view payload = record.substr(kSpoolRecordHeaderBytes);
  if (Crc32(record.substr(0, 4), payload) != GetLittleEndian(record.substr(4), 4)) {
    return absl::DataLossError("spool record checksum mismatch");
  }
  return payload;
}

SpoolScan ScanSpoolRecords(absl::string_view data) {
  SpoolScan scan;
  uint64_t offset = 0;
  while (offset < data.size()) {
    const absl::string_view rest = data.substr(offset);
    absl::StatusOr<uint64_t> length = SpoolRecordPayloadBytes(rest);
    if (!length.ok() || rest.size() < kSpoolRecordHeaderBytes + *length) break;
    const uint64_t bytes = kSpoolRecordHeaderBytes + *length;
    if (!DecodeSpoolRecord(rest.substr(0, bytes)).ok()) break;
    scan.records.push_back({offset, bytes});
    offset += bytes;
  }
  scan.valid_bytes = offset;
  return scan;
}

std::string EncodeSpoolCursor(const SpoolCursor& cursor) {
  std::string data;
  PutLittleEndian(cursor.segment, 8, &data);
  PutLittleEndian(cursor.offset, 8, &data);
  PutLittleEndian(Crc32(data), 4, &data);
  return data;
}

absl::StatusOr<SpoolCursor> DecodeSpoolCursor(absl::string_view data) {
  if (data.size() != kSpoolCursorBytes) {
    return absl::DataLossError(absl::StrCat("spool cursor has ", data.size(), " bytes"));
  }
  if (Crc32(data.substr(0, 16)) != GetLittleEndian(data.substr(16), 4)) {
    return absl::DataLossError("spool cursor checksum mismatch");
  }
  return SpoolCursor{GetLittleEndian(data, 8), GetLittleEndian(data.substr(8), 8)};
}

}  // namespace liveevents::gateway
