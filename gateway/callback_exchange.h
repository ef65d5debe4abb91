// Runs one callback exchange for the HTTP layer: asks the RequestHandler what a request means,
// publishes its event, and answers Tencent once, after the Publish or, for before-callbacks,
// when the budget is spent if that comes first. Logs one line per answer, and counts it
// (gateway_metrics.h). No sockets: a test
// drives it with an io_context for the budget timer and a fake publisher.
#ifndef LIVEEVENTS_GATEWAY_CALLBACK_EXCHANGE_H_
#define LIVEEVENTS_GATEWAY_CALLBACK_EXCHANGE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/logging/log_rate_limiter.h"
#include "common/metrics/metrics.h"
#include "gateway/gateway_metrics.h"
#include "gateway/http/http_handler.h"
#include "gateway/publish/event_publisher.h"
#include "gateway/request_handler.h"
#include "gateway/tencent/tencent_reply.h"

namespace liveevents::gateway {

class CallbackExchange : public HttpHandler {
 public:
  struct Options {
    // A before-callback is answered with its decision when its publish finishes or after this
    // long, whichever comes first; a slower publish finishes in the background (Tencent waits
    // 2 s before blocking the gift).
    std::chrono::steady_clock::duration before_callback_budget = std::chrono::milliseconds(500);
    // Where the per-request log lines go, as text; unset: structured lines through
    // common/logging, refusals rate-limited per ErrorCode.
    std::function<void(absl::string_view line)> log;
    // Refused and failed requests are always logged; successful ones only when this is set
    // (an access line per webhook costs a write(2) on the hot path and fills disks).
    bool log_successes = false;
    // The receive time of a request ("now" of the Sign's time window); absl::Now by default.
    std::function<absl::Time()> clock;
    // Where the request counters and the ack latency go; the process's registry by default.
    metrics::Registry* metrics = nullptr;
  };

  // `handler` and `publisher` must outlive the exchange.
  CallbackExchange(const RequestHandler& handler, EventPublisher& publisher, Options options);

  // HttpHandler. Thread-safe. The budget timer runs on `request.executor`, and the publish holds
  // tracked work on it until it completes, also after a budget answer (a graceful stop waits).
  void Handle(const HttpRequest& request, AnswerCallback answer) override;
  HttpAnswer Refuse(const HttpRefusal& refusal) override;

 private:
  void Log(absl::string_view app_id, absl::string_view command, const HttpReply& reply,
           std::optional<uint64_t> revision) const;
  void Note(absl::string_view line) const;

  const RequestHandler& handler_;
  EventPublisher& publisher_;
  const Options options_;
  GatewayMetrics metrics_;
  mutable logging::LogRateLimiter refusal_log_limiter_;
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_CALLBACK_EXCHANGE_H_
