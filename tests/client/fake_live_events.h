// A scripted, in-process LiveEvents server for the client tests. Each Subscribe call plays the
// next StreamScript (messages, then an end status, or held open until the client cancels) and
// records the request, so tests can check what a reconnecting client asked for. The unary calls
// serve a tiny fixed state: room "r1", battle "b1", and three pages of rooms.
#ifndef LIVEEVENTS_TESTS_CLIENT_FAKE_LIVE_EVENTS_H_
#define LIVEEVENTS_TESTS_CLIENT_FAKE_LIVE_EVENTS_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "liveevents/v1/live_events.grpc.pb.h"

namespace liveevents::client::testing {

struct StreamScript {
  std::vector<liveevents::v1::SubscribeResponse> responses;
  // Ends the stream after the responses; nullopt holds it open until the client cancels.
  std::optional<grpc::Status> end;
};

liveevents::v1::SubscribeResponse EventAt(uint64_t revision);
liveevents::v1::SubscribeResponse ProgressAt(uint64_t revision);
liveevents::v1::SubscribeResponse SnapshotPart(const std::string& room_id);
liveevents::v1::SubscribeResponse SnapshotEndAt(uint64_t revision);

class FakeLiveEvents : public liveevents::v1::LiveEvents::CallbackService {
 public:
  // Scripts are played in order, one per Subscribe call; calls past the last are held open.
  void AddScript(StreamScript script) ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<liveevents::v1::SubscribeRequest> requests() const ABSL_LOCKS_EXCLUDED(mu_);
  // Waits (bounded) until at least `n` Subscribe calls arrived.
  bool AwaitRequests(size_t n, absl::Duration timeout) const ABSL_LOCKS_EXCLUDED(mu_);

  grpc::ServerWriteReactor<liveevents::v1::SubscribeResponse>* Subscribe(
      grpc::CallbackServerContext* context,
      const liveevents::v1::SubscribeRequest* request) override;
  grpc::ServerUnaryReactor* GetRoom(grpc::CallbackServerContext* context,
                                    const liveevents::v1::GetRoomRequest* request,
                                    liveevents::v1::Room* response) override;
  grpc::ServerUnaryReactor* ListRoomMembers(
      grpc::CallbackServerContext* context, const liveevents::v1::ListRoomMembersRequest* request,
      liveevents::v1::ListRoomMembersResponse* response) override;
  grpc::ServerUnaryReactor* GetBattle(grpc::CallbackServerContext* context,
                                      const liveevents::v1::GetBattleRequest* request,
                                      liveevents::v1::Battle* response) override;
  grpc::ServerUnaryReactor* ListRooms(grpc::CallbackServerContext* context,
                                      const liveevents::v1::ListRoomsRequest* request,
                                      liveevents::v1::ListRoomsResponse* response) override;
  grpc::ServerUnaryReactor* GetServerInfo(grpc::CallbackServerContext* context,
                                          const liveevents::v1::GetServerInfoRequest* request,
                                          liveevents::v1::ServerInfo* response) override;

 private:
  mutable absl::Mutex mu_;
  std::deque<StreamScript> scripts_ ABSL_GUARDED_BY(mu_);
  std::vector<liveevents::v1::SubscribeRequest> requests_ ABSL_GUARDED_BY(mu_);
};

// A FakeLiveEvents served in-process, with a channel to it.
class FakeServer {
 public:
  FakeServer();
  ~FakeServer();
  FakeLiveEvents& service() { return service_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

 private:
  FakeLiveEvents service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace liveevents::client::testing

#endif  // LIVEEVENTS_TESTS_CLIENT_FAKE_LIVE_EVENTS_H_
