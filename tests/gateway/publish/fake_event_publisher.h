// A scriptable EventPublisher for gateway tests: records every event and answers each Publish at
// once (OK with the next revision, or a configured error, also per raw body), or holds the answers
// until the test releases them, to exercise in-flight requests. It also records the events it
// answered OK, in order, which is what a real service would have journaled.
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
        held_.push_back(std::move(done));
        held_events_.push_back(events_.back());
        return;
      }
      answer = AnswerLocked(events_.back());
    }
    std::move(done)(std::move(answer));  // Outside the lock, like a real completion.
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
    std::vector<std::pair<PublishCallback, absl::StatusOr<liveevents::v1::PublishResponse>>> calls;
    {
      absl::MutexLock lock(&mu_);
      hold_ = false;
      for (size_t i = 0; i < held_.size(); ++i) {
        calls.emplace_back(std::move(held_[i]), AnswerLocked(held_events_[i]));
      }
      held_.clear();
      held_events_.clear();
    }
    for (auto& [done, answer] : calls) std::move(done)(std::move(answer));
  }
  // Waits (bounded) until `count` calls are held.
  bool WaitForHeld(size_t count, absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return held_.size() >= count; };
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
  // The events answered OK, in answer order.
  std::vector<liveevents::v1::Event> delivered() const {
    absl::MutexLock lock(&mu_);
    return delivered_;
  }

 private:
  absl::StatusOr<liveevents::v1::PublishResponse> AnswerLocked(const liveevents::v1::Event& event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!failure_.ok()) return failure_;
    if (auto rule = body_failures_.find(event.raw_body());
        rule != body_failures_.end() && !rule->second.ok()) {
      return rule->second;
    }
    delivered_.push_back(event);
    liveevents::v1::PublishResponse response;
    response.set_revision(++revision_);
    return response;
  }

  mutable absl::Mutex mu_;
  std::vector<liveevents::v1::Event> events_ ABSL_GUARDED_BY(mu_);
  std::vector<PublishCallback> held_ ABSL_GUARDED_BY(mu_);
  std::vector<liveevents::v1::Event> held_events_ ABSL_GUARDED_BY(mu_);  // Parallel to held_.
  std::vector<liveevents::v1::Event> delivered_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Status> body_failures_ ABSL_GUARDED_BY(mu_);
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_TESTS_GATEWAY_PUBLISH_FAKE_EVENT_PUBLISHER_H_
