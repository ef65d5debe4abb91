#include "gateway/callback_exchange.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "boost/asio/execution.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "common/logging/log.h"

namespace liveevents::gateway {
namespace {

namespace net = boost::asio;

// The free-form notes of this file (budget spent, background publishes), as log events.
void LogNote(absl::string_view line) {
  logging::Log(logging::Level::kWarn, "callback_note", {{"message", line}});
}

CallbackExchange::Options WithDefaults(CallbackExchange::Options options) {
  if (!options.clock) options.clock = [] { return absl::Now(); };
  if (options.metrics == nullptr) options.metrics = &metrics::DefaultRegistry();
  return options;
}

// One request whose answer waits for a publish, and for before-callbacks also for a budget
// timer. Shared by the publish completion (a gRPC thread) and the timer (the session's strand);
// whichever comes first answers, once.
struct PendingAnswer {
  PendingAnswer(net::any_io_executor executor, HttpHandler::AnswerCallback answer)
      : timer(std::move(executor)), answer(std::move(answer)) {}

  // True for the one caller that gets to answer.
  bool Claim() { return !answered.exchange(true); }

  net::steady_timer timer;  // Touched only on the executor it was made with.
  HttpHandler::AnswerCallback answer;
  std::atomic<bool> answered{false};
  std::chrono::steady_clock::time_point start;
  std::string app_id;
  std::string command;
  std::optional<liveevents::v1::Decision> decision;
};

// The HTTP layer's view of a Tencent reply.
HttpAnswer ToHttpAnswer(HttpReply reply) {
  return HttpAnswer{reply.status, std::move(reply.body), std::move(reply.allow), reply.close};
}

// The reason of a refusal can quote the client's bytes (a query's CallbackCommand is not yet
// UTF-8 checked) and be as long as the body: cut to a bound, at a character boundary, and
// hex-escaped so no control byte of theirs reaches the log raw (text stays readable; the JSON
// format replaces bytes that are not UTF-8).
std::string LoggedReason(absl::string_view info) {
  constexpr size_t kMaxReasonBytes = 256;
  if (info.size() <= kMaxReasonBytes) return absl::Utf8SafeCHexEscape(info);
  size_t cut = kMaxReasonBytes;
  // Back over at most three continuation bytes (the tail of one character), not over garbage.
  while (cut > kMaxReasonBytes - 3 && (static_cast<unsigned char>(info[cut]) & 0xc0) == 0x80) {
    --cut;
  }
  return absl::StrCat(absl::Utf8SafeCHexEscape(info.substr(0, cut)), "...");
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

CallbackExchange::CallbackExchange(const RequestHandler& handler, EventPublisher& publisher,
                                   Options options)
    : handler_(handler),
      publisher_(publisher),
      options_(WithDefaults(std::move(options))),
      metrics_(*options_.metrics) {}

void CallbackExchange::Log(absl::string_view app_id, absl::string_view command,
                           const HttpReply& reply, std::optional<uint64_t> revision) const {
  const bool refused = reply.error_code != kErrorNone;  // Before-callback denies included.
  if (!refused && !options_.log_successes) return;
  if (options_.log) return options_.log(RequestLogLine(app_id, command, reply, revision));
  const logging::Level level = refused ? logging::Level::kWarn : logging::Level::kInfo;
  // Before any allocation or lock: under a flood of refusals with the level off, this is all.
  if (!logging::Enabled(level)) return;
  std::optional<uint64_t> suppressed = 0;
  if (refused) {
    // A flood of bad requests would fill the disk: a budget of lines per kind of refusal. The
    // key is formatted on the stack; the limiter copies it only for a code it has not seen.
    suppressed = refusal_log_limiter_.Admit(absl::AlphaNum(reply.error_code).Piece());
    if (!suppressed.has_value()) return;
  }
  // Both come from the client's query: hex-escaped, so no byte of theirs reaches the log raw.
  std::vector<logging::Field> fields = {
      {"app", app_id.empty() ? std::string("-") : absl::CHexEscape(app_id)},
      {"command", command.empty() ? std::string("-") : absl::CHexEscape(command)},
      {"status", reply.status},
      {"code", static_cast<int>(reply.error_code)}};
  if (revision.has_value()) fields.emplace_back("revision", *revision);
  if (!reply.info.empty()) fields.emplace_back("reason", LoggedReason(reply.info));
  if (*suppressed > 0) fields.emplace_back("suppressed", *suppressed);
  logging::Log(level, "request", fields);
}

void CallbackExchange::Note(absl::string_view line) const {
  if (options_.log) return options_.log(line);
  LogNote(line);
}

HttpAnswer CallbackExchange::Refuse(const HttpRefusal& refusal) {
  HttpReply reply;
  switch (refusal.kind) {
    case HttpRefusal::Kind::kBodyTooLarge:
      reply = BodyTooLargeReply(refusal.body_limit);
      break;
    case HttpRefusal::Kind::kHeaderTooLarge:
      reply = HeaderTooLargeReply();
      break;
    case HttpRefusal::Kind::kBadRequest:
      reply = BadHttpRequestReply(refusal.detail);
      break;
  }
  Log("", "", reply, std::nullopt);
  metrics_.CountRequest("", RequestOutcome::kBadRequest);
  return ToHttpAnswer(std::move(reply));
}

void CallbackExchange::Handle(const HttpRequest& request, AnswerCallback answer) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t now_ms = absl::ToUnixMillis(options_.clock());
  HandleResult result = handler_.Handle(request.method, request.target, request.body, now_ms);
  if (result.reply.has_value()) {
    Log(result.app_id, result.command, *result.reply, std::nullopt);
    if (std::optional<RequestOutcome> outcome = OutcomeOfReply(*result.reply)) {
      metrics_.CountRequest(result.command, *outcome);
      metrics_.ObserveAckSeconds(SecondsSince(start));
    }
    return std::move(answer)(ToHttpAnswer(std::move(*result.reply)));
  }
  auto pending = std::make_shared<PendingAnswer>(request.executor, std::move(answer));
  pending->start = start;
  pending->app_id = std::move(result.app_id);
  pending->command = std::move(result.command);
  pending->decision = std::move(result.decision);

  if (pending->decision.has_value()) {
    pending->timer.expires_after(options_.before_callback_budget);
    pending->timer.async_wait([this, pending](const boost::system::error_code& ec) {
      // operation_aborted: the publish finished first and cancelled the timer.
      if (ec || !pending->Claim()) return;
      Note("before-callback answered before its publish finished (budget spent)");
      const HttpReply reply = ReplyForDecision(*pending->decision);
      Log(pending->app_id, pending->command, reply, std::nullopt);
      metrics_.ObserveAckSeconds(SecondsSince(pending->start));
      std::move(pending->answer)(ToHttpAnswer(reply));
    });
  }

  // The completion arrives on a gRPC thread; the tracked work keeps the io_context running (and a
  // graceful stop waiting) until it did, also for a before-callback answered on budget.
  auto work = net::prefer(request.executor, net::execution::outstanding_work.tracked);
  publisher_.Publish(
      std::move(*result.event),
      [this, pending, work](absl::StatusOr<liveevents::v1::PublishResponse> published) {
        std::optional<uint64_t> revision;
        if (published.ok()) revision = published->revision();
        // Counted by what became of the event, also when a budget answer went first.
        metrics_.CountRequest(pending->command, OutcomeOfPublish(published));
        if (pending->decision.has_value()) {
          // The timer may only be touched on its executor.
          net::post(work, [pending] { pending->timer.cancel(); });
        }
        if (!pending->Claim()) {
          // A before-callback answered on budget; its publish finished in the background.
          const std::string outcome = published.ok()
                                          ? absl::StrCat("stored, revision=", published->revision())
                                          : absl::StrCat("FAILED: ", published.status().ToString());
          Note(absl::StrCat("background publish app=", absl::CHexEscape(pending->app_id),
                            " command=", absl::CHexEscape(pending->command), ": ", outcome));
          return;
        }
        HttpReply reply;
        if (!pending->decision.has_value()) {
          reply = ReplyForPublish(published);
        } else {
          if (!published.ok()) {
            // Tencent still gets the decision: a 503 would block the gift (fail-closed) for a
            // failure that has nothing to do with the policy.
            Note(absl::StrCat("before-callback publish failed, answering the decision anyway: ",
                              published.status().ToString()));
          }
          reply = ReplyForDecision(*pending->decision);
        }
        Log(pending->app_id, pending->command, reply, revision);
        metrics_.ObserveAckSeconds(SecondsSince(pending->start));
        std::move(pending->answer)(ToHttpAnswer(std::move(reply)));
      });
}

}  // namespace liveevents::gateway
