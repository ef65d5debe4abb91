// An EventStore that keeps events in memory only: for tests, and for running without a disk.
#ifndef LIVEEVENTS_SERVICE_STORE_MEMORY_EVENT_STORE_H_
#define LIVEEVENTS_SERVICE_STORE_MEMORY_EVENT_STORE_H_

#include <deque>

#include "absl/synchronization/mutex.h"
#include "service/store/event_store.h"

namespace liveevents::service {

class MemoryEventStore : public EventStore {
 public:
  std::string Kind() const override { return "memory"; }
  absl::Status Append(absl::Span<const EventPtr> events) override;
  absl::StatusOr<std::vector<EventPtr>> ReadAfter(uint64_t after_revision,
                                                  size_t limit) const override;
  uint64_t HeadRevision() const override;
  uint64_t OldestRevision() const override;
  absl::StatusOr<uint64_t> FirstRevisionReceivedSince(int64_t time_ms) const override;
  absl::Status Compact(uint64_t first_kept) override;
  absl::Status SaveSnapshot(const StoredSnapshot& snapshot) override;
  absl::StatusOr<std::optional<StoredSnapshot>> LoadSnapshot() const override;

 private:
  mutable absl::Mutex mu_;
  std::deque<EventPtr> events_ ABSL_GUARDED_BY(mu_);  // Dense revisions, oldest first.
  std::optional<StoredSnapshot> snapshot_ ABSL_GUARDED_BY(mu_);
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_STORE_MEMORY_EVENT_STORE_H_
