// A scriptable EventPublisher for gateway tests: records every event and answers each Publish at
// once (OK with the next revision, or a configured error, also per raw body), or holds the answers
// until the test releases them, to exercise in-flight requests. It also records the events it
// answered OK, in order, which is what a real service would have journaled. PublishBatch answers
// as the real service does: all or nothing (one failing event fails the whole batch, and none of
// it is delivered); it records each batch's size.
#ifndef LIVEEVENTS_TESTS_GATEWAY_PUBLISH_FAKE_EVENT_PUBLISHER_H_
#define LIVEEVENTS_TESTS_GATEWAY_PUBLISH_FAKE_EVENT_PUBLISHER_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/publish/event_publisher.h"

namespace liveevents::gateway {

class FakeEventPublisher : public EventPublisher {
 public:
  void Publish(liveevents::v1::Event event, PublishCallback done) override {
    absl::StatusOr<liveevents::v1::PublishResponse> answer;
    {
      absl::MutexLock lock(&mu_);
      events_.push_back(std::move(event));
      if (hold_) {
        held_.push_back({{events_.back()}, std::move(done), nullptr});
        return;
      }
      answer = AnswerLocked(events_.back());
    }
    std::move(done)(std::move(answer));  // Outside the lock, like a real completion.
  }

  void PublishBatch(std::vector<liveevents::v1::Event> events, BatchCallback done) override {
    absl::StatusOr<std::vector<liveevents::v1::PublishResponse>> answer;
    {
      absl::MutexLock lock(&mu_);
      events_.insert(events_.end(), events.begin(), events.end());
      batch_sizes_.push_back(events.size());
      if (hold_) {
        held_.push_back({std::move(events), nullptr, std::move(done)});
        return;
      }
      answer = AnswerBatchLocked(events);
    }
    std::move(done)(std::move(answer));
  }

  void FailWith(absl::Status status) {
    absl::MutexLock lock(&mu_);
    failure_ = std::move(status);
  }
  // Answers `status` to every event with this raw body (OkStatus() forgets the rule).
  void FailBody(const std::string& raw_body, absl::Status status) {
    absl::MutexLock lock(&mu_);
    body_failures_[raw_body] = std::move(status);
  }
  void HoldAnswers() {
    absl::MutexLock lock(&mu_);
    hold_ = true;
  }
  // Answers every held call.
  void ReleaseAnswers() {
    std::vector<std::pair<Held, absl::StatusOr<std::vector<liveevents::v1::PublishResponse>>>>
        calls;
    {
      absl::MutexLock lock(&mu_);
      hold_ = false;
      for (Held& held : held_) {
        auto answer = AnswerBatchLocked(held.events);
        calls.emplace_back(std::move(held), std::move(answer));
      }
      held_.clear();
    }
    for (auto& [held, answer] : calls) {
      if (held.batch != nullptr) {
        std::move(held.batch)(std::move(answer));
      } else if (answer.ok()) {
        std::move(held.single)(std::move(answer->front()));
      } else {
        std::move(held.single)(answer.status());
      }
    }
  }
  // Waits (bounded) until `count` calls are held.
  bool WaitForHeld(size_t count, absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return held_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }
  // Waits (bounded) until PublishBatch was called `count` times.
  bool WaitForBatches(size_t count, absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return batch_sizes_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }
  // Waits (bounded) until `count` events were answered OK.
  bool WaitForDelivered(size_t count, absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return delivered_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }
  // Every Publish call, answered or not, successful or not.
  std::vector<liveevents::v1::Event> events() const {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  // The size of every PublishBatch call, in call order.
  std::vector<size_t> batch_sizes() const {
    absl::MutexLock lock(&mu_);
    return batch_sizes_;
  }
  // The events answered OK, in answer order.
  std::vector<liveevents::v1::Event> delivered() const {
    absl::MutexLock lock(&mu_);
    return delivered_;
  }

 private:
  // A held Publish (`single`) or PublishBatch (`batch`) call.
  struct Held {
    std::vector<liveevents::v1::Event> events;
    PublishCallback single;
    BatchCallback batch;
  };

  absl::Status FailureLocked(const liveevents::v1::Event& event) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!failure_.ok()) return failure_;
    if (auto rule = body_failures_.find(event.raw_body()); rule != body_failures_.end()) {
      return rule->second;
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<liveevents::v1::PublishResponse>> AnswerBatchLocked(
      const std::vector<liveevents::v1::Event>& events) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const liveevents::v1::Event& event : events) {
      if (absl::Status status = FailureLocked(event); !status.ok()) return status;
    }
    std::vector<liveevents::v1::PublishResponse> answers;
    for (const liveevents::v1::Event& event : events) answers.push_back(*AnswerLocked(event));
    return answers;
  }
  absl::StatusOr<liveevents::v1::PublishResponse> AnswerLocked(const liveevents::v1::Event& event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (absl::Status status = FailureLocked(event); !status.ok()) return status;
    delivered_.push_back(event);
    liveevents::v1::PublishResponse response;
    response.set_revision(++revision_);
    return response;
  }

  mutable absl::Mutex mu_;
  std::vector<liveevents::v1::Event> events_ ABSL_GUARDED_BY(mu_);
  std::vector<Held> held_ ABSL_GUARDED_BY(mu_);
  std::vector<size_t> batch_sizes_ ABSL_GUARDED_BY(mu_);
  std::vector<liveevents::v1::Event> delivered_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Status> body_failures_ ABSL_GUARDED_BY(mu_);
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_TESTS_GATEWAY_PUBLISH_FAKE_EVENT_PUBLISHER_H_
