// Uses the installed package the way a game-logic service would: the Subscriber (stopped before
// it runs, so no server is needed), the generated API types and the JSON printer.
#include <grpcpp/grpcpp.h>

#include <iostream>

#include "client/event_json.h"
#include "client/subscriber.h"
#include "liveevents/v1/live_events.pb.h"

namespace {
class Printer : public liveevents::client::SubscriberHandler {
 public:
  void OnEvent(const liveevents::v1::Event& event) override {}
};
}  // namespace

int main() {
  liveevents::client::Subscriber subscriber(
      grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()), {});
  subscriber.Stop();
  Printer printer;
  const absl::Status status = subscriber.Run(printer);
  liveevents::v1::ServerInfo info;
  info.set_store("memory");
  const absl::StatusOr<std::string> json = liveevents::client::ToJson(info);
  if (!status.ok() || !json.ok()) return 1;
  std::cout << "consumer " << *json << "\n";
  return 0;
}
