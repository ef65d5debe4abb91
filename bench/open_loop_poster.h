// An open-loop HTTP/1.1 POST generator for the benchmarks. Requests are due at fixed times
// (start + seq / rate) whatever the server does; a request that finds every connection busy
// waits in a queue, and its latency is measured from the time it was due, not from when it got a
// connection. A server stall therefore shows up in the latency of every request it delayed, which
// a closed-loop tool such as wrk hides ("coordinated omission").
#ifndef LIVEEVENTS_BENCH_OPEN_LOOP_POSTER_H_
#define LIVEEVENTS_BENCH_OPEN_LOOP_POSTER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace liveevents::bench {

using Clock = std::chrono::steady_clock;

struct PosterOptions {
  std::string host = "127.0.0.1";
  std::string port;
  std::string target;  // Path and query, e.g. "/callback?SdkAppid=...".
  double rate = 1000;  // Requests per second.
  double seconds = 5;
  int connections = 64;  // Keep-alive connections; one request in flight on each.
  // The body of request `seq` (0, 1, ...).
  std::function<std::string(int64_t seq)> body;
  // Called on the poster's thread right before request `seq` is written, with the actual send
  // time. Optional.
  std::function<void(int64_t seq, Clock::time_point sent)> on_send;
};

struct PosterResult {
  int64_t scheduled = 0;
  int64_t answered = 0;  // Complete HTTP answers, whatever their status.
  int64_t non_2xx = 0;
  int64_t errors = 0;  // Connect, write or read failures and timeouts.
  double elapsed_seconds = 0;
  // Per answered request: from the time it was due to the end of its answer, in ms.
  std::vector<double> latencies_ms;
  // Largest delay between a request being due and its write starting (queueing for a connection
  // plus the generator's own lag), in ms.
  double max_send_lag_ms = 0;
  // Largest delay between a request being due and the generator queueing it (its own timer and
  // CPU lag, whatever the server does), in ms. When this is far below max_send_lag_ms, requests
  // waited for connections the server had not answered yet.
  double max_timer_lag_ms = 0;
};

// Runs the whole schedule on the calling thread and returns when every scheduled request is
// answered or failed. Not thread-safe; one call at a time per options object.
absl::StatusOr<PosterResult> RunOpenLoop(const PosterOptions& options);

// The StartBattle body of the peer's wrk script (peers/node-redis/bench-anchors.lua) with
// BattleId "b-<run>-<seq>", so every target and tool posts the same shape of unique body.
std::string StartBattleBody(const std::string& run, int64_t seq);

// A run id unique across runs and processes (the clock in ns).
std::string NewRunId();

// The value at percentile `p` (0..100) of `values`, which it sorts; 0 when empty.
double Percentile(std::vector<double>& values, double p);

}  // namespace liveevents::bench

#endif  // LIVEEVENTS_BENCH_OPEN_LOOP_POSTER_H_
