// The limits every gRPC request is checked against before the service acts on it: page sizes,
// id lengths, resume points and the byte budget of one answer. A hostile or careless client
// gets INVALID_ARGUMENT (or the documented resume code) instead of a default it did not ask for,
// an answer too large for gRPC's 4 MiB default, or its own megabyte echoed in an error.
#ifndef LIVEEVENTS_SERVICE_CORE_REQUEST_LIMITS_H_
#define LIVEEVENTS_SERVICE_CORE_REQUEST_LIMITS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace liveevents::service {

// Tencent's room, battle and account ids are at most 48 bytes; we accept up to this many.
inline constexpr size_t kMaxIdBytes = 256;

// One paged answer (a List page, a snapshot chunk) stays under this many bytes of items, well
// below gRPC's default 4 MiB receive limit. A single item larger than the budget still goes out
// alone, so paging always advances.
inline constexpr size_t kMaxPageBytes = 1 << 20;

inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 1000;

// How many items a page holds when the client asks for 0, and at most.
struct PageSizeLimits {
  int default_size = kDefaultPageSize;
  int max_size = kMaxPageSize;
};

// `requested` items per page: 0 means the default, more than the maximum is clamped, negative
// is INVALID_ARGUMENT naming `field`.
absl::StatusOr<int> PageSize(int64_t requested, absl::string_view field,
                             PageSizeLimits limits = {});

// INVALID_ARGUMENT when `id` is longer than kMaxIdBytes; `field` names it in the message.
absl::Status CheckIdLength(absl::string_view id, absl::string_view field);

// `text` for an error message: quoted, escaped, and cut to a short prefix with its full size,
// so that an error never carries the megabyte a client sent.
std::string QuoteForError(absl::string_view text);

// Where a read after `after_revision` may start, given the journal's oldest retained and head
// revisions (oldest 0 means empty): OUT_OF_RANGE beyond the head, FAILED_PRECONDITION
// (REVISION_COMPACTED) when events after it were compacted away, OK otherwise. Subscribe and
// ListEvents share it so they always give the same answer.
absl::Status CheckResumePoint(uint64_t after_revision, uint64_t oldest, uint64_t head);

// Counts the bytes of a page as items are added. Thread-compatible.
class PageBudget {
 public:
  explicit PageBudget(size_t max_bytes = kMaxPageBytes) : left_(max_bytes) {}

  // True when an item of `bytes` still fits; the first item always fits. Takes it from the
  // budget when it does.
  bool Take(size_t bytes);

 private:
  size_t left_;
  bool empty_ = true;
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_CORE_REQUEST_LIMITS_H_
