// Webhook acknowledgement latency at a fixed request rate, measured open-loop (see
// open_loop_poster.h): each latency runs from the time a StartBattle callback was due to the end
// of the gateway's answer, which the gateway sends only once the event is durable.
//
//   build-release/bin/ack_latency --port=8080 --rate=1000 --seconds=10
//
// Prints one line of key=value pairs (latencies in ms) for bench/run.sh to parse.
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "bench/open_loop_poster.h"

ABSL_FLAG(std::string, host, "127.0.0.1", "gateway host");
ABSL_FLAG(std::string, port, "8080", "gateway HTTP port");
ABSL_FLAG(std::string, target,
          "/callback?SdkAppid=1400000001&CallbackCommand=Live.CallbackAfterStartBattle",
          "request path and query");
ABSL_FLAG(double, rate, 1000, "requests per second");
ABSL_FLAG(double, seconds, 10, "how long to send");
ABSL_FLAG(int, connections, 64, "keep-alive connections");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  liveevents::bench::PosterOptions options;
  options.host = absl::GetFlag(FLAGS_host);
  options.port = absl::GetFlag(FLAGS_port);
  options.target = absl::GetFlag(FLAGS_target);
  options.rate = absl::GetFlag(FLAGS_rate);
  options.seconds = absl::GetFlag(FLAGS_seconds);
  options.connections = absl::GetFlag(FLAGS_connections);
  const std::string run = liveevents::bench::NewRunId();
  options.body = [&run](int64_t seq) { return liveevents::bench::StartBattleBody(run, seq); };

  absl::StatusOr<liveevents::bench::PosterResult> result = liveevents::bench::RunOpenLoop(options);
  if (!result.ok()) {
    std::fprintf(stderr, "ack_latency: %s\n", result.status().ToString().c_str());
    return 1;
  }
  std::vector<double>& latencies = result->latencies_ms;
  using liveevents::bench::Percentile;
  std::printf(
      "rate=%.0f scheduled=%lld answered=%lld non_2xx=%lld errors=%lld achieved_rps=%.0f "
      "p50=%.3f p99=%.3f p999=%.3f max=%.3f max_send_lag=%.3f "
      "max_timer_lag=%.3f\n",
      options.rate, static_cast<long long>(result->scheduled),
      static_cast<long long>(result->answered), static_cast<long long>(result->non_2xx),
      static_cast<long long>(result->errors),
      static_cast<double>(result->answered) / result->elapsed_seconds, Percentile(latencies, 50),
      Percentile(latencies, 99), Percentile(latencies, 99.9), Percentile(latencies, 100),
      result->max_send_lag_ms, result->max_timer_lag_ms);
  return result->errors == 0 ? 0 : 1;
}
