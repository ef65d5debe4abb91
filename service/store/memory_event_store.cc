#include "service/store/memory_event_store.h"

#include "absl/strings/str_cat.h"
#include "service/core/dedup_key.h"

namespace liveevents::service {

absl::Status MemoryEventStore::Commit(absl::Span<const EventPtr> events,
                                      const StateChanges* state) {
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
  if (state != nullptr) {
    if (state->replace_all) state_.clear();
    for (const std::string& prefix : state->erased_prefixes) {
      state_.erase(state_.lower_bound(prefix), state_.lower_bound(PrefixEnd(prefix)));
    }
    for (const std::string& key : state->erased) state_.erase(key);
    for (const StateRow& row : state->written) state_[row.key] = row.value;
    state_revision_ = events_.empty() ? 0 : events_.back()->revision();
  }
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
  while (events_.size() > 1 && events_.front()->revision() < first_kept) {
    events_.pop_front();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> MemoryEventStore::DedupKeyAt(uint64_t revision) const {
  absl::MutexLock lock(&mu_);
  if (events_.empty() || revision < events_.front()->revision() ||
      revision > events_.back()->revision()) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(events_[revision - events_.front()->revision()]->dedup_key());
}

absl::Status MemoryEventStore::ForEachDedupHash(
    absl::FunctionRef<void(uint64_t revision, uint64_t key_hash)> visit) const {
  absl::MutexLock lock(&mu_);
  for (const EventPtr& event : events_) visit(event->revision(), DedupKeyHash(event->dedup_key()));
  return absl::OkStatus();
}

absl::StatusOr<StoredState> MemoryEventStore::LoadState() const {
  absl::MutexLock lock(&mu_);
  StoredState stored;
  stored.revision = state_revision_;
  for (const auto& [key, value] : state_) stored.rows.push_back({.key = key, .value = value});
  return stored;
}

}  // namespace liveevents::service
