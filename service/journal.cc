#include "service/journal.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "service/core/dedup_key.h"

namespace liveevents::service {
namespace {

constexpr size_t kRecoverPage = 4096;
constexpr size_t kMaxBatch = 1024;

}  // namespace

Journal::Journal(EventStore& store, CommitListener& listener)
    : store_(store), listener_(listener) {}

Journal::~Journal() { Shutdown(); }

absl::Status Journal::Recover() {
  absl::MutexLock lock(&mu_);
  uint64_t after = 0;
  while (true) {
    absl::StatusOr<std::vector<EventPtr>> page = store_.ReadAfter(after, kRecoverPage);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    for (const EventPtr& event : *page) {
      state_.Apply(*event);
      revision_by_key_[event->dedup_key()] = event->revision();
      after = event->revision();
    }
  }
  applied_ = committed_ = after;
  accepting_ = true;
  writer_ = std::thread([this] { WriterLoop(); });
  return absl::OkStatus();
}

void Journal::Publish(v1::Event event, PublishDone done) {
  if (event.dedup_key().empty()) event.set_dedup_key(ComputeDedupKey(event));
  absl::MutexLock lock(&mu_);
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

void Journal::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    accepting_ = false;
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
}

bool Journal::HasWorkOrStopping() const { return !queue_.empty() || stopping_; }

void Journal::WriterLoop() {
  while (true) {
    std::vector<Pending> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &Journal::HasWorkOrStopping));
      if (queue_.empty()) return;  // Stopping, and everything accepted is committed.
      // Everything that queued while the previous batch was being written goes in one
      // transaction: this is the group commit.
      const size_t take = std::min(queue_.size(), kMaxBatch);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + take));
      queue_.erase(queue_.begin(), queue_.begin() + take);
    }
    CommitBatch(std::move(batch));
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

}  // namespace liveevents::service
