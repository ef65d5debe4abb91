// The gateway's own small client interface to the LiveEvents service: the seam between the HTTP
// edge and gRPC, so that tests can drive the server with a fake.
#ifndef LIVEEVENTS_GATEWAY_PUBLISH_EVENT_PUBLISHER_H_
#define LIVEEVENTS_GATEWAY_PUBLISH_EVENT_PUBLISHER_H_

#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "liveevents/v1/events.pb.h"
#include "liveevents/v1/live_events.pb.h"

namespace liveevents::gateway {

class EventPublisher {
 public:
  using PublishCallback =
      absl::AnyInvocable<void(absl::StatusOr<liveevents::v1::PublishResponse>) &&>;

  virtual ~EventPublisher() = default;

  // Starts publishing `event` and returns without blocking. `done` is called exactly once, on an
  // arbitrary thread (possibly before Publish returns), with the service's answer or the error
  // (DEADLINE_EXCEEDED, UNAVAILABLE, ...). Callers must not touch their own state from `done`
  // without hopping to their own executor first. Thread-safe.
  virtual void Publish(liveevents::v1::Event event, PublishCallback done) = 0;

  using BatchCallback =
      absl::AnyInvocable<void(absl::StatusOr<std::vector<liveevents::v1::PublishResponse>>) &&>;

  // Publishes `events` so that they reach the service in this order, and calls `done` exactly
  // once, as Publish does: with one answer per event, in order, or with an error, after which
  // some of the events may have been journaled (sending them again is safe: duplicates are
  // answered as such). The default publishes them one at a time, each after the previous one
  // was answered, and stops at the first error; publishers that can send a batch in one call
  // override it. Thread-safe.
  virtual void PublishBatch(std::vector<liveevents::v1::Event> events, BatchCallback done);
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_PUBLISH_EVENT_PUBLISHER_H_
