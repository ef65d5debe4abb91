// The read side of the Redis journal as an EventStore, so that the catch-up of subscriptions,
// ListEvents and GetServerInfo read events the same way on every store. Sequencing and the
// state live in RedisJournal, so the write methods (Commit, Compact) and the ones only the
// local Journal calls (DedupKeyAt, ForEachDedupHash, LoadState, FirstRevisionReceivedSince)
// answer UNIMPLEMENTED.
#ifndef LIVEEVENTS_SERVICE_REDIS_EVENT_STORE_H_
#define LIVEEVENTS_SERVICE_REDIS_EVENT_STORE_H_

#include <string>
#include <vector>

#include "service/redis_journal.h"
#include "service/store/event_store.h"

namespace liveevents::service {

class RedisEventStore : public EventStore {
 public:
  // `journal` must outlive the store.
  explicit RedisEventStore(RedisJournal& journal) : journal_(journal), log_(journal.log()) {}

  std::string Kind() const override { return "redis"; }
  absl::Status Commit(absl::Span<const EventPtr> events, const StateChanges* state) override;
  // The events this replica has applied, with the stale marks its follower recorded (blocks on
  // Redis: worker threads only); FAILED_PRECONDITION with REVISION_COMPACTED when they were
  // trimmed. Thread-safe.
  absl::StatusOr<std::vector<EventPtr>> ReadAfter(uint64_t after_revision,
                                                  size_t limit) const override;
  // This replica's applied head and the oldest retained revision as last seen; never block.
  uint64_t HeadRevision() const override { return journal_.PublishedRevision(); }
  uint64_t OldestRevision() const override;
  absl::StatusOr<uint64_t> FirstRevisionReceivedSince(int64_t time_ms) const override;
  absl::Status Compact(uint64_t first_kept) override;
  absl::StatusOr<std::optional<std::string>> DedupKeyAt(uint64_t revision) const override;
  absl::Status ForEachDedupHash(
      absl::FunctionRef<void(uint64_t revision, uint64_t key_hash)> visit) const override;
  absl::StatusOr<StoredState> LoadState() const override;

 private:
  RedisJournal& journal_;
  redis::RedisEventLog& log_;
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_REDIS_EVENT_STORE_H_
