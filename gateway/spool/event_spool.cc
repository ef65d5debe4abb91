#include "gateway/spool/event_spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/logging/log.h"

namespace liveevents::gateway {
namespace {

constexpr char kSegmentPrefix[] = "segment-";
constexpr char kSegmentSuffix[] = ".log";

// The segment number in a file name "segment-<digits>.log", or nullopt for other files.
std::optional<uint64_t> ParseSegmentName(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, kSegmentPrefix) || !absl::ConsumeSuffix(&name, kSegmentSuffix) ||
      name.empty() || !std::all_of(name.begin(), name.end(), absl::ascii_isdigit)) {
    return std::nullopt;
  }
  uint64_t number = 0;
  if (!absl::SimpleAtoi(name, &number)) return std::nullopt;
  return number;
}

absl::StatusOr<std::vector<uint64_t>> ListSegments(const std::string& dir) {
  std::vector<uint64_t> segments;
  std::error_code error;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    if (auto number = ParseSegmentName(it->path().filename().string())) segments.push_back(*number);
  }
  if (error) return absl::InternalError(absl::StrCat("list ", dir, ": ", error.message()));
  std::sort(segments.begin(), segments.end());
  return segments;
}

// Cuts a torn or corrupt tail off a segment, durably, so later appends follow valid records.
absl::Status TruncateTo(const std::string& path, uint64_t bytes) {
  absl::StatusOr<UniqueFd> fd = OpenFile(path, O_WRONLY);
  if (!fd.ok()) return fd.status();
  if (::ftruncate(fd->get(), static_cast<off_t>(bytes)) != 0) return ErrnoStatus("truncate", path);
  return SyncData(fd->get(), path);
}

absl::StatusOr<uint64_t> FileSize(int fd, absl::string_view path) {
  struct stat info;
  if (::fstat(fd, &info) != 0) return ErrnoStatus("stat", path);
  return static_cast<uint64_t>(info.st_size);
}

// Reads the events of records, opening each segment file once for a run of its records.
class SegmentReader {
 public:
  absl::StatusOr<liveevents::v1::Event> Read(const std::string& path, uint64_t segment,
                                             const SpoolRecordExtent& extent) {
    if (!fd_.valid() || segment_ != segment) {
      absl::StatusOr<UniqueFd> fd = OpenFile(path, O_RDONLY);
      if (!fd.ok()) return fd.status();
      fd_ = std::move(*fd);
      segment_ = segment;
    }
    absl::StatusOr<std::string> record = ReadAt(fd_.get(), extent.bytes, extent.offset, path);
    if (!record.ok()) return record.status();
    absl::StatusOr<absl::string_view> payload = DecodeSpoolRecord(*record);
    if (!payload.ok()) return payload.status();
    liveevents::v1::Event event;
    if (!event.ParseFromArray(payload->data(), static_cast<int>(payload->size()))) {
      return absl::DataLossError("spooled record is not a liveevents.v1.Event");
    }
    return event;
  }

 private:
  uint64_t segment_ = 0;
  UniqueFd fd_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<EventSpool>> EventSpool::Open(Options options) {
  std::error_code error;
  std::filesystem::create_directories(options.dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("create spool dir ", options.dir, ": ", error.message()));
  }
  std::unique_ptr<EventSpool> spool(new EventSpool(std::move(options)));
  if (absl::Status status = spool->Recover(); !status.ok()) return status;
  return spool;
}

absl::Status EventSpool::Recover() {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<std::vector<uint64_t>> segments = ListSegments(options_.dir);
  if (!segments.ok()) return segments.status();
  segments_.assign(segments->begin(), segments->end());
  const uint64_t oldest = segments_.empty() ? 1 : segments_.front();

  SpoolCursor cursor{oldest, 0};
  const std::string cursor_path = options_.dir + "/cursor";
  absl::StatusOr<std::string> cursor_data = ReadWholeFile(cursor_path);
  if (cursor_data.ok()) {
    absl::StatusOr<SpoolCursor> decoded = DecodeSpoolCursor(*cursor_data);
    // Replaying from the oldest segment is safe: the service answers repeats as duplicates.
    if (decoded.ok() && decoded->segment >= oldest) cursor = *decoded;
    if (!decoded.ok()) {
      logging::Log(
          logging::Level::kWarn, "spool_cursor_unreadable",
          {{"reason", decoded.status()}, {"message", "replaying from the oldest segment"}});
    }
  } else if (!absl::IsNotFound(cursor_data.status())) {
    return cursor_data.status();
  }

  if (absl::Status status = RemoveSegmentsBefore(cursor.segment); !status.ok()) return status;
  next_segment_ = std::max(cursor.segment, segments_.empty() ? 1 : segments_.back() + 1);
  const std::vector<uint64_t> present(segments_.begin(), segments_.end());
  for (uint64_t segment : present) {
    absl::Status status = RecoverSegment(segment, cursor, segment == present.back());
    if (!status.ok()) return status;
  }
  if (pending_.empty()) {
    // Nothing left to drain: start the next append in a fresh segment and drop the old files.
    cursor = {next_segment_, 0};
    if (absl::Status status = RemoveSegmentsBefore(next_segment_); !status.ok()) return status;
  } else {
    cursor = {pending_.front().segment, pending_.front().extent.offset};
    logging::Log(logging::Level::kInfo, "spool_recovered",
                 {{"events", pending_.size()},
                  {"bytes", pending_bytes_},
                  {"message", "left by the last run; draining them first"}});
  }
  return OpenCursorFile(cursor);
}

absl::Status EventSpool::RecoverSegment(uint64_t segment, const SpoolCursor& cursor, bool last) {
  const std::string path = SegmentPath(segment);
  absl::StatusOr<std::string> data = ReadWholeFile(path);
  if (!data.ok()) return data.status();
  const SpoolScan scan = ScanSpoolRecords(*data);
  if (scan.valid_bytes < data->size()) {
    // A crash mid-append leaves a partial last record; it was never answered OK, so dropping it
    // loses nothing Tencent was told is stored. Anything after garbage cannot be framed either.
    logging::Log(
        logging::Level::kWarn, "spool_torn_tail",
        {{"bytes", data->size() - scan.valid_bytes}, {"offset", scan.valid_bytes}, {"file", path}});
    if (absl::Status status = TruncateTo(path, scan.valid_bytes); !status.ok()) return status;
  }
  uint64_t start = segment == cursor.segment ? cursor.offset : 0;
  const bool on_boundary =
      start == scan.valid_bytes ||
      std::any_of(scan.records.begin(), scan.records.end(),
                  [start](const SpoolRecordExtent& record) { return record.offset == start; });
  if (!on_boundary) {
    logging::Log(logging::Level::kWarn, "spool_cursor_misplaced",
                 {{"offset", start}, {"file", path}, {"message", "replaying the segment"}});
    start = 0;
  }
  for (const SpoolRecordExtent& record : scan.records) {
    if (record.offset < start) continue;
    pending_.push_back({segment, record});
    pending_bytes_ += record.bytes;
  }
  count_.store(pending_.size(), std::memory_order_release);
  if (!last) return absl::OkStatus();
  absl::StatusOr<UniqueFd> fd = OpenFile(path, O_WRONLY);
  if (!fd.ok()) return fd.status();
  active_fd_ = std::move(*fd);
  active_segment_ = segment;
  active_bytes_ = scan.valid_bytes;
  return absl::OkStatus();
}

absl::Status EventSpool::OpenCursorFile(const SpoolCursor& cursor) {
  bool created = false;
  absl::StatusOr<UniqueFd> fd = OpenFile(options_.dir + "/cursor", O_RDWR, &created);
  if (!fd.ok()) return fd.status();
  cursor_fd_ = std::move(*fd);
  if (created) {
    if (absl::Status status = SyncDir(options_.dir); !status.ok()) return status;
  }
  return WriteCursor(cursor);
}

absl::StatusOr<size_t> EventSpool::Append(absl::Span<const liveevents::v1::Event> events) {
  if (events.empty()) return 0;
  absl::MutexLock lock(&mu_);
  std::string batch;
  std::vector<SpoolRecordExtent> records;
  for (const liveevents::v1::Event& event : events) {
    std::string record = EncodeSpoolRecord(event.SerializeAsString());
    if (pending_bytes_ + batch.size() + record.size() > options_.max_bytes) break;
    records.push_back({batch.size(), record.size()});
    batch += record;
  }
  if (records.empty()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("spool full: ", pending_bytes_, " of ", options_.max_bytes, " bytes used"));
  }
  if (!active_fd_.valid() || active_bytes_ >= options_.segment_bytes) {
    if (absl::Status status = StartSegment(); !status.ok()) return status;
  }
  const std::string path = SegmentPath(active_segment_);
  absl::Status status = WriteAllAt(active_fd_.get(), batch, active_bytes_, path);
  if (status.ok()) status = SyncData(active_fd_.get(), path);
  if (!status.ok()) {
    // Best effort: take back a partial write so the next append does not follow garbage. If this
    // fails too, the next open cuts the garbage off as a corrupt tail.
    (void)::ftruncate(active_fd_.get(), static_cast<off_t>(active_bytes_));
    return status;
  }
  for (const SpoolRecordExtent& record : records) {
    pending_.push_back({active_segment_, {active_bytes_ + record.offset, record.bytes}});
  }
  active_bytes_ += batch.size();
  pending_bytes_ += batch.size();
  count_.store(pending_.size(), std::memory_order_release);
  return records.size();
}

absl::Status EventSpool::StartSegment() {
  const uint64_t segment = next_segment_;
  const std::string path = SegmentPath(segment);
  absl::StatusOr<UniqueFd> fd = OpenFile(path, O_WRONLY | O_CREAT | O_TRUNC);
  if (!fd.ok()) return fd.status();
  // The new file's directory entry must be durable before records in it are answered OK.
  if (absl::Status status = SyncDir(options_.dir); !status.ok()) return status;
  ++next_segment_;
  segments_.push_back(segment);
  active_fd_ = std::move(*fd);
  active_segment_ = segment;
  active_bytes_ = 0;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<liveevents::v1::Event>> EventSpool::Oldest() {
  absl::StatusOr<std::vector<liveevents::v1::Event>> oldest = OldestEvents(1, 0);
  if (!oldest.ok()) return oldest.status();
  if (oldest->empty()) return std::optional<liveevents::v1::Event>();
  return std::optional<liveevents::v1::Event>(std::move(oldest->front()));
}

absl::StatusOr<std::vector<liveevents::v1::Event>> EventSpool::OldestEvents(size_t max_count,
                                                                            uint64_t max_bytes) {
  absl::MutexLock lock(&mu_);
  std::vector<liveevents::v1::Event> events;
  uint64_t bytes = 0;
  SegmentReader reader;
  for (const Pending& pending : pending_) {
    if (events.size() == max_count) break;
    if (!events.empty() && bytes + pending.extent.bytes > max_bytes) break;
    absl::StatusOr<liveevents::v1::Event> event =
        reader.Read(SegmentPath(pending.segment), pending.segment, pending.extent);
    if (!event.ok()) {
      // The events before it go out first; the bad record then comes up as the oldest.
      if (events.empty()) return event.status();
      break;
    }
    events.push_back(*std::move(event));
    bytes += pending.extent.bytes;
  }
  return events;
}

absl::StatusOr<std::string> EventSpool::ReadOldestRecord() {
  const Pending& oldest = pending_.front();
  const std::string path = SegmentPath(oldest.segment);
  absl::StatusOr<UniqueFd> fd = OpenFile(path, O_RDONLY);
  if (!fd.ok()) return fd.status();
  return ReadAt(fd->get(), oldest.extent.bytes, oldest.extent.offset, path);
}

absl::Status EventSpool::Acknowledge(size_t count) {
  absl::MutexLock lock(&mu_);
  return AcknowledgeLocked(count);
}

absl::Status EventSpool::AcknowledgeLocked(size_t count) {
  if (count == 0) return absl::OkStatus();
  if (pending_.size() < count) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot acknowledge ", count, " of ", pending_.size(), " spooled events"));
  }
  for (size_t i = 0; i < count; ++i) {
    pending_bytes_ -= pending_.front().extent.bytes;
    pending_.pop_front();
  }
  count_.store(pending_.size(), std::memory_order_release);
  // The events are gone from memory even if the cursor write fails: the service has them, and a
  // restart replaying them from the stale cursor gets duplicate answers.
  const SpoolCursor cursor =
      pending_.empty() ? SpoolCursor{next_segment_, 0}
                       : SpoolCursor{pending_.front().segment, pending_.front().extent.offset};
  if (absl::Status status = WriteCursor(cursor); !status.ok()) return status;
  // Only after the cursor moved past them may drained segments go.
  return RemoveSegmentsBefore(cursor.segment);
}

absl::Status EventSpool::Reject() {
  absl::MutexLock lock(&mu_);
  if (pending_.empty()) return absl::FailedPreconditionError("spool is empty");
  absl::StatusOr<std::string> record = ReadOldestRecord();
  // A record that cannot be read back at all (cut short, or its segment deleted by hand) is
  // skipped rather than blocking the spool forever.
  if (!record.ok() && !absl::IsDataLoss(record.status()) && !absl::IsNotFound(record.status())) {
    return record.status();
  }
  if (record.ok()) {
    const std::string path = options_.dir + "/rejected.log";
    if (!rejected_fd_.valid()) {
      bool created = false;
      absl::StatusOr<UniqueFd> fd = OpenFile(path, O_WRONLY, &created);
      if (!fd.ok()) return fd.status();
      rejected_fd_ = std::move(*fd);
      if (created) {
        if (absl::Status status = SyncDir(options_.dir); !status.ok()) return status;
      }
    }
    absl::StatusOr<uint64_t> end = FileSize(rejected_fd_.get(), path);
    if (!end.ok()) return end.status();
    absl::Status status = WriteAllAt(rejected_fd_.get(), *record, *end, path);
    if (status.ok()) status = SyncData(rejected_fd_.get(), path);
    if (!status.ok()) return status;
  }
  return AcknowledgeLocked(1);
}

absl::Status EventSpool::WriteCursor(const SpoolCursor& cursor) {
  const std::string path = options_.dir + "/cursor";
  // 20 bytes rewritten in place: one sector, so in practice atomic; the checksum catches the
  // rare torn write, which then only causes a replay.
  absl::Status status = WriteAllAt(cursor_fd_.get(), EncodeSpoolCursor(cursor), 0, path);
  if (!status.ok()) return status;
  return SyncData(cursor_fd_.get(), path);
}

absl::Status EventSpool::RemoveSegmentsBefore(uint64_t segment) {
  while (!segments_.empty() && segments_.front() < segment) {
    const uint64_t drained = segments_.front();
    if (active_fd_.valid() && active_segment_ == drained) active_fd_.Reset();
    const std::string path = SegmentPath(drained);
    // No directory fsync: a removal lost in a crash leaves a segment below the cursor, which the
    // next open removes again.
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("remove", path);
    segments_.pop_front();
  }
  return absl::OkStatus();
}

uint64_t EventSpool::bytes() const {
  absl::MutexLock lock(&mu_);
  return pending_bytes_;
}

std::string EventSpool::SegmentPath(uint64_t segment) const {
  return absl::StrFormat("%s/%s%020d%s", options_.dir, kSegmentPrefix, segment, kSegmentSuffix);
}

}  // namespace liveevents::gateway
