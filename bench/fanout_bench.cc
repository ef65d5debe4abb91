// Fan-out latency: N subscribers on the real server, StartBattle callbacks POSTed to the gateway
// at a fixed rate (open loop), and for every event each subscriber receives, the time from the
// moment its HTTP request was written to the moment that subscriber read it. Subscribers use
// gRPC's callback API, so a few gRPC threads serve all of them; a subscriber the server ends with
// RESOURCE_EXHAUSTED (SLOW_CONSUMER) fell more than --subscriber_queue events behind. Like the
// client library, subscribers ask for batches (--max_batch), so one that is behind gets what
// queued for it in one message.
//
//   build-release/bin/fanout_bench --grpc=127.0.0.1:50051 --http_port=8080 --subscribers=100
//
// Prints one line of key=value pairs (latencies in ms) for bench/run.sh to parse.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bench/open_loop_poster.h"
#include "liveevents/v1/live_events.grpc.pb.h"

ABSL_FLAG(std::string, grpc, "127.0.0.1:50051", "LiveEvents gRPC address");
ABSL_FLAG(std::string, http_port, "8080", "gateway HTTP port on 127.0.0.1");
ABSL_FLAG(std::string, target,
          "/callback?SdkAppid=1400000001&CallbackCommand=Live.CallbackAfterStartBattle",
          "request path and query");
ABSL_FLAG(int, subscribers, 100, "concurrent subscribers");
ABSL_FLAG(int, channels, 4, "gRPC connections the subscribers are spread over");
ABSL_FLAG(uint32_t, max_batch, 256,
          "SubscribeRequest.max_batch: events per message when a subscriber is behind (0: one; "
          "256 is what the client library asks for)");
ABSL_FLAG(double, rate, 1000, "callbacks per second");
ABSL_FLAG(double, seconds, 5, "how long to send");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(20),
          "how long to wait after the last answer for subscribers to catch up");

namespace liveevents::bench {
namespace {

// What the sender and all subscribers share. Send times are written by the poster thread and read
// by gRPC's callback threads, hence atomics; the counters only grow.
struct Shared {
  std::string battle_prefix;  // "b-<run>-"
  std::vector<std::atomic<int64_t>> sent_ns;
  absl::Mutex mu;
  int registered ABSL_GUARDED_BY(mu) = 0;
  int finished ABSL_GUARDED_BY(mu) = 0;  // Received everything, or ended.
  // Events each subscriber should get; -1 until the sender is done.
  std::atomic<int64_t> expected{-1};
  // When the newest delivery was read (steady clock, ns): with the first send it gives the
  // deliveries per second the server sustained.
  std::atomic<int64_t> last_receipt_ns{0};
};

class Subscriber : public grpc::ClientReadReactor<v1::SubscribeResponse> {
 public:
  Subscriber(v1::LiveEvents::Stub& stub, Shared& shared) : shared_(shared) {
    request_.set_start(v1::SubscribeRequest::START_NOW);
    request_.set_max_batch(absl::GetFlag(FLAGS_max_batch));
    stub.async()->Subscribe(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows with the status.
    const int64_t now = Clock::now().time_since_epoch().count();
    if (response_.has_progress() && !registered_) {
      // The first progress is sent right after registration: from here on we miss nothing.
      registered_ = true;
      absl::MutexLock lock(&shared_.mu);
      ++shared_.registered;
    } else if (response_.has_event()) {
      OnEvent(response_.event(), now);
    } else if (response_.has_events()) {
      for (const v1::Event& event : response_.events().events()) OnEvent(event, now);
    }
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&shared_.mu);
    status_ = status;
    done_ = true;
    MarkFinished();
  }

  // Counts this subscriber as finished once; called by its reactions and by Main, both of which
  // may see the last event first.
  void MarkFinished() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_.mu) {
    if (finished_) return;
    finished_ = true;
    ++shared_.finished;
  }

  void Cancel() { context_.TryCancel(); }
  const std::vector<double>& latencies_ms() const { return latencies_ms_; }
  int64_t received() const { return received_.load(); }
  bool slow_consumer() const {
    return done_ && status_.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
  }
  bool done() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared_.mu) { return done_; }

 private:
  void OnEvent(const v1::Event& event, int64_t now) {
    const std::string& id = event.start_battle().battle_id();
    int64_t seq = 0;
    if (id.compare(0, shared_.battle_prefix.size(), shared_.battle_prefix) != 0 ||
        !absl::SimpleAtoi(id.substr(shared_.battle_prefix.size()), &seq) || seq < 0 ||
        seq >= static_cast<int64_t>(shared_.sent_ns.size())) {
      return;  // Not one of ours.
    }
    latencies_ms_.push_back(static_cast<double>(now - shared_.sent_ns[seq].load()) / 1e6);
    int64_t last = shared_.last_receipt_ns.load();
    while (now > last && !shared_.last_receipt_ns.compare_exchange_weak(last, now)) {
    }
    // The shared mutex is taken only for the last event, so that a million deliveries a second
    // do not queue on it.
    if (++received_ == shared_.expected.load()) {
      absl::MutexLock lock(&shared_.mu);
      MarkFinished();
    }
  }

  Shared& shared_;
  grpc::ClientContext context_;
  v1::SubscribeRequest request_;
  v1::SubscribeResponse response_;
  bool registered_ = false;
  std::vector<double> latencies_ms_;  // Touched only by this reactor's reads, one at a time.
  std::atomic<int64_t> received_{0};
  bool finished_ = false;  // Guarded by shared_.mu.
  bool done_ = false;      // Guarded by shared_.mu.
  grpc::Status status_;
};

int Main() {
  const int count = absl::GetFlag(FLAGS_subscribers);
  const double rate = absl::GetFlag(FLAGS_rate);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  const std::string run = NewRunId();
  Shared shared;
  shared.battle_prefix = absl::StrCat("b-", run, "-");
  shared.sent_ns = std::vector<std::atomic<int64_t>>(static_cast<size_t>(rate * seconds) + 1);

  // Distinct channel arguments give each channel its own connection, so that one HTTP/2
  // connection's flow control does not pace every subscriber.
  std::vector<std::unique_ptr<v1::LiveEvents::Stub>> stubs;
  for (int i = 0; i < absl::GetFlag(FLAGS_channels); ++i) {
    grpc::ChannelArguments args;
    args.SetInt("liveevents.bench.channel", i);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    stubs.push_back(v1::LiveEvents::NewStub(grpc::CreateCustomChannel(
        absl::GetFlag(FLAGS_grpc), grpc::InsecureChannelCredentials(), args)));
  }
  std::vector<std::unique_ptr<Subscriber>> subscribers;
  for (int i = 0; i < count; ++i) {
    subscribers.push_back(std::make_unique<Subscriber>(*stubs[i % stubs.size()], shared));
  }
  {
    absl::MutexLock lock(&shared.mu);
    auto all_registered = [&] { return shared.registered + shared.finished >= count; };
    if (!shared.mu.AwaitWithTimeout(absl::Condition(&all_registered), absl::Seconds(60))) {
      std::fprintf(stderr, "fanout_bench: only %d of %d subscribers registered\n",
                   shared.registered, count);
      return 1;
    }
  }

  PosterOptions options;
  options.port = absl::GetFlag(FLAGS_http_port);
  options.target = absl::GetFlag(FLAGS_target);
  options.rate = rate;
  options.seconds = seconds;
  options.body = [&run](int64_t seq) { return StartBattleBody(run, seq); };
  options.on_send = [&shared](int64_t seq, Clock::time_point sent) {
    shared.sent_ns[seq].store(sent.time_since_epoch().count());
  };
  absl::StatusOr<PosterResult> posted = RunOpenLoop(options);
  if (!posted.ok()) {
    std::fprintf(stderr, "fanout_bench: %s\n", posted.status().ToString().c_str());
    return 1;
  }
  const int64_t accepted = posted->answered - posted->non_2xx;
  shared.expected.store(accepted);
  {
    absl::MutexLock lock(&shared.mu);
    // Subscribers that had everything before `expected` was known count now.
    for (auto& subscriber : subscribers) {
      if (subscriber->received() >= accepted) subscriber->MarkFinished();
    }
    auto all_finished = [&] { return shared.finished >= count; };
    shared.mu.AwaitWithTimeout(absl::Condition(&all_finished), absl::GetFlag(FLAGS_drain_timeout));
  }
  for (auto& subscriber : subscribers) subscriber->Cancel();
  {
    absl::MutexLock lock(&shared.mu);
    auto all_done = [&] {
      for (const auto& subscriber : subscribers) {
        if (!subscriber->done()) return false;
      }
      return true;
    };
    shared.mu.Await(absl::Condition(&all_done));
  }

  std::vector<double> latencies;
  int slow = 0;
  int incomplete = 0;  // Still short of events when the drain timeout cancelled them.
  int64_t received = 0;
  for (const auto& subscriber : subscribers) {
    latencies.insert(latencies.end(), subscriber->latencies_ms().begin(),
                     subscriber->latencies_ms().end());
    received += subscriber->received();
    if (subscriber->slow_consumer()) {
      ++slow;
    } else if (subscriber->received() < accepted) {
      ++incomplete;
    }
  }
  // Deliveries over the time from the first send to the last receipt: the offered
  // rate x subscribers when the server keeps up, its fan-out capacity when it does not.
  const double window_s =
      static_cast<double>(shared.last_receipt_ns.load() - shared.sent_ns[0].load()) / 1e9;
  std::printf(
      "subscribers=%d rate=%.0f posted=%lld accepted=%lld non_2xx=%lld errors=%lld "
      "deliveries=%lld expected_deliveries=%lld slow_consumers=%d incomplete=%d "
      "deliveries_per_s=%.0f p50=%.3f p99=%.3f max=%.3f ack_p50=%.3f ack_p99=%.3f\n",
      count, rate, static_cast<long long>(posted->scheduled), static_cast<long long>(accepted),
      static_cast<long long>(posted->non_2xx), static_cast<long long>(posted->errors),
      static_cast<long long>(received), static_cast<long long>(accepted * count), slow, incomplete,
      window_s > 0 ? static_cast<double>(received) / window_s : 0.0, Percentile(latencies, 50),
      Percentile(latencies, 99), Percentile(latencies, 100), Percentile(posted->latencies_ms, 50),
      Percentile(posted->latencies_ms, 99));
  return 0;
}

}  // namespace
}  // namespace liveevents::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return liveevents::bench::Main();
}
