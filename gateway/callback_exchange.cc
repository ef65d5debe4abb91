#include "gateway/callback_exchange.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "boost/asio/execution.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"

namespace liveevents::gateway {
namespace {

namespace net = boost::asio;

void LogToStderr(absl::string_view line) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}

CallbackExchange::Options WithDefaults(CallbackExchange::Options options) {
  if (!options.log) options.log = LogToStderr;
  if (!options.clock) options.clock = [] { return absl::Now(); };
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
  std::string app_id;
  std::string command;
  std::optional<liveevents::v1::Decision> decision;
};

// The HTTP layer's view of a Tencent reply.
HttpAnswer ToHttpAnswer(HttpReply reply) {
  return HttpAnswer{reply.status, std::move(reply.body), std::move(reply.allow), reply.close};
}

}  // namespace

CallbackExchange::CallbackExchange(const RequestHandler& handler, EventPublisher& publisher,
                                   Options options)
    : handler_(handler), publisher_(publisher), options_(WithDefaults(std::move(options))) {}

void CallbackExchange::Log(absl::string_view app_id, absl::string_view command,
                           const HttpReply& reply, std::optional<uint64_t> revision) const {
  if (reply.error_code == kErrorNone && !options_.log_successes) return;
  options_.log(RequestLogLine(app_id, command, reply, revision));
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
  return ToHttpAnswer(std::move(reply));
}

void CallbackExchange::Handle(const HttpRequest& request, AnswerCallback answer) {
  const int64_t now_ms = absl::ToUnixMillis(options_.clock());
  HandleResult result = handler_.Handle(request.method, request.target, request.body, now_ms);
  if (result.reply.has_value()) {
    Log(result.app_id, result.command, *result.reply, std::nullopt);
    return std::move(answer)(ToHttpAnswer(std::move(*result.reply)));
  }
  auto pending = std::make_shared<PendingAnswer>(request.executor, std::move(answer));
  pending->app_id = std::move(result.app_id);
  pending->command = std::move(result.command);
  pending->decision = std::move(result.decision);

  if (pending->decision.has_value()) {
    pending->timer.expires_after(options_.before_callback_budget);
    pending->timer.async_wait([this, pending](const boost::system::error_code& ec) {
      // operation_aborted: the publish finished first and cancelled the timer.
      if (ec || !pending->Claim()) return;
      options_.log("before-callback answered before its publish finished (budget spent)");
      const HttpReply reply = ReplyForDecision(*pending->decision);
      Log(pending->app_id, pending->command, reply, std::nullopt);
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
        if (pending->decision.has_value()) {
          // The timer may only be touched on its executor.
          net::post(work, [pending] { pending->timer.cancel(); });
        }
        if (!pending->Claim()) {
          // A before-callback answered on budget; its publish finished in the background.
          const std::string outcome = published.ok()
                                          ? absl::StrCat("stored, revision=", published->revision())
                                          : absl::StrCat("FAILED: ", published.status().ToString());
          options_.log(absl::StrCat("background publish app=", absl::CHexEscape(pending->app_id),
                                    " command=", absl::CHexEscape(pending->command), ": ",
                                    outcome));
          return;
        }
        HttpReply reply;
        if (!pending->decision.has_value()) {
          reply = ReplyForPublish(published);
        } else {
          if (!published.ok()) {
            // Tencent still gets the decision: a 503 would block the gift (fail-closed) for a
            // failure that has nothing to do with the policy.
            options_.log(
                absl::StrCat("before-callback publish failed, answering the decision anyway: ",
                             published.status().ToString()));
          }
          reply = ReplyForDecision(*pending->decision);
        }
        Log(pending->app_id, pending->command, reply, revision);
        std::move(pending->answer)(ToHttpAnswer(std::move(reply)));
      });
}

}  // namespace liveevents::gateway
