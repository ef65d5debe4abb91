#include "service/journal.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "service/core/battle_overdue.h"
#include "service/core/dedup_key.h"

namespace liveevents::service {
namespace {

constexpr size_t kRecoverPage = 4096;
constexpr size_t kMaxBatch = 1024;

}  // namespace

Journal::Journal(EventStore& store, CommitListener& listener, JournalOptions options)
    : store_(store),
      listener_(listener),
      options_(options),
      state_(LiveStateOptions{.member_reorder_horizon_ms =
                                  absl::ToInt64Milliseconds(options.member_reorder_horizon)}) {}

Journal::~Journal() { Shutdown(); }

absl::Status Journal::RestoreSnapshot() {
  absl::StatusOr<std::optional<StoredSnapshot>> stored = store_.LoadSnapshot();
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return absl::OkStatus();
  // Snapshots written before the internal state format (live-events before per-app state) hold
  // a v1.Snapshot: pre-1.0, they are refused clearly rather than converted.
  constexpr char kRemedy[] =
      "; snapshots written by an earlier live-events cannot be read: start on an empty --data_dir "
      "(see docs/operations.md)";
  internal::State snapshot;
  if (!snapshot.ParseFromString((*stored)->state)) {
    return absl::DataLossError(absl::StrCat("the state snapshot at revision ", (*stored)->revision,
                                            " is corrupt", kRemedy));
  }
  if (absl::Status status = state_.Restore(snapshot); !status.ok()) {
    return absl::DataLossError(absl::StrCat("the state snapshot at revision ", (*stored)->revision,
                                            " is unreadable: ", status.message(), kRemedy));
  }
  snapshot_revision_ = (*stored)->revision;
  return absl::OkStatus();
}

absl::Status Journal::Recover() {
  absl::MutexLock lock(&mu_);
  if (absl::Status status = RestoreSnapshot(); !status.ok()) return status;
  const uint64_t oldest = store_.OldestRevision();
  if (oldest > snapshot_revision_ + 1) {
    return absl::DataLossError(absl::StrCat("the journal starts at revision ", oldest,
                                            " but the state snapshot covers only up to ",
                                            snapshot_revision_));
  }
  // Every retained event restores its dedup key; those after the snapshot are folded again.
  uint64_t after = 0;
  while (true) {
    absl::StatusOr<std::vector<EventPtr>> page = store_.ReadAfter(after, kRecoverPage);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    for (const EventPtr& event : *page) {
      if (event->revision() > snapshot_revision_) state_.Apply(*event);
      revision_by_key_[event->dedup_key()] = event->revision();
      keys_in_order_.emplace_back(event->revision(), event->dedup_key());
      after = event->revision();
    }
  }
  applied_ = committed_ = std::max(after, snapshot_revision_);
  accepting_ = true;
  next_maintenance_ = absl::Now() + options_.maintenance_interval;
  next_overdue_check_ = absl::Now();
  writer_ = std::thread([this] { WriterLoop(); });
  return absl::OkStatus();
}

void Journal::Publish(v1::Event event, PublishDone done) {
  // Always computed here, never taken from the publisher: a key the client chose could make a
  // real event look like a duplicate of another and silently drop it.
  event.set_dedup_key(ComputeDedupKey(event));
  absl::MutexLock lock(&mu_);
  PublishLocked(std::move(event), std::move(done));
}

void Journal::PublishEach(std::vector<v1::Event> events,
                          absl::FunctionRef<PublishDone(size_t index)> done_for) {
  // Hashing stays outside the lock, as in Publish.
  for (v1::Event& event : events) event.set_dedup_key(ComputeDedupKey(event));
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < events.size(); ++i) PublishLocked(std::move(events[i]), done_for(i));
}

void Journal::PublishLocked(v1::Event event, PublishDone done) {
  if (!accepting_) {
    done(absl::UnavailableError("the journal is not accepting events (starting or stopping)"));
    return;
  }
  if (!broken_.ok()) {
    done(broken_);
    return;
  }
  if (auto it = revision_by_key_.find(event.dedup_key()); it != revision_by_key_.end()) {
    const uint64_t original = it->second;
    if (original <= committed_) {
      done(PublishResult{.revision = original, .duplicate = true});
    } else {
      duplicate_waiters_.emplace(original, std::move(done));
    }
    return;
  }
  // Revision, state and the key are decided under one lock, so replaying the journal in
  // revision order reproduces exactly this state (and the same stale marks).
  event.set_revision(++applied_);
  event.set_stale(state_.Apply(event).stale);
  revision_by_key_[event.dedup_key()] = event.revision();
  keys_in_order_.emplace_back(event.revision(), event.dedup_key());
  queue_.push_back({std::make_shared<const v1::Event>(std::move(event)), std::move(done)});
}

void Journal::ReadState(
    absl::FunctionRef<void(const LiveState& state, uint64_t applied)> read) const {
  absl::MutexLock lock(&mu_);
  read(state_, applied_);
}

uint64_t Journal::AppliedRevision() const {
  absl::MutexLock lock(&mu_);
  return applied_;
}

bool Journal::Accepting() const {
  absl::MutexLock lock(&mu_);
  return accepting_;
}

void Journal::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    accepting_ = false;
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
}

void Journal::RunMaintenanceForTest() {
  absl::MutexLock lock(&mu_);
  maintenance_requested_ = true;
  mu_.Await(absl::Condition(
      +[](bool* requested) { return !*requested; }, &maintenance_requested_));
}

bool Journal::HasWorkOrStopping() const {
  return !queue_.empty() || stopping_ || maintenance_requested_;
}

void Journal::WriterLoop() {
  while (true) {
    std::vector<Pending> batch;
    bool stop = false;
    bool maintain = false;
    bool check_overdue = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithDeadline(absl::Condition(this, &Journal::HasWorkOrStopping),
                            std::min(next_maintenance_, next_overdue_check_));
      // Everything that queued while the previous batch was being written goes in one
      // transaction: this is the group commit.
      const size_t take = std::min(queue_.size(), kMaxBatch);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + take));
      queue_.erase(queue_.begin(), queue_.begin() + take);
      stop = stopping_ && queue_.empty() && batch.empty();
      maintain = maintenance_requested_ || absl::Now() >= next_maintenance_;
      check_overdue = !stop && (maintenance_requested_ || absl::Now() >= next_overdue_check_);
    }
    if (!batch.empty()) CommitBatch(std::move(batch));
    if (check_overdue) {
      // The events it publishes queue like any other and commit in the next round.
      PublishOverdueBattles();
      next_overdue_check_ = absl::Now() + options_.overdue_check_interval;
    }
    if (stop) {
      Maintain(/*force_snapshot=*/true);
      return;
    }
    if (maintain) {
      Maintain(/*force_snapshot=*/false);
      absl::MutexLock lock(&mu_);
      maintenance_requested_ = false;
      next_maintenance_ = absl::Now() + options_.maintenance_interval;
    } else {
      SaveSnapshotIfCommitted();
    }
  }
}

void Journal::PublishOverdueBattles() {
  const int64_t now_ms = absl::ToUnixMillis(options_.clock());
  const int64_t grace_ms = absl::ToInt64Milliseconds(options_.battle_grace);
  // Found and published under one lock, so no End can slip in between and make them stale.
  absl::MutexLock lock(&mu_);
  if (!accepting_ || !broken_.ok()) return;
  for (const v1::Battle* battle : state_.BattlesOverdueAt(now_ms, grace_ms)) {
    // Copied first: applying the event replaces the battle `battle` points to.
    v1::Event event = MakeBattleOverdueEvent(
        *battle, OverdueDeadlineMs(*battle, grace_ms).value_or(now_ms), now_ms);
    event.set_dedup_key(ComputeDedupKey(event));
    // Nobody waits for the answer: a failed write breaks the journal, which says so to every
    // later publisher, and the next check after a restart finds the battle again.
    PublishLocked(std::move(event), [](absl::StatusOr<PublishResult>) {});
  }
}

void Journal::CommitBatch(std::vector<Pending> batch) {
  std::vector<EventPtr> events;
  events.reserve(batch.size());
  for (const Pending& pending : batch) events.push_back(pending.event);

  absl::Status status = store_.Append(events);
  std::multimap<uint64_t, PublishDone> waiters;
  {
    absl::MutexLock lock(&mu_);
    if (status.ok()) {
      committed_ = events.back()->revision();
      auto end = duplicate_waiters_.upper_bound(committed_);
      waiters.insert(std::make_move_iterator(duplicate_waiters_.begin()),
                     std::make_move_iterator(end));
      duplicate_waiters_.erase(duplicate_waiters_.begin(), end);
    } else {
      // The state already holds these events but the store does not: refuse everything from
      // now on rather than serve a state the journal cannot reproduce. A restart rebuilds the
      // state from the store.
      broken_ = absl::UnavailableError(
          absl::StrCat("journal write failed, restart required: ", status.message()));
      waiters.swap(duplicate_waiters_);
      for (Pending& pending : queue_) batch.push_back(std::move(pending));
      queue_.clear();
    }
  }
  if (!status.ok()) {
    for (Pending& pending : batch) pending.done(status);
    for (auto& [revision, done] : waiters) done(status);
    return;
  }
  listener_.OnCommitted(events);
  for (Pending& pending : batch) {
    pending.done(PublishResult{.revision = pending.event->revision(), .duplicate = false});
  }
  for (auto& [revision, done] : waiters) {
    done(PublishResult{.revision = revision, .duplicate = true});
  }
}

void Journal::Maintain(bool force_snapshot) {
  {
    absl::MutexLock lock(&mu_);
    if (!broken_.ok()) return;
    state_.ForgetFinishedBefore(
        absl::ToUnixMillis(options_.clock() - options_.retain_finished_for));
  }
  SaveSnapshotIfCommitted(force_snapshot);
  Compact();
}

void Journal::SaveSnapshotIfCommitted(bool force) {
  if (!unsaved_.has_value()) {
    absl::MutexLock lock(&mu_);
    const bool due = applied_ >= snapshot_revision_ + options_.snapshot_every;
    if (!(force || due) || applied_ <= snapshot_revision_ || !broken_.ok()) return;
    // The state may be a few events ahead of the store; the snapshot waits for them.
    unsaved_ =
        StoredSnapshot{.revision = applied_, .state = state_.ToSnapshot().SerializeAsString()};
  }
  {
    absl::MutexLock lock(&mu_);
    if (committed_ < unsaved_->revision) return;
  }
  if (absl::Status status = store_.SaveSnapshot(*unsaved_); !status.ok()) {
    absl::MutexLock lock(&mu_);
    broken_ = absl::UnavailableError(
        absl::StrCat("saving the state snapshot failed, restart required: ", status.message()));
    return;
  }
  snapshot_revision_ = unsaved_->revision;
  unsaved_.reset();
}

void Journal::Compact() {
  const uint64_t head = store_.HeadRevision();
  const uint64_t oldest = store_.OldestRevision();
  if (head == 0) return;
  // Keep the newest retain_events, everything younger than retain_for, and everything the
  // saved snapshot does not cover yet.
  uint64_t first_kept = head >= options_.retain_events ? head - options_.retain_events + 1 : 1;
  absl::StatusOr<uint64_t> young =
      store_.FirstRevisionReceivedSince(absl::ToUnixMillis(options_.clock() - options_.retain_for));
  if (!young.ok()) return;  // Retention waits for the next round.
  if (*young != 0) first_kept = std::min(first_kept, *young);
  first_kept = std::min({first_kept, snapshot_revision_ + 1, head});
  if (first_kept <= oldest) return;
  if (!store_.Compact(first_kept).ok()) return;
  absl::MutexLock lock(&mu_);
  while (!keys_in_order_.empty() && keys_in_order_.front().first < first_kept) {
    revision_by_key_.erase(keys_in_order_.front().second);
    keys_in_order_.pop_front();
  }
}

}  // namespace liveevents::service
