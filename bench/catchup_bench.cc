// Catch-up speed: one subscriber reads the whole journal from revision 0 (START_AFTER_REVISION
// 0) up to the head as it was when the run started, decoding every event into protobuf but
// printing nothing, which is what a service that resumes after a long outage does. With
// --max_batch it asks for several events per message (SubscribeRequest.max_batch).
//
//   build-release/bin/catchup_bench --grpc=127.0.0.1:50051 [--max_batch=256]
//
// Prints one line of key=value pairs for bench/run.sh to parse.
#include <grpcpp/grpcpp.h>

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "liveevents/v1/live_events.grpc.pb.h"

ABSL_FLAG(std::string, grpc, "127.0.0.1:50051", "LiveEvents gRPC address");
ABSL_FLAG(uint32_t, max_batch, 0, "SubscribeRequest.max_batch: events per message (0: one)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using liveevents::v1::LiveEvents;
  grpc::ChannelArguments args;
  // The default 4 MiB limit is per message; events are far smaller, but say so explicitly.
  args.SetMaxReceiveMessageSize(16 << 20);
  auto stub = LiveEvents::NewStub(grpc::CreateCustomChannel(
      absl::GetFlag(FLAGS_grpc), grpc::InsecureChannelCredentials(), args));

  liveevents::v1::ServerInfo info;
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    const grpc::Status status = stub->GetServerInfo(&context, {}, &info);
    if (!status.ok()) {
      std::fprintf(stderr, "catchup_bench: GetServerInfo: %s\n", status.error_message().c_str());
      return 1;
    }
  }
  const uint64_t head = info.head_revision();
  liveevents::v1::SubscribeRequest request;
  request.set_start(liveevents::v1::SubscribeRequest::START_AFTER_REVISION);
  request.set_after_revision(0);
  request.set_max_batch(absl::GetFlag(FLAGS_max_batch));
  grpc::ClientContext context;
  const absl::Time start = absl::Now();
  auto reader = stub->Subscribe(&context, request);
  liveevents::v1::SubscribeResponse response;
  int64_t events = 0;
  int64_t bytes = 0;
  uint64_t last = 0;
  absl::Duration first_event = absl::ZeroDuration();
  while (last < head && reader->Read(&response)) {
    if (!response.has_event() && !response.has_events()) continue;
    if (events == 0) first_event = absl::Now() - start;
    bytes += static_cast<int64_t>(response.ByteSizeLong());
    if (response.has_event()) {
      ++events;
      last = response.event().revision();
    } else {
      events += response.events().events_size();
      if (response.events().events_size() > 0) {
        last = response.events().events(response.events().events_size() - 1).revision();
      }
    }
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  context.TryCancel();
  const grpc::Status status = reader->Finish();
  if (last < head) {
    std::fprintf(stderr, "catchup_bench: stream ended at %llu of %llu: %s\n",
                 static_cast<unsigned long long>(last), static_cast<unsigned long long>(head),
                 status.error_message().c_str());
    return 1;
  }
  std::printf(
      "head=%llu oldest=%llu max_batch=%u events=%lld seconds=%.2f events_per_s=%.0f "
      "mib_per_s=%.1f first_event_ms=%.1f\n",
      static_cast<unsigned long long>(head),
      static_cast<unsigned long long>(info.oldest_revision()), absl::GetFlag(FLAGS_max_batch),
      static_cast<long long>(events), seconds, static_cast<double>(events) / seconds,
      static_cast<double>(bytes) / seconds / (1 << 20), absl::ToDoubleMilliseconds(first_event));
  return 0;
}
