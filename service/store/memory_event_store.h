// An EventStore that keeps events in memory only: for tests, and for running without a disk.
#ifndef LIVEEVENTS_SERVICE_STORE_MEMORY_EVENT_STORE_H_
#define LIVEEVENTS_SERVICE_STORE_MEMORY_EVENT_STORE_H_

#include <deque>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "service/store/event_store.h"

namespace liveevents::service {

class MemoryEventStore : public EventStore {
 public:
  std::string Kind() const override { return "memory"; }
  absl::Status Commit(absl::Span<const EventPtr> events, const StateChanges* state) override;
  absl::StatusOr<std::vector<EventPtr>> ReadAfter(uint64_t after_revision,
                                                  size_t limit) const override;
  uint64_t HeadRevision() const override;
  uint64_t OldestRevision() const override;
  absl::StatusOr<uint64_t> FirstRevisionReceivedSince(int64_t time_ms) const override;
  absl::Status Compact(uint64_t first_kept) override;
  absl::StatusOr<std::optional<std::string>> DedupKeyAt(uint64_t revision) const override;
  absl::Status ForEachDedupHash(
      absl::FunctionRef<void(uint64_t revision, uint64_t key_hash)> visit) const override;
  absl::StatusOr<StoredState> LoadState() const override;

 private:
  mutable absl::Mutex mu_;
  std::deque<EventPtr> events_ ABSL_GUARDED_BY(mu_);  // Dense revisions, oldest first.
  std::map<std::string, std::string> state_ ABSL_GUARDED_BY(mu_);
  uint64_t state_revision_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_STORE_MEMORY_EVENT_STORE_H_
