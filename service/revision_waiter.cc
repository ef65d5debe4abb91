#include "service/revision_waiter.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace liveevents::service {

RevisionWaiter::RevisionWaiter(CommitListener& next) : next_(next) {
  timer_ = std::thread([this] { TimerLoop(); });
}

RevisionWaiter::~RevisionWaiter() {
  Stop();
  timer_.join();
}

void RevisionWaiter::OnRecovered(uint64_t head) {
  {
    absl::MutexLock lock(&mu_);
    applied_ = std::max(applied_, head);
  }
  next_.OnRecovered(head);
}

void RevisionWaiter::Wait(uint64_t revision, absl::Time deadline, Done done) {
  absl::Status now;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      now = absl::UnavailableError("the server is shutting down");
    } else if (revision <= applied_) {
      now = absl::OkStatus();
    } else if (deadline <= absl::Now()) {
      now = absl::DeadlineExceededError(
          absl::StrCat("min_revision ", revision, " is not applied here yet (at ", applied_, ")"));
    } else {
      const uint64_t id = next_id_++;
      waiting_.emplace(id, Waiting{revision, std::move(done)});
      by_revision_.emplace(revision, id);
      by_deadline_.emplace(deadline, id);
      return;
    }
  }
  std::move(done)(now);
}

void RevisionWaiter::OnCommitted(absl::Span<const EventPtr> events) {
  next_.OnCommitted(events);
  if (!events.empty()) Advance(events.back()->revision());
}

void RevisionWaiter::OnSkipped(uint64_t head) {
  next_.OnSkipped(head);
  Advance(head);  // The state holds everything up to `head`, skipped or not.
}

void RevisionWaiter::Advance(uint64_t applied) {
  std::vector<Done> ready;
  {
    absl::MutexLock lock(&mu_);
    applied_ = std::max(applied_, applied);
    auto end = by_revision_.upper_bound(applied_);
    for (auto it = by_revision_.begin(); it != end; ++it) {
      auto waiting = waiting_.find(it->second);
      ready.push_back(std::move(waiting->second.done));
      waiting_.erase(waiting);
    }
    by_revision_.erase(by_revision_.begin(), end);
    // Their deadline entries go when the timer meets them: it skips ids no longer waiting.
  }
  for (Done& done : ready) std::move(done)(absl::OkStatus());
}

void RevisionWaiter::Stop() {
  std::vector<Done> stopped;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (auto& [id, waiting] : waiting_) stopped.push_back(std::move(waiting.done));
    waiting_.clear();
    by_revision_.clear();
    by_deadline_.clear();
  }
  for (Done& done : stopped) std::move(done)(absl::UnavailableError("the server is shutting down"));
}

bool RevisionWaiter::TimerShouldWake() const {
  return stopping_ || (!by_deadline_.empty() && by_deadline_.begin()->first <= absl::Now());
}

void RevisionWaiter::TimerLoop() {
  while (true) {
    std::vector<std::pair<uint64_t, Done>> expired;
    uint64_t applied = 0;
    {
      absl::MutexLock lock(&mu_);
      // Wakes at the earliest deadline, or soon after a new wait was added (at most 100 ms
      // late for a wait that is shorter than the one the timer sleeps for).
      const absl::Time wake =
          by_deadline_.empty()
              ? absl::Now() + absl::Milliseconds(100)
              : std::min(by_deadline_.begin()->first, absl::Now() + absl::Milliseconds(100));
      mu_.AwaitWithDeadline(absl::Condition(this, &RevisionWaiter::TimerShouldWake), wake);
      if (stopping_) return;
      applied = applied_;
      const absl::Time now = absl::Now();
      while (!by_deadline_.empty() && by_deadline_.begin()->first <= now) {
        const uint64_t id = by_deadline_.begin()->second;
        by_deadline_.erase(by_deadline_.begin());
        auto waiting = waiting_.find(id);
        if (waiting == waiting_.end()) continue;  // Answered by an event already.
        auto [first, last] = by_revision_.equal_range(waiting->second.revision);
        for (auto it = first; it != last; ++it) {
          if (it->second == id) {
            by_revision_.erase(it);
            break;
          }
        }
        expired.emplace_back(waiting->second.revision, std::move(waiting->second.done));
        waiting_.erase(waiting);
      }
    }
    for (auto& [revision, done] : expired) {
      std::move(done)(absl::DeadlineExceededError(
          absl::StrCat("min_revision ", revision, " was not applied here within the deadline (at ",
                       applied, ")")));
    }
  }
}

}  // namespace liveevents::service
