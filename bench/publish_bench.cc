// Publish throughput and latency of the LiveEvents service on its durable SQLite store, with N
// concurrent publishers, against the in-memory store as the same-session reference. It also
// counts store appends, to show how many events each fsync'd transaction carries (group commit).
//
//   build/bin/publish_bench --publishers=1,8,32 --events=4000 --runs=5 [--batch=64]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "service/server.h"
#include "service/store/memory_event_store.h"
#include "service/store/sqlite_event_store.h"

ABSL_FLAG(std::vector<std::string>, publishers, std::vector<std::string>({"1", "8", "32"}),
          "concurrent publishers");
ABSL_FLAG(int, events, 4000, "events per run");
ABSL_FLAG(int, batch, 1,
          "events per call: 1 uses Publish, more use PublishBatch (latencies are then per call)");
ABSL_FLAG(int, runs, 5, "runs per configuration; medians are reported");
ABSL_FLAG(std::string, dir, "/tmp/liveevents-bench", "folder for the SQLite files");

namespace liveevents::bench {
namespace {

using service::EventPtr;
using service::EventStore;

// Forwards to a real store and counts Append calls (one transaction and fsync each).
class CountingStore : public EventStore {
 public:
  CountingStore(std::unique_ptr<EventStore> inner, std::atomic<int64_t>& appends)
      : inner_(std::move(inner)), appends_(appends) {}
  std::string Kind() const override { return inner_->Kind(); }
  absl::Status Commit(absl::Span<const EventPtr> events,
                      const service::StateChanges* state) override {
    ++appends_;
    return inner_->Commit(events, state);
  }
  absl::StatusOr<std::vector<EventPtr>> ReadAfter(uint64_t after, size_t limit) const override {
    return inner_->ReadAfter(after, limit);
  }
  uint64_t HeadRevision() const override { return inner_->HeadRevision(); }
  uint64_t OldestRevision() const override { return inner_->OldestRevision(); }
  absl::StatusOr<uint64_t> FirstRevisionReceivedSince(int64_t time_ms) const override {
    return inner_->FirstRevisionReceivedSince(time_ms);
  }
  absl::Status Compact(uint64_t first_kept) override { return inner_->Compact(first_kept); }
  absl::StatusOr<std::optional<std::string>> DedupKeyAt(uint64_t revision) const override {
    return inner_->DedupKeyAt(revision);
  }
  absl::Status ForEachDedupHash(
      absl::FunctionRef<void(uint64_t revision, uint64_t key_hash)> visit) const override {
    return inner_->ForEachDedupHash(visit);
  }
  absl::StatusOr<service::StoredState> LoadState() const override { return inner_->LoadState(); }

 private:
  std::unique_ptr<EventStore> inner_;
  std::atomic<int64_t>& appends_;
};

struct RunResult {
  double events_per_second;
  double p50_ms;
  double p99_ms;
  double events_per_append;
};

v1::Event MakeEvent(int i) {
  v1::Event event;
  event.set_sdk_app_id(1400000001);
  event.set_command("Live.CallbackAfterMemberStateChanged");
  event.set_raw_body(absl::StrFormat(
      R"({"CallbackCommand":"Live.CallbackAfterMemberStateChanged","RoomId":"room-%d",)"
      R"("EventType":"Online","EventCause":"Enter","MemberList":[{"Member_Account":"u%d"}],)"
      R"("EventTime":%d})",
      i % 50, i, 1700000000000LL + i));
  auto* change = event.mutable_member_state_changed();
  change->set_room_id(absl::StrCat("room-", i % 50));
  change->set_event_type("Online");
  change->add_member_accounts(absl::StrCat("u", i));
  return event;
}

RunResult RunOnce(bool durable, int publishers, int events, int batch, const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::atomic<int64_t> appends{0};
  std::unique_ptr<EventStore> inner;
  if (durable) {
    inner = std::move(*service::SqliteEventStore::Open(dir + "/journal.db"));
  } else {
    inner = std::make_unique<service::MemoryEventStore>();
  }
  service::ServerOptions options;
  options.grpc_address = "127.0.0.1:0";
  auto server =
      service::Server::Start(options, std::make_unique<CountingStore>(std::move(inner), appends));
  auto stub = v1::LiveEvents::NewStub((*server)->InProcessChannel());

  std::vector<std::vector<double>> latencies(publishers);
  std::atomic<int> next{0};
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int p = 0; p < publishers; ++p) {
    threads.emplace_back([&, p] {
      for (int i; (i = next.fetch_add(batch)) < events;) {
        grpc::ClientContext context;
        const absl::Time sent = absl::Now();
        if (batch == 1) {
          v1::PublishRequest request;
          *request.mutable_event() = MakeEvent(i);
          v1::PublishResponse response;
          if (!stub->Publish(&context, request, &response).ok()) std::abort();
        } else {
          v1::PublishBatchRequest request;
          for (int j = i; j < std::min(i + batch, events); ++j)
            *request.add_events() = MakeEvent(j);
          v1::PublishBatchResponse response;
          if (!stub->PublishBatch(&context, request, &response).ok()) std::abort();
        }
        latencies[p].push_back(absl::ToDoubleMilliseconds(absl::Now() - sent));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  (*server)->Shutdown(absl::Seconds(5));

  std::vector<double> all;
  for (const auto& list : latencies) all.insert(all.end(), list.begin(), list.end());
  std::sort(all.begin(), all.end());
  return {events / seconds, all[all.size() / 2], all[all.size() * 99 / 100],
          static_cast<double>(events) / std::max<int64_t>(1, appends.load())};
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace
}  // namespace liveevents::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using liveevents::bench::Median;
  const int events = absl::GetFlag(FLAGS_events);
  const int runs = absl::GetFlag(FLAGS_runs);
  std::cout << "store   publishers  events/s(median)  p50_ms  p99_ms  events/fsync  "
               "vs_memory\n";
  for (const std::string& count : absl::GetFlag(FLAGS_publishers)) {
    const int publishers = std::stoi(count);
    double memory_rate = 0;
    for (bool durable : {false, true}) {
      std::vector<double> rate, p50, p99, batch;
      for (int run = 0; run < runs; ++run) {
        auto result = liveevents::bench::RunOnce(durable, publishers, events,
                                                 std::max(1, absl::GetFlag(FLAGS_batch)),
                                                 absl::GetFlag(FLAGS_dir));
        rate.push_back(result.events_per_second);
        p50.push_back(result.p50_ms);
        p99.push_back(result.p99_ms);
        batch.push_back(result.events_per_append);
      }
      if (!durable) memory_rate = Median(rate);
      std::cout << absl::StrFormat("%-7s %10d  %16.0f  %6.2f  %6.2f  %12.1f  %9.2f\n",
                                   durable ? "sqlite" : "memory", publishers, Median(rate),
                                   Median(p50), Median(p99), Median(batch),
                                   Median(rate) / memory_rate);
    }
  }
  return 0;
}
