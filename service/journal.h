// The Journal sequences published events: it drops duplicates, assigns revisions, folds each
// event into the live state, group-commits batches to the EventStore on a writer thread (with
// the state rows they changed, in the same transaction), and only then acknowledges the
// publishers and hands the events to the listener (the hub).
#ifndef LIVEEVENTS_SERVICE_JOURNAL_H_
#define LIVEEVENTS_SERVICE_JOURNAL_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "service/commit_listener.h"
#include "service/core/live_state.h"
#include "service/event_journal.h"
#include "service/store/event_store.h"

namespace liveevents::service {

struct JournalOptions {
  // Retention: an event is compacted away only when it is both older than `retain_for` and
  // not among the newest `retain_events`.
  uint64_t retain_events = 1000000;
  absl::Duration retain_for = absl::Hours(24);
  // Destroyed rooms and ended battles leave the state this long after their last fact.
  absl::Duration retain_finished_for = absl::Hours(24);
  // An offline member's fact time is forgotten this long (in EventTime) behind its room's newest
  // fact; see LiveStateOptions.
  absl::Duration member_reorder_horizon = absl::Minutes(10);
  // How often retention runs, also when no event arrives (a real-time timer).
  absl::Duration maintenance_interval = absl::Seconds(10);
  // A STARTED battle with no End this long after start_time + duration is overdue: the journal
  // publishes one LiveEvents.BattleOverdue for it (see events.proto).
  absl::Duration battle_grace = absl::Seconds(60);
  // How often the writer looks for overdue battles (a real-time timer; deadlines are measured
  // with `clock`).
  absl::Duration overdue_check_interval = absl::Seconds(1);
  // The time retention (retain_for, retain_finished_for) and overdue battles are measured
  // against; tests pass a fake one.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class Journal : public EventJournal {
 public:
  // `store` and `listener` must outlive the Journal.
  Journal(EventStore& store, CommitListener& listener, JournalOptions options = {});
  ~Journal() override;  // Stops the writer after committing what was accepted.

  // Loads the stored state (replaying events it does not cover yet) and the dedup index, then
  // starts the writer. Call once, before Publish.
  absl::Status Recover() override;

  // Journals `event` (its dedup_key is always computed here; one the publisher set is ignored)
  // and calls `done` once it is durable,
  // or with the original revision when its key was journaled before. `done` runs on the writer
  // thread or inline; it must not block. Thread-safe.
  void Publish(v1::Event event, PublishDone done) override;

  // Publish for each of `events`, in order and under one lock, so that a batch is sequenced
  // without other events in between and lands in one group commit unless the writer's batch is
  // full. `done_for(i)` makes the callback of events[i]; it runs under the journal's lock and
  // must only build the callback. Thread-safe.
  void PublishEach(std::vector<v1::Event> events,
                   absl::FunctionRef<PublishDone(size_t index)> done_for) override;

  // Runs `read` with the state as of revision `applied` (which may be a few events ahead of the
  // store while a batch commits). Thread-safe; `read` must be quick.
  void ReadState(
      absl::FunctionRef<void(const LiveState& state, uint64_t applied)> read) const override;

  // Highest revision assigned (journaled or being journaled).
  uint64_t AppliedRevision() const override;

  // False until Recover() finished and again from Shutdown() on.
  bool Accepting() const override;

  // Called with false once a failed write broke the journal (it refuses every event until a
  // restart), so that health tells load balancers and supervisors. Call before Recover().
  void SetHealthListener(std::function<void(bool serving)> listener) override {
    health_listener_ = std::move(listener);
  }

  // Commits everything accepted so far and stops the writer; later Publish calls fail.
  void Shutdown() override;

  // Runs retention and the overdue-battle check now instead of at the next interval (for
  // tests). Overdue events it journals are applied when it returns.
  void RunMaintenanceForTest() override;

 private:
  struct Pending {
    EventPtr event;
    PublishDone done;
  };

  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Publish once the dedup key is set.
  void PublishLocked(v1::Event event, PublishDone done) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The revision of an earlier event with this dedup key, if there is one.
  absl::StatusOr<std::optional<uint64_t>> FindOriginal(const std::string& dedup_key) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether the stored event `revision` has this dedup key.
  absl::StatusOr<bool> StoredKeyIs(uint64_t revision, const std::string& dedup_key) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void IndexKey(uint64_t revision, absl::string_view dedup_key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writer thread only: publishes a LiveEvents.BattleOverdue for every battle past its deadline.
  void PublishOverdueBattles();
  absl::Status RestoreState() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status LoadDedupIndex() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WriterLoop();
  void CommitBatch(std::vector<Pending> batch, StateChanges changes);
  // Writer thread only: drops what retention allows from the store and the dedup index.
  void Compact();

  EventStore& store_;
  CommitListener& listener_;
  const JournalOptions options_;

  mutable absl::Mutex mu_;
  LiveState state_ ABSL_GUARDED_BY(mu_);
  // The dedup index: the DedupKeyHash of every stored key (the store's event answers for the
  // full key when a hash matches), and the full keys of events not committed yet.
  absl::flat_hash_map<uint64_t, uint64_t> revision_by_key_hash_ ABSL_GUARDED_BY(mu_);
  std::deque<uint64_t> key_hash_by_revision_ ABSL_GUARDED_BY(mu_);  // From first_indexed_.
  uint64_t first_indexed_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<std::string, uint64_t> uncommitted_keys_ ABSL_GUARDED_BY(mu_);
  uint64_t applied_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t committed_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mu_);
  // Duplicates of events still being committed answer once their original is durable.
  std::multimap<uint64_t, PublishDone> duplicate_waiters_ ABSL_GUARDED_BY(mu_);
  bool accepting_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool maintenance_requested_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status broken_ ABSL_GUARDED_BY(mu_);
  std::thread writer_;
  std::function<void(bool serving)> health_listener_;  // Set before Recover, then only read.

  // Writer thread only.
  absl::Time next_maintenance_;
  absl::Time next_overdue_check_;
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_JOURNAL_H_
