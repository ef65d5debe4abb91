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
constexpr size_t kMaxOverduePerCheck = 1000;

}  // namespace

Journal::Journal(EventStore& store, CommitListener& listener, JournalOptions options)
    : store_(store),
      listener_(listener),
      options_(options),
      state_(LiveStateOptions{.member_reorder_horizon_ms =
                                  absl::ToInt64Milliseconds(options.member_reorder_horizon)}) {}

Journal::~Journal() { Shutdown(); }

absl::Status Journal::RestoreState() {
  // Data folders written before the incremental state are refused by the store; a state that
  // does not parse is damage, not a format question.
  absl::StatusOr<StoredState> stored = store_.LoadState();
  if (!stored.ok()) return stored.status();
  absl::StatusOr<internal::State> rows = StateFromRows(stored->rows, LiveState::kStateFormat);
  absl::Status status = rows.ok() ? state_.Restore(*rows) : rows.status();
  if (!status.ok()) {
    return absl::DataLossError(absl::StrCat("the stored state at revision ", stored->revision,
                                            " is unreadable: ", status.message()));
  }
  // Normally the rows are as of the head (they commit with the events); events they do not
  // cover are replayed, and then every row is rewritten.
  const uint64_t oldest = store_.OldestRevision();
  if (oldest > stored->revision + 1) {
    return absl::DataLossError(absl::StrCat("the journal starts at revision ", oldest,
                                            " but the stored state covers only up to ",
                                            stored->revision));
  }
  uint64_t after = stored->revision;
  while (true) {
    absl::StatusOr<std::vector<EventPtr>> page = store_.ReadAfter(after, kRecoverPage);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    for (const EventPtr& event : *page) state_.Apply(*event);
    after = page->back()->revision();
    state_.MarkAllChanged();
  }
  applied_ = committed_ = after;
  StateChanges changes = state_.TakeChanges();
  return changes.empty() ? absl::OkStatus() : store_.Commit({}, &changes);
}

absl::Status Journal::LoadDedupIndex() {
  const uint64_t oldest = store_.OldestRevision();
  if (oldest == 0) return absl::OkStatus();
  first_indexed_ = oldest;
  key_hash_by_revision_.assign(store_.HeadRevision() - oldest + 1, 0);
  revision_by_key_hash_.reserve(key_hash_by_revision_.size());
  absl::Status status = store_.ForEachDedupHash([&](uint64_t revision, uint64_t hash) {
    if (revision >= oldest && revision - oldest < key_hash_by_revision_.size()) {
      key_hash_by_revision_[revision - oldest] = hash;
    }
    uint64_t& indexed = revision_by_key_hash_[hash];
    indexed = std::max(indexed, revision);
  });
  return status;
}

absl::Status Journal::Recover() {
  uint64_t head;
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status status = RestoreState(); !status.ok()) return status;
    if (absl::Status status = LoadDedupIndex(); !status.ok()) return status;
    head = applied_;
  }
  // Before accepting: an event committed first would otherwise be broadcast from a start the
  // listener does not know yet (a subscriber catching up could then go live past it).
  listener_.OnRecovered(head);
  absl::MutexLock lock(&mu_);
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
  absl::StatusOr<std::optional<uint64_t>> original = FindOriginal(event.dedup_key());
  if (!original.ok()) {
    done(absl::UnavailableError(
        absl::StrCat("cannot check for a duplicate: ", original.status().message())));
    return;
  }
  if (original->has_value()) {
    if (**original <= committed_) {
      done(PublishResult{.revision = **original, .duplicate = true});
    } else {
      duplicate_waiters_.emplace(**original, std::move(done));
    }
    return;
  }
  // Revision, state and the key are decided under one lock, so replaying the journal in
  // revision order reproduces exactly this state (and the same stale marks).
  event.set_revision(++applied_);
  event.set_stale(state_.Apply(event).stale);
  IndexKey(event.revision(), event.dedup_key());
  uncommitted_keys_.emplace(event.dedup_key(), event.revision());
  queue_.push_back({std::make_shared<const v1::Event>(std::move(event)), std::move(done)});
}

absl::StatusOr<std::optional<uint64_t>> Journal::FindOriginal(const std::string& dedup_key) const {
  if (auto it = uncommitted_keys_.find(dedup_key); it != uncommitted_keys_.end()) {
    return std::optional<uint64_t>(it->second);
  }
  // A new key almost never matches a hash, so the store is asked only about likely
  // duplicates: the newest event with the hash first, then, if that was a 64-bit collision,
  // every other retained event with it (a scan that practically never happens).
  const uint64_t hash = DedupKeyHash(dedup_key);
  auto newest = revision_by_key_hash_.find(hash);
  if (newest == revision_by_key_hash_.end()) return std::optional<uint64_t>();
  absl::StatusOr<bool> same = StoredKeyIs(newest->second, dedup_key);
  if (!same.ok()) return same.status();
  if (*same) return std::optional<uint64_t>(newest->second);
  for (size_t i = 0; i < key_hash_by_revision_.size(); ++i) {
    const uint64_t revision = first_indexed_ + i;
    if (key_hash_by_revision_[i] != hash || revision == newest->second) continue;
    same = StoredKeyIs(revision, dedup_key);
    if (!same.ok()) return same.status();
    if (*same) return std::optional<uint64_t>(revision);
  }
  return std::optional<uint64_t>();
}

absl::StatusOr<bool> Journal::StoredKeyIs(uint64_t revision, const std::string& dedup_key) const {
  absl::StatusOr<std::optional<std::string>> stored = store_.DedupKeyAt(revision);
  if (!stored.ok()) return stored.status();
  return *stored == dedup_key;
}

void Journal::IndexKey(uint64_t revision, absl::string_view dedup_key) {
  const uint64_t hash = DedupKeyHash(dedup_key);
  if (key_hash_by_revision_.empty()) first_indexed_ = revision;
  key_hash_by_revision_.push_back(hash);
  revision_by_key_hash_[hash] = revision;
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
    StateChanges changes;
    bool stop = false;
    bool maintain = false;
    bool check_overdue = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithDeadline(absl::Condition(this, &Journal::HasWorkOrStopping),
                            std::min(next_maintenance_, next_overdue_check_));
      maintain = maintenance_requested_ || absl::Now() >= next_maintenance_;
      check_overdue = maintenance_requested_ || absl::Now() >= next_overdue_check_;
      if (maintain && broken_.ok()) {
        state_.ForgetFinishedBefore(
            absl::ToUnixMillis(options_.clock() - options_.retain_finished_for));
      }
      // Everything that queued while the previous batch was being written goes in one
      // transaction (the group commit), with the rows of the state as of its last event:
      // the queue holds every event applied so far.
      batch.swap(queue_);
      changes = state_.TakeChanges();
      stop = stopping_ && batch.empty();
      if (!broken_.ok()) changes = {};  // Nothing more is written.
    }
    if (!batch.empty() || !changes.empty()) CommitBatch(std::move(batch), std::move(changes));
    if (stop) return;
    if (check_overdue) {
      // The events it publishes queue like any other and commit in the next round.
      PublishOverdueBattles();
      next_overdue_check_ = absl::Now() + options_.overdue_check_interval;
    }
    if (maintain) {
      Compact();
      absl::MutexLock lock(&mu_);
      maintenance_requested_ = false;
      next_maintenance_ = absl::Now() + options_.maintenance_interval;
    }
  }
}

void Journal::PublishOverdueBattles() {
  const int64_t now_ms = absl::ToUnixMillis(options_.clock());
  const int64_t grace_ms = absl::ToInt64Milliseconds(options_.battle_grace);
  // Found and published under one lock, so no End can slip in between and make them stale.
  absl::MutexLock lock(&mu_);
  if (!accepting_ || !broken_.ok()) return;
  // Bounded per round, so that a backlog (an outage, a lost batch of Ends) neither holds the
  // lock long nor floods subscribers at once; the next round, a second later, goes on.
  for (const v1::Battle* battle : state_.BattlesOverdueAt(now_ms, grace_ms, kMaxOverduePerCheck)) {
    // Copied first: applying the event replaces the battle `battle` points to.
    v1::Event event = MakeBattleOverdueEvent(
        *battle, OverdueDeadlineMs(*battle, grace_ms).value_or(now_ms), now_ms);
    event.set_dedup_key(ComputeDedupKey(event));
    // Nobody waits for the answer: a failed write breaks the journal, which says so to every
    // later publisher, and the next check after a restart finds the battle again.
    PublishLocked(std::move(event), [](absl::StatusOr<PublishResult>) {});
  }
}

void Journal::CommitBatch(std::vector<Pending> batch, StateChanges changes) {
  std::vector<EventPtr> events;
  events.reserve(batch.size());
  for (const Pending& pending : batch) events.push_back(pending.event);

  absl::Status status = store_.Commit(events, &changes);
  std::multimap<uint64_t, PublishDone> waiters;
  {
    absl::MutexLock lock(&mu_);
    if (status.ok()) {
      if (!events.empty()) committed_ = events.back()->revision();
      for (const EventPtr& event : events) uncommitted_keys_.erase(event->dedup_key());
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
    if (health_listener_) health_listener_(false);
    for (Pending& pending : batch) pending.done(status);
    for (auto& [revision, done] : waiters) done(status);
    return;
  }
  if (!events.empty()) listener_.OnCommitted(events);
  for (Pending& pending : batch) {
    pending.done(PublishResult{.revision = pending.event->revision(),
                               .duplicate = false,
                               .stale = pending.event->stale()});
  }
  for (auto& [revision, done] : waiters) {
    done(PublishResult{.revision = revision, .duplicate = true});
  }
}

void Journal::Compact() {
  const uint64_t head = store_.HeadRevision();
  const uint64_t oldest = store_.OldestRevision();
  if (head == 0) return;
  // Keep the newest retain_events and everything younger than retain_for.
  uint64_t first_kept = head >= options_.retain_events ? head - options_.retain_events + 1 : 1;
  absl::StatusOr<uint64_t> young =
      store_.FirstRevisionReceivedSince(absl::ToUnixMillis(options_.clock() - options_.retain_for));
  if (!young.ok()) return;  // Retention waits for the next round.
  if (*young != 0) first_kept = std::min(first_kept, *young);
  first_kept = std::min(first_kept, head);
  if (first_kept <= oldest) return;
  if (!store_.Compact(first_kept).ok()) return;
  absl::MutexLock lock(&mu_);
  for (; first_indexed_ < first_kept && !key_hash_by_revision_.empty(); ++first_indexed_) {
    const uint64_t hash = key_hash_by_revision_.front();
    key_hash_by_revision_.pop_front();
    // A newer event with the same hash keeps its entry.
    if (auto it = revision_by_key_hash_.find(hash);
        it != revision_by_key_hash_.end() && it->second == first_indexed_) {
      revision_by_key_hash_.erase(it);
    }
  }
}

}  // namespace liveevents::service
