// A resuming subscriber for game-logic services: it streams LiveEvents.Subscribe, remembers the
// last revision seen, and when the stream breaks for a transient reason it reconnects with
// START_AFTER_REVISION, waiting with exponential backoff and full jitter between attempts. The
// handler therefore sees every revision at most once and in order, without gaps across
// reconnects. A stream silent for longer than a few heartbeat intervals is treated as dead
// (cancelled and resumed), since a half-open TCP connection would otherwise hang it forever. A
// resume point the server no longer has (FAILED_PRECONDITION, REVISION_COMPACTED) starts over
// from a snapshot (OnCompacted, then OnSnapshot... OnSnapshotEnd); a request the server rejects
// ends Run() with that status. Nothing is ever skipped silently.
#ifndef LIVEEVENTS_CLIENT_SUBSCRIBER_H_
#define LIVEEVENTS_CLIENT_SUBSCRIBER_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/reconnect_policy.h"
#include "liveevents/v1/live_events.grpc.pb.h"

namespace liveevents::client {

struct SubscriberOptions {
  liveevents::v1::EventFilter filter;
  // START_NOW (or UNSPECIFIED), START_AFTER_REVISION (with after_revision) or START_SNAPSHOT.
  // Only the first stream uses it; later streams resume after the last revision seen.
  liveevents::v1::SubscribeRequest::Start start = liveevents::v1::SubscribeRequest::START_NOW;
  uint64_t after_revision = 0;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  // The server's --progress_interval: an idle stream carries a Progress this often. A stream with
  // no message at all for missed_heartbeats intervals is cancelled and resumed; 0 turns the
  // watchdog off.
  absl::Duration heartbeat_interval = absl::Seconds(5);
  int missed_heartbeats = 3;
  // On REVISION_COMPACTED: true re-subscribes with START_SNAPSHOT (OnCompacted first); false ends
  // Run() with the FAILED_PRECONDITION status instead.
  bool resnapshot_on_compacted = true;
};

// Why and when the subscriber reconnects; see SubscriberHandler::OnReconnect.
struct ReconnectInfo {
  absl::Status cause;     // How the stream ended (UNAVAILABLE for a dead, silent stream).
  int attempt = 0;        // Consecutive failed streams before this reconnect, 0 after a good one.
  absl::Duration delay;   // The backoff waited before the next stream.
  uint64_t resume_after;  // The next stream's after_revision (0 when it starts over).
};

// Receives the stream. All callbacks run on the thread inside Subscriber::Run, one at a time, so
// an implementation needs no locking of its own against other callbacks. Callbacks should return
// promptly: while one runs, the subscriber reads nothing and the server may evict it as a slow
// consumer (it will then resume, but late). A callback may call Subscriber::Stop().
class SubscriberHandler {
 public:
  virtual ~SubscriberHandler() = default;
  // Each event once, revisions strictly increasing.
  virtual void OnEvent(const liveevents::v1::Event& event) = 0;
  // A bookmark: every matching event up to `revision` has been delivered.
  virtual void OnProgress(uint64_t revision) {}
  // START_SNAPSHOT only: a part of the state as of the revision OnSnapshotEnd then names. If the
  // stream breaks before OnSnapshotEnd, the snapshot starts over on the next stream, so buffer
  // the parts and apply them at OnSnapshotEnd.
  virtual void OnSnapshot(const liveevents::v1::Snapshot& snapshot) {}
  virtual void OnSnapshotEnd(uint64_t revision) {}
  // The journal no longer holds the events after `last_revision` (the subscriber was away longer
  // than the server's retention): a fresh snapshot follows (OnSnapshot parts, OnSnapshotEnd),
  // then events after it. Discard the state built so far and rebuild it from that snapshot.
  virtual void OnCompacted(uint64_t last_revision) {}
  // A stream ended and another follows after `info.delay`. For logs and metrics; the subscriber
  // resumes by itself.
  virtual void OnReconnect(const ReconnectInfo& info) {}
};

class Subscriber {
 public:
  Subscriber(std::shared_ptr<grpc::Channel> channel, SubscriberOptions options);
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Streams until Stop() or a terminal status, reconnecting as needed; blocks the calling thread
  // (give it a dedicated one). Returns OK after Stop(), else the terminal status, whose message
  // names the last revision seen. Call at most once per Subscriber.
  absl::Status Run(SubscriberHandler& handler) ABSL_LOCKS_EXCLUDED(mu_);

  // Makes Run() return soon: cancels the current stream and wakes a pending backoff. Thread-safe,
  // callable from any thread (including from a handler callback), any number of times, also
  // before Run().
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  // The newest revision delivered (event, progress or snapshot end); 0 before any. Thread-safe.
  uint64_t last_revision() const { return last_revision_.load(std::memory_order_acquire); }

 private:
  // How a single stream ended, and whether it delivered anything (which resets the backoff).
  struct StreamResult {
    grpc::Status status;
    bool made_progress = false;
  };

  liveevents::v1::SubscribeRequest NextRequest() const;
  StreamResult RunOneStream(SubscriberHandler& handler) ABSL_LOCKS_EXCLUDED(mu_);
  // The watchdog of one stream (its own thread): cancels `context` once no message arrived for
  // the silence limit, until the stream closes.
  void WatchStream(grpc::ClientContext* context) ABSL_LOCKS_EXCLUDED(mu_);
  // Marks a message being handed to the handler (true) and done (false); both count as activity.
  void SetDelivering(bool delivering) ABSL_LOCKS_EXCLUDED(mu_);
  // Forgets the position so that the next stream starts with START_SNAPSHOT.
  void StartOver();
  // Dispatches one message; returns true when it moved the position forward.
  bool Deliver(const liveevents::v1::SubscribeResponse& response, SubscriberHandler& handler);
  bool DeliverEvent(const liveevents::v1::Event& event, SubscriberHandler& handler);
  void Advance(uint64_t revision);
  // Sleeps for `delay` unless Stop() comes first; returns false when stopping.
  bool WaitBackoff(absl::Duration delay) ABSL_LOCKS_EXCLUDED(mu_);

  const std::unique_ptr<liveevents::v1::LiveEvents::Stub> stub_;
  const SubscriberOptions options_;

  // Position state, touched only by the Run thread (last_revision_ is also read by others).
  std::atomic<uint64_t> last_revision_{0};
  bool has_position_ = false;   // last_revision_ is a valid resume point.
  bool snapshot_done_ = false;  // START_SNAPSHOT: snapshot_end received.
  // How a stream without a position starts: options_.start, START_SNAPSHOT after a compaction.
  liveevents::v1::SubscribeRequest::Start start_;
  absl::BitGen bitgen_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The live stream's context, so Stop() can cancel it; null between streams.
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  // The watchdog's view of the live stream.
  bool stream_open_ ABSL_GUARDED_BY(mu_) = false;
  bool stream_silent_ ABSL_GUARDED_BY(mu_) = false;  // The watchdog cancelled it.
  bool delivering_ ABSL_GUARDED_BY(mu_) = false;     // A handler callback is running.
  absl::Time last_activity_ ABSL_GUARDED_BY(mu_);
};

}  // namespace liveevents::client

#endif  // LIVEEVENTS_CLIENT_SUBSCRIBER_H_
