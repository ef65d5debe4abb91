// A minimal game-logic subscriber: keeps the set of live rooms and started battles of one
// live-events deployment up to date and prints what changes. It shows the whole contract of the
// client library: start from a snapshot, apply events in revision order, rebuild from a fresh
// snapshot when the journal was compacted under us, and let the library resume after restarts.
//
//   subscriber_example [HOST:PORT]    (default 127.0.0.1:50051; Ctrl-C stops it)
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <iostream>
#include <set>
#include <string>
#include <thread>

#include "client/subscriber.h"

namespace {

namespace v1 = liveevents::v1;

class LiveRooms : public liveevents::client::SubscriberHandler {
 public:
  // Snapshot parts are only consistent as a whole: collect them, apply at OnSnapshotEnd.
  void OnSnapshot(const v1::Snapshot& snapshot) override {
    for (const v1::Room& room : snapshot.rooms()) {
      if (room.status() == v1::ROOM_STATUS_ACTIVE) pending_rooms_.insert(room.room_id());
    }
    for (const v1::Battle& battle : snapshot.battles()) {
      if (battle.state() == v1::BATTLE_STATE_STARTED) pending_battles_.insert(battle.battle_id());
    }
  }
  void OnSnapshotEnd(uint64_t revision) override {
    rooms_.swap(pending_rooms_);
    battles_.swap(pending_battles_);
    pending_rooms_.clear();
    pending_battles_.clear();
    std::cout << "state as of revision " << revision << ": " << rooms_.size() << " live rooms, "
              << battles_.size() << " battles running" << std::endl;
  }

  // Each event once, in revision order, also across reconnects and server restarts.
  void OnEvent(const v1::Event& event) override {
    if (event.stale()) return;  // Older than the state it concerns: it changed nothing.
    switch (event.payload_case()) {
      case v1::Event::kCreateRoom:
        rooms_.insert(event.create_room().room_info().room_id());
        break;
      case v1::Event::kDestroyRoom:
        rooms_.erase(event.destroy_room().room_id());
        break;
      case v1::Event::kStartBattle:
        battles_.insert(event.start_battle().battle_id());
        break;
      case v1::Event::kEndBattle:
        battles_.erase(event.end_battle().battle_id());
        break;
      default:
        return;
    }
    std::cout << "revision " << event.revision() << " " << event.command() << ": " << rooms_.size()
              << " live rooms, " << battles_.size() << " battles running" << std::endl;
  }

  // We were away longer than the server keeps its journal: a snapshot follows, start over.
  void OnCompacted(uint64_t last_revision) override {
    std::cerr << "journal compacted after revision " << last_revision << "; re-snapshotting"
              << std::endl;
  }
  void OnReconnect(const liveevents::client::ReconnectInfo& info) override {
    std::cerr << "stream ended (" << info.cause << "); resuming after revision "
              << info.resume_after << " in " << info.delay << std::endl;
  }

 private:
  std::set<std::string> rooms_, battles_;
  std::set<std::string> pending_rooms_, pending_battles_;
};

}  // namespace

int main(int argc, char** argv) {
  const std::string server = argc > 1 ? argv[1] : "127.0.0.1:50051";
  // SIGINT/SIGTERM are taken by a thread of our own (sigwait) rather than a signal handler,
  // because Stop() takes a mutex, which a signal handler must not.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // Inherited by every thread started below.

  liveevents::client::SubscriberOptions options;
  options.start = v1::SubscribeRequest::START_SNAPSHOT;
  liveevents::client::Subscriber subscriber(
      grpc::CreateChannel(server, grpc::InsecureChannelCredentials()), options);
  std::thread stopper([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    subscriber.Stop();
  });
  stopper.detach();  // Blocked in sigwait until a signal; the process ends after Run returns.

  LiveRooms handler;
  const absl::Status status = subscriber.Run(handler);  // Blocks; reconnects by itself.
  if (!status.ok()) {
    std::cerr << "subscriber ended: " << status << std::endl;
    return 1;
  }
  std::cout << "stopped after revision " << subscriber.last_revision() << std::endl;
  return 0;
}
