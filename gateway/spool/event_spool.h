// The gateway's durable spool: a FIFO of events on local disk that the service has not yet
// acknowledged. Appends are fsync'd before they return, so an event the gateway answered OK for
// survives a gateway crash; acknowledging advances an fsync'd cursor, and fully drained segment
// files are removed.
//
// Directory layout (`dir`):
//   segment-<20-digit number>.log  append-only records (format in spool_record.h); a new segment
//                                  starts once the current one reaches `segment_bytes`
//   cursor                         where the oldest unacknowledged record starts
//   rejected.log                   records the service refused as invalid, kept for operators
// On open, a torn or corrupt tail of a segment (a crash mid-append) is cut off and logged; the
// records before it are kept. A lost or torn cursor replays from the oldest segment, which the
// service's dedup makes harmless.
#ifndef LIVEEVENTS_GATEWAY_SPOOL_EVENT_SPOOL_H_
#define LIVEEVENTS_GATEWAY_SPOOL_EVENT_SPOOL_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "gateway/spool/posix_file.h"
#include "gateway/spool/spool_record.h"
#include "liveevents/v1/events.pb.h"

namespace liveevents::gateway {

class EventSpool {
 public:
  struct Options {
    std::string dir = "spool";
    // Bytes of unacknowledged records (headers included) the spool accepts.
    uint64_t max_bytes = uint64_t{256} << 20;
    uint64_t segment_bytes = uint64_t{4} << 20;
  };

  // Creates `dir` if missing and recovers what an earlier run left in it.
  static absl::StatusOr<std::unique_ptr<EventSpool>> Open(Options options);

  // Appends the longest prefix of `events` that fits under max_bytes, fdatasync'd before this
  // returns, and says how many were appended. RESOURCE_EXHAUSTED ("spool full") when not even
  // the first fits; a write error appends none of them. Thread-safe; blocks on disk I/O.
  absl::StatusOr<size_t> Append(absl::Span<const liveevents::v1::Event> events);

  // The oldest unacknowledged event, or nullopt when the spool is empty. DATA_LOSS (record no
  // longer decodes) or NOT_FOUND (segment deleted by hand): the caller should Reject() it.
  // Thread-safe.
  absl::StatusOr<std::optional<liveevents::v1::Event>> Oldest();

  // Up to `max_count` of the oldest events, in order, whose records total at most `max_bytes`
  // (the first always counts). Stops before the first record that cannot be read; when that is
  // the oldest, its error as for Oldest(). Empty when the spool is. Thread-safe.
  absl::StatusOr<std::vector<liveevents::v1::Event>> OldestEvents(size_t max_count,
                                                                  uint64_t max_bytes);

  // Removes the oldest `count` events: advances and fsyncs the cursor once, then deletes
  // segments that are fully drained. FAILED_PRECONDITION (removing nothing) when fewer are
  // spooled. An error writing the cursor still removes the events (a restart then replays them,
  // which the service's dedup absorbs). Thread-safe.
  absl::Status Acknowledge(size_t count = 1);

  // Copies the oldest record to rejected.log (fsync'd), then acknowledges it. A record that can
  // no longer be read is dropped without a copy; when the copy fails the event stays.
  // Thread-safe.
  absl::Status Reject();

  // Unacknowledged events. Thread-safe and lock-free, so it never waits for an fsync in progress
  // (the publisher asks from HTTP io threads).
  size_t count() const { return count_.load(std::memory_order_acquire); }
  // Bytes of unacknowledged records. Thread-safe.
  uint64_t bytes() const;

 private:
  struct Pending {
    uint64_t segment = 0;
    SpoolRecordExtent extent;
  };

  explicit EventSpool(Options options) : options_(std::move(options)) {}

  absl::Status Recover();
  absl::Status RecoverSegment(uint64_t segment, const SpoolCursor& cursor, bool last)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status OpenCursorFile(const SpoolCursor& cursor) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status StartSegment() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::string> ReadOldestRecord() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status AcknowledgeLocked(size_t count) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteCursor(const SpoolCursor& cursor) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RemoveSegmentsBefore(uint64_t segment) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string SegmentPath(uint64_t segment) const;

  const Options options_;
  mutable absl::Mutex mu_;
  std::deque<Pending> pending_ ABSL_GUARDED_BY(mu_);
  uint64_t pending_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // pending_.size(), published for count().
  std::atomic<size_t> count_{0};
  // Segment files present on disk, oldest first.
  std::deque<uint64_t> segments_ ABSL_GUARDED_BY(mu_);
  // The number the next new segment gets; above every existing one.
  uint64_t next_segment_ ABSL_GUARDED_BY(mu_) = 1;
  // The segment appends go to (the newest one), if open.
  UniqueFd active_fd_ ABSL_GUARDED_BY(mu_);
  uint64_t active_segment_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t active_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  UniqueFd cursor_fd_ ABSL_GUARDED_BY(mu_);
  UniqueFd rejected_fd_ ABSL_GUARDED_BY(mu_);
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_SPOOL_EVENT_SPOOL_H_
