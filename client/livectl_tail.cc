// `livectl tail`: a Subscriber whose handler prints JSON lines.
#include <iostream>

#include "client/event_json.h"
#include "client/livectl_commands.h"

namespace liveevents::client {
namespace {

namespace v1 = liveevents::v1;

// Runs on the Subscriber's Run thread only (the thread that called Tail).
class PrintingHandler : public SubscriberHandler {
 public:
  PrintingHandler(const CommandContext& context, const TailOptions& options, Subscriber& subscriber)
      : context_(context), options_(options), subscriber_(subscriber) {}

  void OnEvent(const v1::Event& event) override {
    Print(event);
    ++events_;
    if (options_.count > 0 && events_ >= options_.count) subscriber_.Stop();
  }

  void OnProgress(uint64_t revision) override {
    if (!options_.print_progress) return;
    v1::SubscribeResponse line;
    line.mutable_progress()->set_revision(revision);
    Print(line);
  }

  void OnSnapshot(const v1::Snapshot& snapshot) override {
    v1::SubscribeResponse line;
    *line.mutable_snapshot() = snapshot;
    Print(line);
  }

  void OnSnapshotEnd(uint64_t revision) override {
    v1::SubscribeResponse line;
    line.mutable_snapshot_end()->set_revision(revision);
    Print(line);
  }

 private:
  void Print(const google::protobuf::Message& message) {
    absl::StatusOr<std::string> json = ToJson(message);
    if (!json.ok()) {
      *context_.err << "livectl: tail: " << json.status() << std::endl;
      return;
    }
    // std::endl flushes: a reader piping us into jq or a test sees each line as it comes.
    *context_.out << *json << std::endl;
  }

  const CommandContext& context_;
  const TailOptions& options_;
  Subscriber& subscriber_;
  int64_t events_ = 0;
};

}  // namespace

int Tail(const CommandContext& context, const TailOptions& options) {
  // A snapshot in the middle of a tail nobody asked for would read as a flood of state: on a
  // compacted resume point livectl fails and says so (run it again with --snapshot).
  SubscriberOptions subscriber_options = options.subscriber;
  subscriber_options.resnapshot_on_compacted = false;
  Subscriber subscriber(context.channel, subscriber_options);
  PrintingHandler handler(context, options, subscriber);
  const absl::Status status = subscriber.Run(handler);
  if (!status.ok()) {
    *context.err << "livectl: tail: " << status << std::endl;
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace liveevents::client
