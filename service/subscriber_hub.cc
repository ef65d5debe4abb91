#include "service/subscriber_hub.h"

#include <algorithm>
#include <chrono>

#include "service/service_metrics.h"

namespace liveevents::service {

SubscriberHub::SubscriberHub(absl::Duration progress_interval)
    : progress_interval_(progress_interval) {
  ticker_ = std::thread([this] { TickerLoop(); });
}

SubscriberHub::~SubscriberHub() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  ticker_.join();
}

void SubscriberHub::OnRecovered(uint64_t head) {
  absl::MutexLock lock(&mu_);
  // A journal that follows another process (RedisJournal) may have broadcast already.
  last_broadcast_ = std::max(last_broadcast_, head);
}

uint64_t SubscriberHub::Register(Subscription* subscription, bool live) {
  absl::MutexLock lock(&mu_);
  if (draining_) {
    subscription->Drain();
  } else {
    subscriptions_.insert(subscription);
    if (live) subscription->GoLive(last_broadcast_);
  }
  return last_broadcast_;
}

void SubscriberHub::Unregister(Subscription* subscription) {
  absl::MutexLock lock(&mu_);
  subscriptions_.erase(subscription);
}

bool SubscriberHub::TryGoLive(Subscription* subscription, uint64_t scanned) {
  absl::MutexLock lock(&mu_);
  if (last_broadcast_ > scanned || !subscriptions_.contains(subscription)) return false;
  subscription->GoLive(last_broadcast_);
  return true;
}

void SubscriberHub::OnCommitted(absl::Span<const EventPtr> events) {
  const auto start = std::chrono::steady_clock::now();
  // One shared response per event, encoded once however many subscribers receive it.
  std::vector<Delivery> batch;
  batch.reserve(events.size());
  for (const EventPtr& event : events) batch.push_back({event, EncodeEvent(*event)});
  absl::MutexLock lock(&mu_);
  if (!events.empty()) last_broadcast_ = events.back()->revision();
  for (Subscription* subscription : subscriptions_) subscription->Deliver(batch);
  GetServiceMetrics().fanout_seconds.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

void SubscriberHub::OnSkipped(uint64_t head) {
  absl::MutexLock lock(&mu_);
  last_broadcast_ = std::max(last_broadcast_, head);
  for (Subscription* subscription : subscriptions_) subscription->Skipped(head);
}

void SubscriberHub::Drain() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  for (Subscription* subscription : subscriptions_) subscription->Drain();
}

size_t SubscriberHub::Size() const {
  absl::MutexLock lock(&mu_);
  return subscriptions_.size();
}

void SubscriberHub::TickerLoop() {
  absl::MutexLock lock(&mu_);
  while (
      !mu_.AwaitWithTimeout(absl::Condition(this, &SubscriberHub::Stopping), progress_interval_)) {
    for (Subscription* subscription : subscriptions_) subscription->Tick();
  }
}

}  // namespace liveevents::service
