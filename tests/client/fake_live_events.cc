#include "fake_live_events.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace liveevents::client::testing {
namespace {

namespace v1 = liveevents::v1;

// Writes a script's responses one at a time (one write in flight, the next started from
// OnWriteDone), then finishes with its end status, or waits for the client to cancel.
class ScriptedWriter : public grpc::ServerWriteReactor<v1::SubscribeResponse> {
 public:
  explicit ScriptedWriter(StreamScript script) : script_(std::move(script)) {
    absl::MutexLock lock(&mu_);
    NextLocked();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok || cancelled_) {
      FinishLocked(grpc::Status::CANCELLED);
      return;
    }
    NextLocked();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    // With a write outstanding, OnWriteDone(false) follows and finishes instead (no Finish
    // while a write is in flight).
    if (!writing_) FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    // A thread that called Finish may still be inside the lock; take it once before deleting.
    { absl::MutexLock lock(&mu_); }
    delete this;
  }

 private:
  void NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (next_ < script_.responses.size()) {
      writing_ = true;
      StartWrite(&script_.responses[next_++]);
    } else if (script_.end.has_value()) {
      FinishLocked(*script_.end);
    }
  }

  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  absl::Mutex mu_;
  StreamScript script_;  // Responses stay alive and unchanged until their OnWriteDone.
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

v1::SubscribeResponse EventAt(uint64_t revision) {
  v1::SubscribeResponse response;
  v1::Event& event = *response.mutable_event();
  event.set_revision(revision);
  event.set_sdk_app_id(1400000001);
  event.set_command("Live.CallbackAfterCreateRoom");
  event.mutable_create_room()->mutable_room_info()->set_room_id(absl::StrCat("room", revision));
  return response;
}

v1::SubscribeResponse ProgressAt(uint64_t revision) {
  v1::SubscribeResponse response;
  response.mutable_progress()->set_revision(revision);
  return response;
}

v1::SubscribeResponse SnapshotPart(const std::string& room_id) {
  v1::SubscribeResponse response;
  response.mutable_snapshot()->add_rooms()->set_room_id(room_id);
  return response;
}

v1::SubscribeResponse SnapshotEndAt(uint64_t revision) {
  v1::SubscribeResponse response;
  response.mutable_snapshot_end()->set_revision(revision);
  return response;
}

void FakeLiveEvents::AddScript(StreamScript script) {
  absl::MutexLock lock(&mu_);
  scripts_.push_back(std::move(script));
}

std::vector<v1::SubscribeRequest> FakeLiveEvents::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

bool FakeLiveEvents::AwaitRequests(size_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  const auto enough = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return requests_.size() >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

grpc::ServerWriteReactor<v1::SubscribeResponse>* FakeLiveEvents::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) {
  StreamScript script;
  {
    absl::MutexLock lock(&mu_);
    requests_.push_back(*request);
    if (!scripts_.empty()) {
      script = std::move(scripts_.front());
      scripts_.pop_front();
    }
  }
  return new ScriptedWriter(std::move(script));
}

grpc::ServerUnaryReactor* FakeLiveEvents::GetRoom(grpc::CallbackServerContext* context,
                                                  const v1::GetRoomRequest* request,
                                                  v1::Room* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (request->room_id() != "r1") {
    reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                 absl::StrCat("room ", request->room_id(), " not found")));
    return reactor;
  }
  response->set_room_id("r1");
  response->set_sdk_app_id(request->sdk_app_id());  // Echoed, so tests see what was asked.
  response->set_status(v1::ROOM_STATUS_ACTIVE);
  response->set_online_count(3);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* FakeLiveEvents::ListRoomMembers(grpc::CallbackServerContext* context,
                                                          const v1::ListRoomMembersRequest* request,
                                                          v1::ListRoomMembersResponse* response) {
  // Two pages: "" -> u1, "\"quoted\"" (next "p2"); "p2" -> the app id asked for, as an account.
  if (request->page_token().empty()) {
    response->add_member_accounts("u1");
    response->add_member_accounts("\"quoted\"");
    response->set_next_page_token("p2");
  } else {
    response->add_member_accounts(absl::StrCat("app-", request->sdk_app_id()));
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* FakeLiveEvents::GetBattle(grpc::CallbackServerContext* context,
                                                    const v1::GetBattleRequest* request,
                                                    v1::Battle* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (request->battle_id() != "b1") {
    reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "battle not found"));
    return reactor;
  }
  response->set_battle_id("b1");
  response->set_state(v1::BATTLE_STATE_STARTED);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* FakeLiveEvents::ListRooms(grpc::CallbackServerContext* context,
                                                    const v1::ListRoomsRequest* request,
                                                    v1::ListRoomsResponse* response) {
  // Three pages of one room each: "" -> room-a, "p2" -> room-b, "p3" -> room-c (last page).
  const std::string& token = request->page_token();
  if (token.empty()) {
    response->add_rooms()->set_room_id("room-a");
    response->set_next_page_token("p2");
  } else if (token == "p2") {
    response->add_rooms()->set_room_id("room-b");
    response->set_next_page_token("p3");
  } else {
    response->add_rooms()->set_room_id("room-c");
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* FakeLiveEvents::GetServerInfo(grpc::CallbackServerContext* context,
                                                        const v1::GetServerInfoRequest* request,
                                                        v1::ServerInfo* response) {
  response->set_head_revision(42);
  response->set_store("memory");
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

FakeServer::FakeServer() {
  grpc::ServerBuilder builder;
  builder.RegisterService(&service_);
  server_ = builder.BuildAndStart();
  channel_ = server_->InProcessChannel(grpc::ChannelArguments());
}

FakeServer::~FakeServer() {
  // A deadline, so a stream a test left open cannot hold shutdown forever.
  server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
}

}  // namespace liveevents::client::testing
