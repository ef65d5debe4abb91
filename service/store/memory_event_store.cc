#include "service/store/memory_event_store.h"

#include "absl/strings/str_cat.h"

namespace liveevents::service {

absl::Status MemoryEventStore::Append(absl::Span<const EventPtr> events) {
  absl::MutexLock lock(&mu_);
  uint64_t expected = events_.empty() ? 0 : events_.back()->revision();
  for (const EventPtr& event : events) {
    // Check the whole batch first so that a bad batch adds nothing.
    if (event->revision() != expected + 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("revision ", event->revision(), " does not follow ", expected));
    }
    expected = event->revision();
  }
  events_.insert(events_.end(), events.begin(), events.end());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<EventPtr>> MemoryEventStore::ReadAfter(uint64_t after_revision,
                                                                  size_t limit) const {
  absl::MutexLock lock(&mu_);
  std::vector<EventPtr> out;
  if (events_.empty()) return out;
  const uint64_t oldest = events_.front()->revision();
  size_t index = after_revision < oldest ? 0 : after_revision - oldest + 1;
  for (; index < events_.size() && out.size() < limit; ++index) out.push_back(events_[index]);
  return out;
}

uint64_t MemoryEventStore::HeadRevision() const {
  absl::MutexLock lock(&mu_);
  return events_.empty() ? 0 : events_.back()->revision();
}

uint64_t MemoryEventStore::OldestRevision() const {
  absl::MutexLock lock(&mu_);
  return events_.empty() ? 0 : events_.front()->revision();
}

absl::StatusOr<uint64_t> MemoryEventStore::FirstRevisionReceivedSince(int64_t time_ms) const {
  absl::MutexLock lock(&mu_);
  for (const EventPtr& event : events_) {
    if (event->received_time_ms() >= time_ms) return event->revision();
  }
  return 0;
}

absl::Status MemoryEventStore::Compact(uint64_t first_kept) {
  absl::MutexLock lock(&mu_);
  while (events_.size() > 1 && events_.front()->revision() < first_kept) events_.pop_front();
  return absl::OkStatus();
}

absl::Status MemoryEventStore::SaveSnapshot(const StoredSnapshot& snapshot) {
  absl::MutexLock lock(&mu_);
  snapshot_ = snapshot;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<StoredSnapshot>> MemoryEventStore::LoadSnapshot() const {
  absl::MutexLock lock(&mu_);
  return snapshot_;
}

}  // namespace liveevents::service
