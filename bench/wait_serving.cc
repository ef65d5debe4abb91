// Restart time: polls grpc.health.v1.Health/Check until the server answers SERVING (it listens
// at once but is NOT_SERVING until its journal is recovered), and prints how long that took since
// --since_unix_ns, the moment the caller started the server process.
//
//   t0=$(date +%s%N); liveevents-server ... & build-release/bin/wait_serving --since_unix_ns=$t0
#include <grpcpp/grpcpp.h>

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"

ABSL_FLAG(std::string, grpc, "127.0.0.1:50051", "LiveEvents gRPC address");
ABSL_FLAG(int64_t, since_unix_ns, 0, "when the server process was started (0: now)");
ABSL_FLAG(absl::Duration, timeout, absl::Minutes(5), "give up after this long");
ABSL_FLAG(absl::Duration, poll, absl::Milliseconds(2), "pause between checks");

namespace {

// One check on a fresh channel with its own subchannel pool: a shared channel would wait out
// gRPC's reconnect backoff (a second or more) after the first refused connection.
bool IsServing() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateCustomChannel(
      absl::GetFlag(FLAGS_grpc), grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  return stub->Check(&context, request, &response).ok() &&
         response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int64_t since_ns = absl::GetFlag(FLAGS_since_unix_ns);
  const absl::Time since = since_ns == 0 ? absl::Now() : absl::FromUnixNanos(since_ns);
  const absl::Time give_up = absl::Now() + absl::GetFlag(FLAGS_timeout);
  while (!IsServing()) {
    if (absl::Now() > give_up) {
      std::fprintf(stderr, "wait_serving: not SERVING after %s\n",
                   absl::FormatDuration(absl::GetFlag(FLAGS_timeout)).c_str());
      return 1;
    }
    absl::SleepFor(absl::GetFlag(FLAGS_poll));
  }
  std::printf("serving_ms=%.1f\n", absl::ToDoubleMilliseconds(absl::Now() - since));
  return 0;
}
