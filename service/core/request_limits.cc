#include "service/core/request_limits.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace liveevents::service {

absl::StatusOr<int> PageSize(int64_t requested, absl::string_view field, PageSizeLimits limits) {
  if (requested < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must not be negative (0 means ", limits.default_size, ")"));
  }
  if (requested == 0) return limits.default_size;
  return requested > limits.max_size ? limits.max_size : static_cast<int>(requested);
}

absl::Status CheckIdLength(absl::string_view id, absl::string_view field) {
  if (id.size() <= kMaxIdBytes) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, " ", QuoteForError(id), " is longer than ", kMaxIdBytes, " bytes"));
}

std::string QuoteForError(absl::string_view text) {
  constexpr size_t kShown = 64;
  if (text.size() <= kShown) return absl::StrCat("\"", absl::CHexEscape(text), "\"");
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kShown)), "...\" (", text.size(),
                      " bytes)");
}

absl::Status CheckResumePoint(uint64_t after_revision, uint64_t oldest, uint64_t head) {
  if (after_revision > head) {
    return absl::OutOfRangeError(
        absl::StrCat("after_revision ", after_revision, " is beyond the head revision ", head));
  }
  // Written as `after < oldest - 1`, not `after + 1 < oldest`, so that no value wraps.
  if (oldest > 0 && after_revision < oldest - 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("REVISION_COMPACTED: after_revision ", after_revision,
                     " is older than the oldest retained revision ", oldest,
                     "; take a snapshot again (START_SNAPSHOT)"));
  }
  return absl::OkStatus();
}

bool PageBudget::Take(size_t bytes) {
  if (!empty_ && bytes > left_) return false;
  left_ = bytes > left_ ? 0 : left_ - bytes;
  empty_ = false;
  return true;
}

}  // namespace liveevents::service
