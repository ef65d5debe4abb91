// The liveevents.v1.LiveEvents gRPC service on the callback API: unary handlers answer on
// DefaultReactor(), Subscribe hands each stream to its own SubscribeReactor.
#ifndef LIVEEVENTS_SERVICE_LIVE_EVENTS_SERVICE_H_
#define LIVEEVENTS_SERVICE_LIVE_EVENTS_SERVICE_H_

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "liveevents/v1/live_events.grpc.pb.h"
#include "service/catch_up_worker.h"
#include "service/event_journal.h"
#include "service/publish_authorizer.h"
#include "service/revision_waiter.h"
#include "service/subscribe_reactor.h"
#include "service/subscriber_hub.h"

namespace liveevents::service {

// Subscribe is a raw method: its reactor writes responses encoded once for every stream.
class LiveEventsService final
    : public v1::LiveEvents::WithRawCallbackMethod_Subscribe<v1::LiveEvents::CallbackService> {
 public:
  // Everything passed in must outlive the service. Journal reads run on `worker`; reads with
  // min_revision wait on `waiter`.
  LiveEventsService(EventJournal& journal, EventStore& store, SubscriberHub& hub,
                    CatchUpWorker& worker, RevisionWaiter& waiter,
                    SubscribeOptions subscribe_options, PublishAuthorizer publish_authorizer);

  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const v1::PublishRequest* request,
                                    v1::PublishResponse* response) override;
  // Publish for many events: see PublishBatchRequest in live_events.proto.
  grpc::ServerUnaryReactor* PublishBatch(grpc::CallbackServerContext* context,
                                         const v1::PublishBatchRequest* request,
                                         v1::PublishBatchResponse* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* GetRoom(grpc::CallbackServerContext* context,
                                    const v1::GetRoomRequest* request, v1::Room* response) override;
  grpc::ServerUnaryReactor* ListRooms(grpc::CallbackServerContext* context,
                                      const v1::ListRoomsRequest* request,
                                      v1::ListRoomsResponse* response) override;
  grpc::ServerUnaryReactor* ListRoomMembers(grpc::CallbackServerContext* context,
                                            const v1::ListRoomMembersRequest* request,
                                            v1::ListRoomMembersResponse* response) override;
  grpc::ServerUnaryReactor* GetBattle(grpc::CallbackServerContext* context,
                                      const v1::GetBattleRequest* request,
                                      v1::Battle* response) override;
  grpc::ServerUnaryReactor* ListBattles(grpc::CallbackServerContext* context,
                                        const v1::ListBattlesRequest* request,
                                        v1::ListBattlesResponse* response) override;
  grpc::ServerUnaryReactor* ListEvents(grpc::CallbackServerContext* context,
                                       const v1::ListEventsRequest* request,
                                       v1::ListEventsResponse* response) override;
  grpc::ServerUnaryReactor* GetServerInfo(grpc::CallbackServerContext* context,
                                          const v1::GetServerInfoRequest* request,
                                          v1::ServerInfo* response) override;

 private:
  // Worker thread: one ListEvents page after `after`, at most `limit` events and kMaxPageBytes.
  grpc::Status ReadEventsPage(uint64_t after, int limit, v1::ListEventsResponse* response) const;
  // One ListBattles page in ORDER_NEWEST_FIRST of the battles `keep` accepts.
  grpc::Status ListBattlesNewestFirst(const v1::ListBattlesRequest& request,
                                      absl::FunctionRef<bool(const v1::Battle&)> keep,
                                      v1::ListBattlesResponse* response) const;

  // Finishes the call with what `read` returns once this replica has applied `min_revision`
  // (at once when it has), or with DEADLINE_EXCEEDED at the call's deadline.
  grpc::ServerUnaryReactor* ReadAt(grpc::CallbackServerContext* context, uint64_t min_revision,
                                   absl::AnyInvocable<grpc::Status() &&> read);

  EventJournal& journal_;
  RevisionWaiter& waiter_;
  EventStore& store_;
  SubscriberHub& hub_;
  CatchUpWorker& worker_;
  const SubscribeOptions subscribe_options_;
  const PublishAuthorizer publish_authorizer_;
  const absl::Time started_ = absl::Now();
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_LIVE_EVENTS_SERVICE_H_
