// The hub fans committed events out to every open subscription, and ticks the progress
// heartbeats. It never blocks: subscribers only enqueue what they are handed.
#ifndef LIVEEVENTS_SERVICE_SUBSCRIBER_HUB_H_
#define LIVEEVENTS_SERVICE_SUBSCRIBER_HUB_H_

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "liveevents/v1/live_events.pb.h"
#include "service/commit_listener.h"
#include "service/encoded_response.h"

namespace liveevents::service {

// One committed event, encoded once in the response every subscriber shares.
struct Delivery {
  EventPtr event;
  EncodedResponse response;
};

// What the hub needs of a subscription. Every call is made with the hub's lock held (lock
// order: hub, then subscriber), so implementations must only enqueue and return.
class Subscription {
 public:
  virtual ~Subscription() = default;
  virtual void Deliver(const std::vector<Delivery>& batch) = 0;
  // Switches from reading the journal to live delivery; `head` is the last revision broadcast.
  virtual void GoLive(uint64_t head) = 0;
  virtual void Tick() = 0;
  // The server is draining: end the stream with UNAVAILABLE and its resume revision.
  virtual void Drain() = 0;
  // The journal skipped the events up to `head` (OnSkipped): the stream cannot go on without a
  // gap, so it ends; by default as Drain() does.
  virtual void Skipped(uint64_t head) { Drain(); }
};

class SubscriberHub : public CommitListener {
 public:
  // Heartbeats are sent every `progress_interval` to idle subscriptions.
  explicit SubscriberHub(absl::Duration progress_interval);
  ~SubscriberHub() override;

  // The revision the journal recovered to: the hub's start, before anything is committed.
  void OnRecovered(uint64_t head) override;

  // Adds `subscription` and returns the last revision broadcast: a START_NOW subscription
  // starts right after it, and passes `live` so that GoLive() is called before any later
  // broadcast. While draining, the subscription is drained instead. Thread-safe.
  uint64_t Register(Subscription* subscription, bool live);
  void Unregister(Subscription* subscription);

  // Calls subscription->GoLive() and returns true when nothing after `scanned` has been
  // broadcast, so a subscription that has read the journal up to `scanned` misses nothing.
  bool TryGoLive(Subscription* subscription, uint64_t scanned);

  void OnCommitted(absl::Span<const EventPtr> events) override;
  // Ends every open subscription (Subscription::Skipped) and continues from `head`.
  void OnSkipped(uint64_t head) override;

  // Refuses new subscriptions and drains the open ones. Thread-safe, idempotent.
  void Drain();

  size_t Size() const;

 private:
  void TickerLoop();
  bool Stopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; }

  const absl::Duration progress_interval_;
  mutable absl::Mutex mu_;
  absl::flat_hash_set<Subscription*> subscriptions_ ABSL_GUARDED_BY(mu_);
  uint64_t last_broadcast_ ABSL_GUARDED_BY(mu_) = 0;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread ticker_;
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_SUBSCRIBER_HUB_H_
