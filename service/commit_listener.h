// What the Journal tells once events are durable: the seam between sequencing and fan-out.
#ifndef LIVEEVENTS_SERVICE_COMMIT_LISTENER_H_
#define LIVEEVENTS_SERVICE_COMMIT_LISTENER_H_

#include <cstdint>

#include "absl/types/span.h"
#include "service/store/event_store.h"

namespace liveevents::service {

// Receives every committed event exactly once, in revision order, on the journal's writer
// thread. Implementations must not block.
class CommitListener {
 public:
  virtual ~CommitListener() = default;
  // The revision the journal recovered to, before it accepts the first event (so nothing can
  // be committed, and broadcast, before the listener knows where the journal starts).
  virtual void OnRecovered(uint64_t head) {}
  virtual void OnCommitted(absl::Span<const EventPtr> events) = 0;
  // The journal jumped to `head` without handing on the events before it (a Redis replica that
  // fell behind retention reloaded the checkpoint): whoever expected them in order must start
  // again; OnCommitted continues after `head`.
  virtual void OnSkipped(uint64_t head) {}
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_COMMIT_LISTENER_H_
