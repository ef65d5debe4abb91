#include "bench/open_loop_poster.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cmath>
#include <deque>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace liveevents::bench {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr auto kIoTimeout = std::chrono::seconds(10);

struct Due {
  int64_t seq;
  Clock::time_point due;
};

// One schedule run. Everything happens on one io_context thread, so nothing here is locked.
class Run {
 public:
  explicit Run(const PosterOptions& options)
      : options_(options),
        interval_(std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(1.0 / options.rate))),
        total_(static_cast<int64_t>(std::llround(options.rate * options.seconds))),
        ticker_(io_) {}

  absl::StatusOr<PosterResult> Go() {
    beast::error_code error;
    const auto endpoints = tcp::resolver(io_).resolve(options_.host, options_.port, error);
    if (error) return absl::UnavailableError(absl::StrCat("resolve: ", error.message()));
    // Connections are opened before the clock starts, so connecting is not part of any latency.
    for (int i = 0; i < options_.connections; ++i) {
      auto connection = std::make_unique<Connection>(io_);
      connection->stream.socket().connect(*endpoints.begin(), error);
      if (error) return absl::UnavailableError(absl::StrCat("connect: ", error.message()));
      connection->stream.socket().set_option(tcp::no_delay(true));
      idle_.push_back(connection.get());
      connections_.push_back(std::move(connection));
    }
    result_.latencies_ms.reserve(total_);
    start_ = Clock::now();
    Tick();
    io_.run();
    result_.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    result_.scheduled = next_seq_;
    return std::move(result_);
  }

 private:
  struct Connection {
    explicit Connection(net::io_context& io) : stream(io) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
    Due current{};
  };

  // Queues every request whose time has come (catching up at once if the timer fired late), hands
  // them to idle connections, and sleeps until the next one is due.
  void Tick() {
    const Clock::time_point now = Clock::now();
    if (next_seq_ < total_ && start_ + next_seq_ * interval_ <= now) {
      result_.max_timer_lag_ms =
          std::max(result_.max_timer_lag_ms,
                   std::chrono::duration<double, std::milli>(now - (start_ + next_seq_ * interval_))
                       .count());
    }
    while (next_seq_ < total_ && start_ + next_seq_ * interval_ <= now) {
      queue_.push_back({next_seq_, start_ + next_seq_ * interval_});
      ++next_seq_;
    }
    Dispatch();
    if (next_seq_ >= total_) return;
    ticker_.expires_at(start_ + next_seq_ * interval_);
    ticker_.async_wait([this](beast::error_code) { Tick(); });
  }

  void Dispatch() {
    while (!queue_.empty() && !idle_.empty()) {
      Connection* connection = idle_.back();
      idle_.pop_back();
      Send(*connection, queue_.front());
      queue_.pop_front();
    }
  }

  void Send(Connection& c, Due due) {
    c.current = due;
    c.request = {http::verb::post, options_.target, 11};
    c.request.set(http::field::host, options_.host);
    c.request.set(http::field::content_type, "application/json");
    c.request.keep_alive(true);
    c.request.body() = options_.body(due.seq);
    c.request.prepare_payload();
    const Clock::time_point sent = Clock::now();
    result_.max_send_lag_ms = std::max(
        result_.max_send_lag_ms, std::chrono::duration<double, std::milli>(sent - due.due).count());
    if (options_.on_send) options_.on_send(due.seq, sent);
    c.stream.expires_after(kIoTimeout);
    http::async_write(c.stream, c.request, [this, &c](beast::error_code error, size_t) {
      if (error) return Fail(c);
      c.response = {};
      http::async_read(c.stream, c.buffer, c.response,
                       [this, &c](beast::error_code error, size_t) { OnAnswer(c, error); });
    });
  }

  void OnAnswer(Connection& c, beast::error_code error) {
    if (error) return Fail(c);
    result_.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - c.current.due).count());
    ++result_.answered;
    if (c.response.result_int() / 100 != 2) ++result_.non_2xx;
    if (!c.response.keep_alive()) return Fail(c);
    idle_.push_back(&c);
    Dispatch();
  }

  // A failed connection is closed and not reused: its request counts as an error, and the
  // others carry the rest of the schedule (or, if none is left, io_context runs out of work).
  void Fail(Connection& c) {
    ++result_.errors;
    beast::error_code ignored;
    c.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    c.stream.close();
  }

  const PosterOptions& options_;
  const Clock::duration interval_;
  const int64_t total_;
  net::io_context io_;
  net::steady_timer ticker_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<Connection*> idle_;
  std::deque<Due> queue_;
  int64_t next_seq_ = 0;
  Clock::time_point start_;
  PosterResult result_;
};

}  // namespace

absl::StatusOr<PosterResult> RunOpenLoop(const PosterOptions& options) {
  if (options.rate <= 0 || options.seconds <= 0 || options.connections <= 0 || !options.body) {
    return absl::InvalidArgumentError("rate, seconds, connections and body are required");
  }
  Run run(options);
  return run.Go();
}

std::string StartBattleBody(const std::string& run, int64_t seq) {
  return absl::StrCat(
      R"({"CallbackCommand":"Live.CallbackAfterStartBattle","BattleId":"b-)", run, "-", seq,
      R"(","Duration":60000,"CreateTime":1739954005,"StartTime":1739954005,)",
      R"("FromRoomInfo":{"RoomId":"pk-3","Owner_Account":"brennan"},)",
      R"("ToRoomList":[{"RoomId":"pk-5","Owner_Account":"tandy"}],"EventTime":1739954005000})");
}

std::string NewRunId() { return absl::StrCat(absl::ToUnixNanos(absl::Now())); }

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  if (!std::is_sorted(values.begin(), values.end())) std::sort(values.begin(), values.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  const size_t index = std::clamp<size_t>(static_cast<size_t>(rank), 1, values.size()) - 1;
  return values[index];
}

}  // namespace liveevents::bench
