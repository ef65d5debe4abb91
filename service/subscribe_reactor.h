// One Subscribe stream: a self-owned ServerWriteReactor with a bounded queue of shared,
// immutable, already encoded responses. It first reads the journal from its start point ("catching
// up"), then switches to live delivery from the hub with no gap and no duplicate.
#ifndef LIVEEVENTS_SERVICE_SUBSCRIBE_REACTOR_H_
#define LIVEEVENTS_SERVICE_SUBSCRIBE_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "liveevents/v1/live_events.pb.h"
#include "service/catch_up_worker.h"
#include "service/encoded_response.h"
#include "service/event_journal.h"
#include "service/revision_waiter.h"
#include "service/store/event_store.h"
#include "service/subscribe_options.h"
#include "service/subscriber_hub.h"

namespace liveevents::service {

class SubscribeReactor : public grpc::ServerWriteReactor<grpc::ByteBuffer>, public Subscription {
 public:
  // Validates the request and registers with `hub`; ends the call at once when invalid. With
  // min_revision, it registers once this process has applied that revision (waiting on `waiter`
  // within the call's deadline). The reactor deletes itself in OnDone. Journal reads and the
  // snapshot run on `worker`. `journal`, `store`, `hub`, `worker` and `waiter` must outlive the
  // call.
  SubscribeReactor(grpc::CallbackServerContext* context, const v1::SubscribeRequest& request,
                   EventJournal& journal, EventStore& store, SubscriberHub& hub,
                   CatchUpWorker& worker, RevisionWaiter& waiter, const SubscribeOptions& options);

  // Subscription (called by the hub with its lock held).
  void Deliver(const std::vector<Delivery>& batch) override;
  void GoLive(uint64_t head) override;
  void Tick() override;
  void Drain() override;
  // Ends the stream with FAILED_PRECONDITION (REVISION_COMPACTED): the client takes a snapshot.
  void Skipped(uint64_t head) override;

  // ServerWriteReactor.
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  using ResponsePtr = EncodedResponse;

  absl::Status CheckStart(const v1::SubscribeRequest& request) const;
  // Checks the start point, registers with the hub and starts the stream (or ends it).
  void Start(const v1::SubscribeRequest& request);
  // Worker thread: queues the rooms and battles the filter wants as of one revision, then the
  // snapshot end, and moves the scan to that revision.
  void QueueSnapshot() ABSL_LOCKS_EXCLUDED(mu_);
  void QueueProgress() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Enqueue(ResponsePtr response, uint64_t revision, bool event = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The front of the queue as the next write: one response, or the events at the front as one
  // batch when the client asked for batches.
  std::pair<ResponsePtr, uint64_t> TakeNextWrite() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts the next write or the pending Finish. Returns true when the queue is empty and the
  // caller must post CatchUp() to the worker once it has released the lock. While a catch-up
  // runs on the worker nothing is written or finished: the worker pumps when it is done, so
  // the reactor cannot be deleted under it.
  bool Pump() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PostCatchUp(bool snapshot_first);
  // Worker thread: reads the journal page by page (after the snapshot, when asked) until the
  // queue has something to write or the subscription can go live.
  void CatchUp(bool snapshot_first);
  void EndWith(grpc::StatusCode code, const std::string& reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  grpc::CallbackServerContext* const context_;
  const v1::EventFilter filter_;
  EventJournal& journal_;
  EventStore& store_;
  SubscriberHub& hub_;
  CatchUpWorker& worker_;
  const SubscribeOptions options_;
  const size_t max_batch_;  // Events per message; 1 unless the request asked for more.
  bool registered_ = false;

  absl::Mutex mu_;
  struct Queued {
    ResponsePtr response;
    uint64_t revision;  // The revision it brings the client to.
    bool event;         // One `event`, which may join a batch.
  };
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  ResponsePtr in_flight_ ABSL_GUARDED_BY(mu_);  // Alive until OnWriteDone (gRPC rule 2).
  uint64_t in_flight_revision_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t sent_revision_ ABSL_GUARDED_BY(mu_) = 0;     // Client has everything up to here.
  uint64_t scanned_revision_ ABSL_GUARDED_BY(mu_) = 0;  // Queued everything up to here.
  bool live_ ABSL_GUARDED_BY(mu_) = false;
  bool catching_up_ ABSL_GUARDED_BY(mu_) = false;
  // Until the constructor is through nothing is written or finished, even if the hub drains
  // or delivers to the reactor while it registers.
  bool starting_ ABSL_GUARDED_BY(mu_) = true;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> pending_finish_ ABSL_GUARDED_BY(mu_);
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_SUBSCRIBE_REACTOR_H_
