// liveevents-server: flags and wiring only; see server.h.
#include <csignal>
#include <cstdio>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/time.h"
#include "service/server.h"
#include "service/store/memory_event_store.h"

ABSL_FLAG(std::string, grpc_address, "127.0.0.1:50051", "host:port of the gRPC listener");
ABSL_FLAG(absl::Duration, progress_interval, absl::Seconds(5),
          "how often idle subscribers receive a progress heartbeat");
ABSL_FLAG(int, subscriber_queue, 1024,
          "events a subscriber may have waiting before it is ended as a slow consumer");
ABSL_FLAG(absl::Duration, shutdown_deadline, absl::Seconds(5),
          "how long calls in flight get when the server stops");

namespace {

void WaitForStopSignal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int received = 0;
  sigwait(&signals, &received);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Block the stop signals in every thread (gRPC's included); main waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  liveevents::service::ServerOptions options;
  options.grpc_address = absl::GetFlag(FLAGS_grpc_address);
  options.progress_interval = absl::GetFlag(FLAGS_progress_interval);
  options.subscribe.max_queue = absl::GetFlag(FLAGS_subscriber_queue);
  auto server = liveevents::service::Server::Start(
      options, std::make_unique<liveevents::service::MemoryEventStore>());
  if (!server.ok()) {
    std::cerr << "liveevents-server: " << server.status() << "\n";
    return 1;
  }
  const std::string address = absl::GetFlag(FLAGS_grpc_address);
  std::cout << "listening grpc " << address.substr(0, address.rfind(':')) << ":"
            << (*server)->port() << std::endl;
  WaitForStopSignal();
  std::cerr << "liveevents-server: stopping\n";
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_deadline));
  return 0;
}
