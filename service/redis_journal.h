// The journal of a replica that shares its events with other replicas through Redis (issue 11).
// Redis sequences: a writer thread group-commits pending publishes with one
// RedisEventLog::Append (dedup, revision and the durable write as one Lua script). A follower
// thread tails the Redis stream and folds every event, in revision order, into this replica's
// state (deciding `stale` as the local Journal does) and hands it to the listener (the hub), so
// every replica sees one order. A Publish answers once this replica has applied its revision
// (read your writes on the same replica).
//
// Checkpoints: the follower saves the whole state every `checkpoint_events` events (Redis keeps
// only the newest, so replicas racing is harmless); a starting replica loads the checkpoint and
// follows the stream after it. Retention trims the stream, never past the checkpoint, so a
// replica that fell behind retention continues from the checkpoint too (its listener hears
// OnSkipped: the hub ends the subscriptions that would miss the trimmed events).
//
// Health: a failed Redis call marks the journal unhealthy (the listener hears false, Publish
// fails fast with UNAVAILABLE); the follower retries and the first call that succeeds again
// marks it healthy.
#ifndef LIVEEVENTS_SERVICE_REDIS_JOURNAL_H_
#define LIVEEVENTS_SERVICE_REDIS_JOURNAL_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/commit_listener.h"
#include "service/event_journal.h"
#include "service/journal.h"
#include "service/store/redis/redis_event_log.h"

namespace liveevents::service {

struct RedisJournalOptions {
  redis::RedisEventLogOptions log;
  // Save the state to Redis every this many events applied.
  uint64_t checkpoint_events = 10000;
  // Events the follower reads per round trip, and how long one waits for new ones.
  size_t follow_batch = 1024;
  absl::Duration follow_block = absl::Milliseconds(200);
  // Pause between attempts while Redis is unreachable.
  absl::Duration retry_pause = absl::Milliseconds(100);
};

class RedisJournal : public EventJournal {
 public:
  // `listener` must outlive the journal. JournalOptions give retention, the overdue-battle
  // check and the member reorder horizon, as for the local Journal.
  RedisJournal(std::unique_ptr<redis::RedisEventLog> log, CommitListener& listener,
               JournalOptions options, RedisJournalOptions redis_options);
  ~RedisJournal() override;

  absl::Status Recover() override;
  void Publish(v1::Event event, PublishDone done) override;
  void ReadState(
      absl::FunctionRef<void(const LiveState& state, uint64_t applied)> read) const override;
  uint64_t AppliedRevision() const override;
  bool Accepting() const override;
  void Shutdown() override;
  // Saves a checkpoint, then runs retention (trim) and the overdue-battle check.
  void RunMaintenanceForTest() override;
  void SetHealthListener(std::function<void(bool serving)> listener) override;

  // For the read side (RedisEventStore): the log, the oldest retained revision as last seen
  // (refreshed by retention, and by readers that find a trimmed start), and the newest revision
  // this replica has handed to its listener. The last three never block.
  redis::RedisEventLog& log() { return *log_; }
  uint64_t OldestRevision() const { return oldest_.load(); }
  void NoteOldestRevision(uint64_t oldest) { oldest_ = oldest; }
  // The newest revision this replica has handed to its listener. Never blocks.
  uint64_t PublishedRevision() const;

 private:
  struct Pending {
    EventPtr event;
    PublishDone done;
  };

  bool WriterHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EnqueueLocked(v1::Event event, PublishDone done) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Folds `events` (dense, right after applied_) into the state; returns them with `stale` set
  // and adds the stale revisions to `stale`.
  std::vector<EventPtr> FoldLocked(const std::vector<EventPtr>& events,
                                   std::vector<uint64_t>& stale) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status LoadCheckpoint() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Follower thread, after retention trimmed events it has not applied: replaces the state by
  // the newer checkpoint (retention never trims past it, so the stream continues after it),
  // answers the publishers it covers and tells the listener (OnSkipped). False when there is
  // no checkpoint ahead of this replica.
  bool SkipToCheckpoint();
  void WriterLoop();
  void AppendBatch(std::vector<Pending> batch);
  void FollowerLoop();
  // Follower thread: records stale marks, then publishes `events` to the listener and answers
  // the publishers waiting for them. False when stopping before the marks could be written.
  bool DeliverFolded(std::vector<EventPtr> events, const std::vector<uint64_t>& stale);
  void SaveCheckpoint();
  void Trim();
  void EnqueueOverdueBattles();
  void SetHealthy(bool healthy);
  // Follower thread, after a read succeeded: marks the journal healthy once the shared
  // connection works too. False (after a pause) when it does not yet.
  bool Probe();
  // Pauses the calling thread for retry_pause or until stopping; false when stopping.
  bool PauseUnlessStopping();
  void FailWaiters(const absl::Status& status);

  const std::unique_ptr<redis::RedisEventLog> log_;
  CommitListener& listener_;
  const JournalOptions options_;
  const RedisJournalOptions redis_options_;
  std::atomic<uint64_t> oldest_{0};

  mutable absl::Mutex mu_;
  LiveState state_ ABSL_GUARDED_BY(mu_);
  uint64_t applied_ ABSL_GUARDED_BY(mu_) = 0;    // Folded into state_.
  uint64_t published_ ABSL_GUARDED_BY(mu_) = 0;  // Handed to the listener.
  uint64_t checkpointed_ ABSL_GUARDED_BY(mu_) = 0;
  // The newest receive time folded, and the minute of the last ForgetFinishedBefore: forgetting
  // is driven by the stream, not the wall clock, so every replica forgets at the same events.
  int64_t fold_clock_ms_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t forget_minute_ ABSL_GUARDED_BY(mu_) = -1;
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mu_);
  // Publishers waiting for this replica to apply their revision (duplicate flag with it).
  std::multimap<uint64_t, std::pair<bool, PublishDone>> waiters_ ABSL_GUARDED_BY(mu_);
  bool accepting_ ABSL_GUARDED_BY(mu_) = false;
  bool healthy_ ABSL_GUARDED_BY(mu_) = true;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool writer_done_ ABSL_GUARDED_BY(mu_) = false;
  bool maintenance_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool checkpoint_requested_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex health_mu_;  // Keeps listener calls in the order of the changes.
  std::function<void(bool)> health_listener_ ABSL_GUARDED_BY(health_mu_);

  std::thread writer_;
  std::thread follower_;
  // Writer thread only.
  absl::Time next_maintenance_;
  absl::Time next_overdue_check_;
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_REDIS_JOURNAL_H_
