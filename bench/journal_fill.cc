// Fills a running server's journal over gRPC Publish, with many calls in flight so that group
// commit packs many events into each fsync: first --rooms CreateRoom events (live rooms), then
// --battles StartBattle events between those rooms, then --messages after-send-message events
// (chat, which changes no state, so the journal grows without growing the state).
//
//   build-release/bin/journal_fill --grpc=127.0.0.1:50051 --rooms=100000 --battles=10000
//
// Prints one line of key=value pairs for bench/run.sh to parse.
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "liveevents/v1/live_events.grpc.pb.h"

ABSL_FLAG(std::string, grpc, "127.0.0.1:50051", "LiveEvents gRPC address");
ABSL_FLAG(int64_t, rooms, 0, "CreateRoom events (room-<run>-<i>)");
ABSL_FLAG(int64_t, battles, 0, "StartBattle events, each between two of those rooms");
ABSL_FLAG(int64_t, messages, 0, "Group.CallbackAfterSendMsg events");
ABSL_FLAG(int, in_flight, 256, "Publish calls in flight");

namespace liveevents::bench {
namespace {

constexpr uint64_t kApp = 1400000001;
constexpr int64_t kEventTimeMs = 1739954005000;

// Event `i` of the sequence rooms, battles, messages. Bodies are unique (the service dedups on
// them) and shaped like Tencent's.
v1::Event MakeEvent(const std::string& run, int64_t i, int64_t rooms, int64_t battles) {
  v1::Event event;
  event.set_sdk_app_id(kApp);
  event.set_event_time_ms(kEventTimeMs + i);
  if (i < rooms) {
    const std::string room = absl::StrCat("room-", run, "-", i);
    event.set_command("Live.CallbackAfterCreateRoom");
    event.set_raw_body(absl::StrCat(
        R"({"CallbackCommand":"Live.CallbackAfterCreateRoom","Operator_Account":"owner-)", i,
        R"(","RoomInfo":{"RoomId":")", room, R"(","RoomName":"bench","RoomType":"Live",)",
        R"("Owner_Account":"owner-)", i, R"(","MaxMemberCount":1000,"IsSeatEnabled":true},)",
        R"("EventTime":)", event.event_time_ms(), "}"));
    auto* create = event.mutable_create_room();
    create->set_operator_account(absl::StrCat("owner-", i));
    auto* info = create->mutable_room_info();
    info->set_room_id(room);
    info->set_room_name("bench");
    info->set_room_type("Live");
    info->set_owner_account(absl::StrCat("owner-", i));
    info->set_max_member_count(1000);
    info->set_is_seat_enabled(true);
    return event;
  }
  if (i < rooms + battles) {
    const int64_t b = i - rooms;
    const std::string id = absl::StrCat("battle-", run, "-", b);
    const std::string from = absl::StrCat("room-", run, "-", (2 * b) % std::max<int64_t>(rooms, 1));
    const std::string to =
        absl::StrCat("room-", run, "-", (2 * b + 1) % std::max<int64_t>(rooms, 1));
    event.set_command("Live.CallbackAfterStartBattle");
    event.set_raw_body(
        absl::StrCat(R"({"CallbackCommand":"Live.CallbackAfterStartBattle","BattleId":")", id,
                     R"(","Duration":60000,"CreateTime":1739954005,"StartTime":1739954005,)",
                     R"("FromRoomInfo":{"RoomId":")", from, R"(","Owner_Account":"a"},)",
                     R"("ToRoomList":[{"RoomId":")", to, R"(","Owner_Account":"b"}],"EventTime":)",
                     event.event_time_ms(), "}"));
    auto* start = event.mutable_start_battle();
    start->set_battle_id(id);
    start->set_duration_ms(60000);
    start->set_create_time(1739954005);
    start->set_start_time(1739954005);
    start->mutable_from_room()->set_room_id(from);
    start->mutable_from_room()->set_owner_account("a");
    auto* to_room = start->add_to_rooms();
    to_room->set_room_id(to);
    to_room->set_owner_account("b");
    return event;
  }
  const int64_t m = i - rooms - battles;
  const std::string group = absl::StrCat("room-", run, "-", m % 1000);
  event.set_command("Group.CallbackAfterSendMsg");
  event.set_raw_body(
      absl::StrCat(R"({"CallbackCommand":"Group.CallbackAfterSendMsg","GroupId":")", group,
                   R"(","Type":"AVChatRoom","From_Account":"viewer-)", m % 5000, R"(","Random":)",
                   m, R"(,"MsgSeq":)", m, R"(,"MsgTime":1739954005,)",
                   R"("MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"gg )", m,
                   R"("}}],)", R"("EventTime":)", event.event_time_ms(), "}"));
  auto* message = event.mutable_after_send_msg();
  message->set_group_id(group);
  message->set_type("AVChatRoom");
  message->set_from_account(absl::StrCat("viewer-", m % 5000));
  message->set_random(m);
  message->set_msg_seq(m);
  message->set_msg_time(1739954005);
  auto* element = message->add_msg_body();
  element->set_msg_type("TIMTextElem");
  element->set_msg_content_json(absl::StrCat(R"({"Text":"gg )", m, R"("})"));
  return event;
}

// Keeps `in_flight` Publish calls running until `total` are answered. Callbacks run on gRPC's
// threads; each starts the next call, so the window stays full without a thread per call.
class Filler {
 public:
  Filler(v1::LiveEvents::Stub& stub, std::string run, int64_t rooms, int64_t battles, int64_t total)
      : stub_(stub), run_(std::move(run)), rooms_(rooms), battles_(battles), total_(total) {}

  absl::Status Run(int in_flight) {
    for (int i = 0; i < in_flight; ++i) {
      int64_t next;
      {
        absl::MutexLock lock(&mu_);
        if (!Claim(&next)) break;
      }
      Start(next);
    }
    // Every call's callback is finished with this object once running_ is back to 0.
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](Filler* self) { return self->running_ == 0; }, this));
    return status_;
  }

 private:
  struct Call {
    grpc::ClientContext context;
    v1::PublishRequest request;
    v1::PublishResponse response;
  };

  // Takes the next event number and counts it as running, unless all are taken or a call failed.
  bool Claim(int64_t* next) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (next_ >= total_ || !status_.ok()) return false;
    *next = next_++;
    ++running_;
    return true;
  }

  void Start(int64_t i) {
    auto call = std::make_shared<Call>();
    *call->request.mutable_event() = MakeEvent(run_, i, rooms_, battles_);
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    stub_.async()->Publish(&call->context, &call->request, &call->response,
                           [this, call](grpc::Status status) { OnAnswer(status); });
  }

  // The answered call's slot passes straight to the next event, so running_ reaches 0 only when
  // no callback will touch this object again.
  void OnAnswer(const grpc::Status& status) {
    int64_t next;
    {
      absl::MutexLock lock(&mu_);
      --running_;
      if (!status.ok()) {
        status_ = absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                               status.error_message());
      }
      if (!Claim(&next)) return;
    }
    Start(next);
  }

  v1::LiveEvents::Stub& stub_;
  const std::string run_;
  const int64_t rooms_;
  const int64_t battles_;
  const int64_t total_;
  absl::Mutex mu_;
  int64_t next_ ABSL_GUARDED_BY(mu_) = 0;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace
}  // namespace liveevents::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int64_t rooms = absl::GetFlag(FLAGS_rooms);
  const int64_t battles = absl::GetFlag(FLAGS_battles);
  const int64_t total = rooms + battles + absl::GetFlag(FLAGS_messages);
  auto stub = liveevents::v1::LiveEvents::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_grpc), grpc::InsecureChannelCredentials()));
  liveevents::bench::Filler filler(*stub, absl::StrCat(absl::ToUnixNanos(absl::Now())), rooms,
                                   battles, total);
  const absl::Time start = absl::Now();
  const absl::Status status = filler.Run(absl::GetFlag(FLAGS_in_flight));
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (!status.ok()) {
    std::fprintf(stderr, "journal_fill: %s\n", status.ToString().c_str());
    return 1;
  }
  std::printf("published=%lld seconds=%.2f events_per_s=%.0f\n", static_cast<long long>(total),
              seconds, static_cast<double>(total) / seconds);
  return 0;
}
