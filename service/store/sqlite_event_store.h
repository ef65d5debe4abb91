// The embedded default EventStore: one SQLite database in WAL mode. Each Commit is one
// transaction with synchronous=FULL, so one fsync covers a whole group-committed batch and the
// state rows it changed.
#ifndef LIVEEVENTS_SERVICE_STORE_SQLITE_EVENT_STORE_H_
#define LIVEEVENTS_SERVICE_STORE_SQLITE_EVENT_STORE_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "service/store/event_store.h"
#include "service/store/sqlite_checkpointer.h"

struct sqlite3;

namespace liveevents::service {

class SqliteEventStore : public EventStore {
 public:
  // Opens (creating if needed) `path`, e.g. "data/journal.db".
  static absl::StatusOr<std::unique_ptr<SqliteEventStore>> Open(const std::string& path);
  ~SqliteEventStore() override;

  std::string Kind() const override { return "sqlite"; }
  absl::Status Commit(absl::Span<const EventPtr> events, const StateChanges* state) override;
  absl::StatusOr<std::vector<EventPtr>> ReadAfter(uint64_t after_revision,
                                                  size_t limit) const override;
  uint64_t HeadRevision() const override { return head_.load(); }
  uint64_t OldestRevision() const override { return oldest_.load(); }
  absl::StatusOr<uint64_t> FirstRevisionReceivedSince(int64_t time_ms) const override;
  absl::Status Compact(uint64_t first_kept) override;
  absl::StatusOr<std::optional<std::string>> DedupKeyAt(uint64_t revision) const override;
  absl::Status ForEachDedupHash(
      absl::FunctionRef<void(uint64_t revision, uint64_t key_hash)> visit) const override;
  absl::StatusOr<StoredState> LoadState() const override;

  // Checkpoints of the write-ahead log completed so far (sqlite_checkpointer.h).
  int64_t checkpoints() const { return checkpointer_->completed(); }

 private:
  SqliteEventStore(sqlite3* writer, sqlite3* reader, sqlite3* lookup);
  absl::Status RefreshBounds();
  // Parts of Commit's transaction.
  absl::Status WriteEvents(absl::Span<const EventPtr> events);
  absl::Status WriteState(const StateChanges& state, uint64_t revision);

  // One connection writes (Commit and Compact: the journal's writer thread), one
  // reads; WAL lets the reader see committed data while a write is under way.
  sqlite3* const writer_;
  mutable absl::Mutex reader_mu_;
  sqlite3* const reader_ ABSL_PT_GUARDED_BY(reader_mu_);
  // Dedup lookups have their own connection: the journal asks while holding its lock, and must
  // not wait behind a subscriber's page read.
  mutable absl::Mutex lookup_mu_;
  sqlite3* const lookup_ ABSL_PT_GUARDED_BY(lookup_mu_);
  std::unique_ptr<SqliteCheckpointer> checkpointer_;  // Stopped before writer_ closes.
  std::atomic<uint64_t> head_{0};
  std::atomic<uint64_t> oldest_{0};
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_STORE_SQLITE_EVENT_STORE_H_
