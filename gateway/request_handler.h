// The gateway's decisions about one HTTP request, independent of sockets: route, check the app
// and its Sign, convert the callback, decide before-callbacks, and either answer at once or hand
// back an Event to publish. The answers themselves are rendered by gateway/tencent/tencent_reply.
#ifndef LIVEEVENTS_GATEWAY_REQUEST_HANDLER_H_
#define LIVEEVENTS_GATEWAY_REQUEST_HANDLER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/apps/reloadable_app_registry.h"
#include "gateway/tencent/tencent_reply.h"
#include "liveevents/v1/events.pb.h"
#include "liveevents/v1/live_events.pb.h"

namespace liveevents::gateway {

// What to do with a request: exactly one of `reply` and `event` is set.
struct HandleResult {
  std::optional<HttpReply> reply;
  std::optional<liveevents::v1::Event> event;  // Publish it, then answer with ReplyForPublish.
  // Set with `event` for the before-callbacks: answer ReplyForDecision(*decision) once the
  // publish is done or the before-callback budget is spent, whichever comes first, and whatever
  // the publish outcome (Tencent needs the decision within 2 s; the event is already recorded).
  std::optional<liveevents::v1::Decision> decision;
  std::string app_id;   // SdkAppid as sent, for the log line.
  std::string command;  // As far as known, for the log line.
};

class RequestHandler {
 public:
  struct Options {
    std::string callback_path = "/callback";
    // Accepted SdkAppids (no token, allow-all policy); empty rejects every callback. Used only
    // when `registry` is null.
    absl::flat_hash_set<uint64_t> apps;
    // The accepted apps with their tokens and policies, reloadable (--apps_file plus --apps).
    std::shared_ptr<const ReloadableAppRegistry> registry;
    // How far RequestTime may be from the receive time, either way, for apps with a token.
    absl::Duration max_clock_skew = absl::Seconds(60);
  };

  explicit RequestHandler(Options options);

  // Decides about one request; `received_time_ms` is also the "now" of the Sign's time window.
  // Thread-safe (the handler is immutable; the registry is read through an atomic snapshot).
  HandleResult Handle(absl::string_view method, absl::string_view target, absl::string_view body,
                      int64_t received_time_ms) const;

 private:
  HandleResult HandleCallback(absl::string_view query, absl::string_view body,
                              int64_t received_time_ms) const;

  Options options_;
  std::shared_ptr<const ReloadableAppRegistry> registry_;  // Never null.
};

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_REQUEST_HANDLER_H_
