#include "service/redis_journal.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging/log.h"
#include "service/core/battle_overdue.h"
#include "service/core/dedup_key.h"

namespace liveevents::service {
namespace {

constexpr size_t kRecoverPage = 4096;
constexpr int64_t kForgetStepMs = 60 * 1000;

using Answer = std::pair<EventJournal::PublishDone, PublishResult>;

void AnswerAll(std::vector<Answer>& answers) {
  for (auto& [done, result] : answers) done(result);
}

}  // namespace

RedisJournal::RedisJournal(std::unique_ptr<redis::RedisEventLog> log, CommitListener& listener,
                           JournalOptions options, RedisJournalOptions redis_options)
    : log_(std::move(log)),
      listener_(listener),
      options_(std::move(options)),
      redis_options_(std::move(redis_options)),
      state_(LiveStateOptions{.member_reorder_horizon_ms =
                                  absl::ToInt64Milliseconds(options_.member_reorder_horizon)}) {}

RedisJournal::~RedisJournal() { Shutdown(); }

void RedisJournal::SetHealthListener(std::function<void(bool serving)> listener) {
  absl::MutexLock lock(&health_mu_);
  health_listener_ = std::move(listener);
}

absl::Status RedisJournal::LoadCheckpoint() {
  absl::StatusOr<std::optional<redis::Checkpoint>> checkpoint = log_->LoadCheckpoint();
  if (!checkpoint.ok()) return checkpoint.status();
  if (!checkpoint->has_value()) return absl::OkStatus();
  internal::State snapshot;
  absl::Status status = snapshot.ParseFromString((*checkpoint)->state)
                            ? state_.Restore(snapshot)
                            : absl::DataLossError("it does not parse");
  if (!status.ok()) {
    return absl::DataLossError(absl::StrCat("the Redis checkpoint at revision ",
                                            (*checkpoint)->revision,
                                            " is unreadable: ", status.message()));
  }
  applied_ = published_ = checkpointed_ = (*checkpoint)->revision;
  fold_clock_ms_ = 0;
  forget_minute_ = -1;
  return absl::OkStatus();
}

bool RedisJournal::SkipToCheckpoint() {
  // Redis calls outside the lock: readers and publishers go on meanwhile.
  absl::StatusOr<std::optional<redis::Checkpoint>> checkpoint = log_->LoadCheckpoint();
  absl::StatusOr<uint64_t> oldest = log_->OldestRevision();
  if (!checkpoint.ok() || !checkpoint->has_value() || !oldest.ok()) return false;
  internal::State snapshot;
  if (!snapshot.ParseFromString((*checkpoint)->state)) return false;
  const uint64_t head = (*checkpoint)->revision;
  std::vector<Answer> ready;
  {
    absl::MutexLock lock(&mu_);
    // Only forward: the follower is the only thread that folds, so applied_ is still where it
    // stopped.
    if (head <= applied_ || !state_.Restore(snapshot).ok()) return false;
    applied_ = published_ = checkpointed_ = head;
    fold_clock_ms_ = 0;
    forget_minute_ = -1;
    oldest_ = *oldest;
    auto end = waiters_.upper_bound(head);
    for (auto it = waiters_.begin(); it != end; ++it) {
      ready.emplace_back(std::move(it->second.second),
                         PublishResult{.revision = it->first, .duplicate = it->second.first});
    }
    waiters_.erase(waiters_.begin(), end);
  }
  logging::Log(logging::Level::kWarn, "replica_skipped_to_checkpoint",
               {{"revision", head},
                {"message", "fell behind retention; subscriptions ended with REVISION_COMPACTED"}});
  listener_.OnSkipped(head);
  AnswerAll(ready);
  return true;
}

absl::Status RedisJournal::Recover() {
  absl::MutexLock lock(&mu_);
  // A replica that checkpoints while this one loads may trim what this one still needs: load
  // the newer checkpoint and try again.
  for (int attempt = 0;; ++attempt) {
    if (absl::Status status = LoadCheckpoint(); !status.ok()) return status;
    absl::Status status;
    while (true) {
      absl::StatusOr<std::vector<EventPtr>> page = log_->ReadAfter(applied_, kRecoverPage);
      if (!page.ok()) {
        status = page.status();
        break;
      }
      if (page->empty()) break;
      std::vector<uint64_t> stale;
      FoldLocked(*page, stale);
      status = log_->MarkStale(stale);
      if (!status.ok()) break;
    }
    if (status.ok()) break;
    if (!absl::IsFailedPrecondition(status) || attempt == 2) return status;
  }
  published_ = applied_;
  absl::StatusOr<uint64_t> oldest = log_->OldestRevision();
  if (!oldest.ok()) return oldest.status();
  oldest_ = *oldest;
  // Before the follower can hand on anything: the hub's start must be known first.
  listener_.OnRecovered(applied_);
  accepting_ = true;
  healthy_ = true;
  next_maintenance_ = absl::Now() + options_.maintenance_interval;
  next_overdue_check_ = absl::Now();
  writer_ = std::thread([this] { WriterLoop(); });
  follower_ = std::thread([this] { FollowerLoop(); });
  return absl::OkStatus();
}

void RedisJournal::Publish(v1::Event event, PublishDone done) {
  // Always computed here, never taken from the publisher (see Journal::Publish).
  event.set_dedup_key(ComputeDedupKey(event));
  absl::MutexLock lock(&mu_);
  if (!accepting_) {
    done(absl::UnavailableError("the journal is not accepting events (starting or stopping)"));
    return;
  }
  if (!healthy_) {
    // Fail fast, so that gateways spool instead of waiting for a Redis that is away.
    done(absl::UnavailableError("Redis is unreachable; retry later"));
    return;
  }
  EnqueueLocked(std::move(event), std::move(done));
}

void RedisJournal::EnqueueLocked(v1::Event event, PublishDone done) {
  queue_.push_back({std::make_shared<const v1::Event>(std::move(event)), std::move(done)});
}

void RedisJournal::ReadState(
    absl::FunctionRef<void(const LiveState& state, uint64_t applied)> read) const {
  absl::MutexLock lock(&mu_);
  read(state_, applied_);
}

uint64_t RedisJournal::AppliedRevision() const {
  absl::MutexLock lock(&mu_);
  return applied_;
}

uint64_t RedisJournal::PublishedRevision() const {
  absl::MutexLock lock(&mu_);
  return published_;
}

bool RedisJournal::Accepting() const {
  absl::MutexLock lock(&mu_);
  return accepting_;
}

void RedisJournal::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    accepting_ = false;
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
  if (follower_.joinable()) follower_.join();
  FailWaiters(absl::UnavailableError("the server is stopping"));
}

void RedisJournal::RunMaintenanceForTest() {
  {
    absl::MutexLock lock(&mu_);
    checkpoint_requested_ = true;
    auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !checkpoint_requested_ || stopping_;
    };
    mu_.Await(absl::Condition(&done));
    maintenance_requested_ = true;
    auto maintained = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !maintenance_requested_ || writer_done_;
    };
    mu_.Await(absl::Condition(&maintained));
  }
  // The overdue events it appended are applied when it returns.
  absl::StatusOr<uint64_t> head = log_->HeadRevision();
  if (!head.ok()) return;
  absl::MutexLock lock(&mu_);
  auto applied = [this, head = *head]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return published_ >= head || stopping_; };
  mu_.Await(absl::Condition(&applied));
}

void RedisJournal::SetHealthy(bool healthy) {
  {
    absl::MutexLock lock(&mu_);
    if (healthy_ == healthy) return;
    healthy_ = healthy;
  }
  logging::Log(healthy ? logging::Level::kInfo : logging::Level::kError,
               healthy ? "redis_reachable" : "redis_unreachable");
  absl::MutexLock lock(&health_mu_);
  bool now;
  {
    absl::MutexLock state_lock(&mu_);
    now = healthy_;  // The newest, whichever thread changed it last.
  }
  if (health_listener_) health_listener_(now);
}

bool RedisJournal::Probe() {
  {
    absl::MutexLock lock(&mu_);
    if (healthy_) return true;
  }
  // The follower's connection works again; the one Append shares may still be the one Redis
  // closed, and only a command finds out. Refresh it here, so that no publisher pays for it.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (log_->HeadRevision().ok()) {
      SetHealthy(true);
      return true;
    }
  }
  PauseUnlessStopping();
  return false;
}

bool RedisJournal::PauseUnlessStopping() {
  absl::MutexLock lock(&mu_);
  return !mu_.AwaitWithTimeout(absl::Condition(&stopping_), redis_options_.retry_pause);
}

void RedisJournal::FailWaiters(const absl::Status& status) {
  std::multimap<uint64_t, std::pair<bool, PublishDone>> waiters;
  {
    absl::MutexLock lock(&mu_);
    waiters.swap(waiters_);
  }
  for (auto& [revision, waiter] : waiters) waiter.second(status);
}

bool RedisJournal::WriterHasWork() const {
  return !queue_.empty() || stopping_ || maintenance_requested_;
}

void RedisJournal::WriterLoop() {
  while (true) {
    bool maintain = false;
    bool check_overdue = false;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithDeadline(absl::Condition(this, &RedisJournal::WriterHasWork),
                            std::min(next_maintenance_, next_overdue_check_));
      maintain = maintenance_requested_ || absl::Now() >= next_maintenance_;
      check_overdue = maintenance_requested_ || absl::Now() >= next_overdue_check_;
    }
    if (check_overdue) {
      // Queued before the batch is taken, so they go out in this round.
      EnqueueOverdueBattles();
      next_overdue_check_ = absl::Now() + options_.overdue_check_interval;
    }
    std::vector<Pending> batch;
    bool stop = false;
    {
      // Everything that queued while the previous batch was appended goes in one script.
      absl::MutexLock lock(&mu_);
      batch.swap(queue_);
      stop = stopping_ && batch.empty();
    }
    if (!batch.empty()) AppendBatch(std::move(batch));
    if (stop) break;
    if (maintain) {
      Trim();
      absl::MutexLock lock(&mu_);
      maintenance_requested_ = false;
      next_maintenance_ = absl::Now() + options_.maintenance_interval;
    }
  }
  absl::MutexLock lock(&mu_);
  writer_done_ = true;
}

void RedisJournal::AppendBatch(std::vector<Pending> batch) {
  std::vector<EventPtr> events;
  events.reserve(batch.size());
  for (const Pending& pending : batch) events.push_back(pending.event);
  absl::StatusOr<std::vector<redis::AppendResult>> results = log_->Append(events);
  if (!results.ok()) {
    if (absl::IsUnavailable(results.status())) SetHealthy(false);
    for (Pending& pending : batch) pending.done(results.status());
    return;
  }
  // Each answers once this replica has applied its revision: read your writes.
  std::vector<Answer> ready;
  {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < batch.size(); ++i) {
      const redis::AppendResult& result = (*results)[i];
      if (result.revision <= published_) {
        ready.emplace_back(std::move(batch[i].done), PublishResult{.revision = result.revision,
                                                                   .duplicate = result.duplicate});
      } else {
        waiters_.emplace(result.revision,
                         std::make_pair(result.duplicate, std::move(batch[i].done)));
      }
    }
  }
  AnswerAll(ready);
}

void RedisJournal::FollowerLoop() {
  while (true) {
    uint64_t after = 0;
    bool checkpoint = false;
    {
      absl::MutexLock lock(&mu_);
      // While stopping, it stays until the publishers the writer answered to are applied.
      if (stopping_ && writer_done_ && (waiters_.empty() || !healthy_)) break;
      after = applied_;
      checkpoint =
          checkpoint_requested_ || applied_ - checkpointed_ >= redis_options_.checkpoint_events;
    }
    if (checkpoint) SaveCheckpoint();
    absl::StatusOr<std::vector<EventPtr>> events =
        log_->ReadBlocking(after, redis_options_.follow_batch, redis_options_.follow_block);
    if (!events.ok()) {
      if (absl::IsFailedPrecondition(events.status())) {
        // Retention trimmed events this replica has not applied: it continues from the
        // checkpoint, which its subscribers cannot follow without a gap.
        if (SkipToCheckpoint()) continue;
        logging::Log(logging::Level::kError, "replica_behind_retention",
                     {{"reason", events.status()},
                      {"message", "no newer checkpoint found; restart this replica"}});
      }
      SetHealthy(false);
      FailWaiters(absl::UnavailableError(
          absl::StrCat("cannot follow the Redis journal (", events.status().message(),
                       "); the event may be journaled: a retry answers it as a duplicate")));
      PauseUnlessStopping();
      continue;
    }
    if (!Probe()) continue;
    if (events->empty()) continue;
    std::vector<uint64_t> stale;
    std::vector<EventPtr> folded;
    {
      absl::MutexLock lock(&mu_);
      folded = FoldLocked(*events, stale);
    }
    if (!DeliverFolded(std::move(folded), stale)) break;
  }
}

std::vector<EventPtr> RedisJournal::FoldLocked(const std::vector<EventPtr>& events,
                                               std::vector<uint64_t>& stale) {
  std::vector<EventPtr> folded;
  folded.reserve(events.size());
  const int64_t retain_ms = absl::ToInt64Milliseconds(options_.retain_finished_for);
  for (const EventPtr& event : events) {
    if (event->revision() != applied_ + 1) continue;  // Never twice, never out of order.
    auto copy = std::make_shared<v1::Event>(*event);
    // Finished rooms and battles are forgotten at the same events on every replica: the clock
    // is the newest receive time in the stream, in whole minutes.
    fold_clock_ms_ = std::max(fold_clock_ms_, copy->received_time_ms());
    const int64_t minute = fold_clock_ms_ / kForgetStepMs;
    if (minute != forget_minute_) {
      state_.ForgetFinishedBefore(minute * kForgetStepMs - retain_ms);
      forget_minute_ = minute;
    }
    copy->set_stale(state_.Apply(*copy).stale);
    if (copy->stale()) stale.push_back(copy->revision());
    applied_ = copy->revision();
    folded.push_back(std::move(copy));
  }
  state_.TakeChanges();  // The Redis journal keeps no rows; the checkpoint is the whole state.
  return folded;
}

bool RedisJournal::DeliverFolded(std::vector<EventPtr> events, const std::vector<uint64_t>& stale) {
  if (events.empty()) return true;
  // Readers of old events (catch-up, ListEvents) get `stale` from these marks.
  while (!stale.empty()) {
    absl::Status marked = log_->MarkStale(stale);
    if (marked.ok()) break;
    SetHealthy(false);
    if (!PauseUnlessStopping()) return false;
  }
  std::vector<Answer> ready;
  {
    absl::MutexLock lock(&mu_);
    published_ = events.back()->revision();
    // The journal was empty when last looked at: its first event is the oldest retained.
    if (oldest_ == 0) oldest_ = events.front()->revision();
    auto end = waiters_.upper_bound(published_);
    for (auto it = waiters_.begin(); it != end; ++it) {
      ready.emplace_back(std::move(it->second.second),
                         PublishResult{.revision = it->first, .duplicate = it->second.first});
    }
    waiters_.erase(waiters_.begin(), end);
  }
  listener_.OnCommitted(events);
  AnswerAll(ready);
  return true;
}

void RedisJournal::SaveCheckpoint() {
  redis::Checkpoint checkpoint;
  {
    // The follower is the only thread that folds, so the state is as of applied_ here.
    absl::MutexLock lock(&mu_);
    checkpoint.revision = applied_;
    state_.ToSnapshot().SerializeToString(&checkpoint.state);
  }
  absl::StatusOr<bool> saved = log_->SaveCheckpoint(checkpoint);
  absl::MutexLock lock(&mu_);
  checkpoint_requested_ = false;
  // A newer checkpoint of another replica is as good as ours; a failure retries later.
  if (saved.ok()) checkpointed_ = checkpoint.revision;
}

void RedisJournal::Trim() {
  uint64_t head;
  {
    absl::MutexLock lock(&mu_);
    head = published_;
  }
  if (head == 0) return;
  // Keep the newest retain_events and everything younger than retain_for (Journal::Compact).
  uint64_t first_kept = head >= options_.retain_events ? head - options_.retain_events + 1 : 1;
  absl::StatusOr<uint64_t> young =
      log_->FirstRevisionReceivedSince(absl::ToUnixMillis(options_.clock() - options_.retain_for));
  if (!young.ok()) return;  // Retention waits for the next round.
  if (*young != 0) first_kept = std::min(first_kept, *young);
  // Trim never passes the checkpoint nor the head, and also tells what another replica trimmed.
  absl::StatusOr<uint64_t> oldest = log_->Trim(std::min(first_kept, head));
  if (oldest.ok()) oldest_ = *oldest;
}

void RedisJournal::EnqueueOverdueBattles() {
  const int64_t now_ms = absl::ToUnixMillis(options_.clock());
  const int64_t grace_ms = absl::ToInt64Milliseconds(options_.battle_grace);
  absl::MutexLock lock(&mu_);
  if (!accepting_ || !healthy_) return;
  for (const v1::Battle* battle : state_.BattlesOverdueAt(now_ms, grace_ms)) {
    // Every replica may publish the same one: its dedup key depends on the battle only (id and
    // start time), so Redis journals one and answers the others as duplicates.
    v1::Event event = MakeBattleOverdueEvent(
        *battle, OverdueDeadlineMs(*battle, grace_ms).value_or(now_ms), now_ms);
    event.set_dedup_key(ComputeDedupKey(event));
    EnqueueLocked(std::move(event), [](absl::StatusOr<PublishResult>) {});
  }
}

}  // namespace liveevents::service
