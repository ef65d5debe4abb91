// livectl: the command line for people and scripts. Flags and wiring only; the commands live in
// livectl_commands.h.
#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "client/livectl_commands.h"
#include "common/client_credentials.h"
#include "common/flag_checks.h"
#include "common/flags_from_env.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "LiveEvents gRPC address (host:port)");
ABSL_FLAG(std::string, tls_ca_file, "",
          "TLS to --server: PEM CAs its certificate must chain to (empty with the other --tls_* "
          "flags: the system roots)");
ABSL_FLAG(std::string, tls_cert_file, "",
          "mutual TLS: PEM client certificate presented to --server (needs --tls_key_file)");
ABSL_FLAG(std::string, tls_key_file, "", "mutual TLS: PEM private key of --tls_cert_file");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(5), "Deadline of each unary call");
ABSL_FLAG(std::optional<uint64_t>, after, std::nullopt,
          "tail: resume after this revision; events: list after it (default 0)");
ABSL_FLAG(bool, snapshot, false, "tail: start with the current rooms and battles");
ABSL_FLAG(bool, progress, false, "tail: also print progress (bookmark) lines");
ABSL_FLAG(int64_t, count, 0, "tail: exit after this many events (0: never)");
ABSL_FLAG(std::vector<std::string>, command, {},
          "tail: commands to keep (comma-separated); post: the CallbackCommand");
ABSL_FLAG(std::vector<std::string>, room, {},
          "tail: room ids (comma-separated); battles: one room");
ABSL_FLAG(std::vector<std::string>, battle, {}, "tail: battle ids (comma-separated)");
ABSL_FLAG(std::vector<std::string>, app, {},
          "tail: SdkAppids (comma-separated); post, room, rooms, members, battle, battles: one "
          "SdkAppid "
          "(queries: default any app)");
ABSL_FLAG(std::string, status, "", "rooms: active or destroyed (default: any)");
ABSL_FLAG(std::string, state, "", "battles: created, started or ended (default: any)");
ABSL_FLAG(bool, overdue, false,
          "battles: only battles marked overdue (started, no End within duration + the server's "
          "--battle_grace)");
ABSL_FLAG(bool, newest, false,
          "battles: newest start time first (with --room: the room's battle history); default: "
          "by battle id");
ABSL_FLAG(int32_t, limit, 0,
          "events: at most this many, over as many pages as it takes (0: one page of the server "
          "default, 100)");
ABSL_FLAG(std::string, gateway, "http://127.0.0.1:8080/callback",
          "post: the gateway's callback URL");
ABSL_FLAG(std::string, token, "", "post: sign with this callback token (adds RequestTime, Sign)");
ABSL_FLAG(std::string, http, "",
          "health: GET this URL (the gateway's http://HOST:PORT/healthz) instead of asking "
          "--server's grpc.health.v1");
ABSL_FLAG(std::string, output, "json",
          "json (one object per line, for scripts) or table (aligned columns, for people; room, "
          "rooms, battle, battles, members, events)");
ABSL_FLAG(std::string, token_file, "",
          "post: like --token, read from this file (keeps the token out of process listings)");

namespace {

namespace client = liveevents::client;
namespace v1 = liveevents::v1;

constexpr char kUsage[] = R"(livectl: query and follow a live-events service.

  livectl tail [--after REV | --snapshot] [--command C,..] [--room R,..] [--battle B,..]
               [--app N,..] [--progress] [--count N]
  livectl room ID [--app N]
  livectl rooms [--status active|destroyed] [--app N]
  livectl members ROOM [--app N]
  livectl battle ID [--app N]
  livectl battles [--state created|started|ended] [--room R] [--app N] [--overdue] [--newest]
  livectl events [--after REV] [--limit N]
  livectl info
  livectl health [--http URL]
  livectl post FILE|- --app N [--command C] [--gateway URL] [--token T | --token_file F]

Global: --server HOST:PORT (127.0.0.1:50051), --timeout DURATION (5s),
        --tls_ca_file F [--tls_cert_file F --tls_key_file F] for a TLS server.
Output: one JSON object per line; --output table prints aligned columns for room, rooms, battle,
battles, members and events. Exit: 0 ok, 1 failure (e.g. NOT_FOUND), 2 usage.)";

int UsageError(absl::string_view message) {
  std::cerr << "livectl: " << message << "\n\n" << kUsage << std::endl;
  return client::kExitUsage;
}

// The single value of a list flag that a command takes once, "" when absent.
std::optional<std::string> Single(const std::vector<std::string>& values) {
  if (values.size() > 1) return std::nullopt;
  return values.empty() ? std::string() : values.front();
}

// The one --app of a query, 0 (any app) when absent; nullopt after reporting a usage error.
std::optional<uint64_t> QueryApp(int* exit_code) {
  const auto app = Single(absl::GetFlag(FLAGS_app));
  if (!app) {
    *exit_code = UsageError("queries take one --app");
    return std::nullopt;
  }
  if (app->empty()) return 0;
  const auto ids = client::ParseAppIds({*app});
  if (!ids.ok()) {
    *exit_code = UsageError(ids.status().message());
    return std::nullopt;
  }
  return ids->front();
}

int RunTail(const client::CommandContext& context) {
  client::TailOptions options;
  v1::EventFilter& filter = options.subscriber.filter;
  for (const auto& c : absl::GetFlag(FLAGS_command)) filter.add_commands(c);
  for (const auto& r : absl::GetFlag(FLAGS_room)) filter.add_room_ids(r);
  for (const auto& b : absl::GetFlag(FLAGS_battle)) filter.add_battle_ids(b);
  const auto apps = client::ParseAppIds(absl::GetFlag(FLAGS_app));
  if (!apps.ok()) return UsageError(apps.status().message());
  for (uint64_t app : *apps) filter.add_sdk_app_ids(app);
  const std::optional<uint64_t> after = absl::GetFlag(FLAGS_after);
  if (after.has_value() && absl::GetFlag(FLAGS_snapshot)) {
    return UsageError("--after and --snapshot exclude each other");
  }
  if (after.has_value()) {
    options.subscriber.start = v1::SubscribeRequest::START_AFTER_REVISION;
    options.subscriber.after_revision = *after;
  } else if (absl::GetFlag(FLAGS_snapshot)) {
    options.subscriber.start = v1::SubscribeRequest::START_SNAPSHOT;
  }
  options.print_progress = absl::GetFlag(FLAGS_progress);
  options.count = absl::GetFlag(FLAGS_count);
  return client::Tail(context, options);
}

int RunPost(const std::vector<char*>& args) {
  if (args.size() != 3) return UsageError("post takes one FILE (or - for standard input)");
  client::PostOptions options;
  options.file = args[2];
  const auto command = Single(absl::GetFlag(FLAGS_command));
  const auto app = Single(absl::GetFlag(FLAGS_app));
  if (!command || !app) return UsageError("post takes one --command and one --app");
  options.command = *command;
  if (!app->empty()) {
    const auto ids = client::ParseAppIds({*app});
    if (!ids.ok()) return UsageError(ids.status().message());
    options.sdk_app_id = ids->front();
  }
  options.gateway = absl::GetFlag(FLAGS_gateway);
  options.token = absl::GetFlag(FLAGS_token);
  options.token_file = absl::GetFlag(FLAGS_token_file);
  return client::Post(options, std::cout, std::cerr);
}

// --output for `verb`; nullopt after reporting a usage error.
std::optional<client::OutputFormat> OutputFor(const std::string& verb, int* exit_code) {
  const std::string output = absl::GetFlag(FLAGS_output);
  if (output == "json") return client::OutputFormat::kJson;
  if (output != "table") {
    *exit_code = UsageError(absl::StrCat("--output must be json or table, not '", output, "'"));
    return std::nullopt;
  }
  for (const char* tabular : {"room", "rooms", "battle", "battles", "members", "events"}) {
    if (verb == tabular) return client::OutputFormat::kTable;
  }
  *exit_code = UsageError(absl::StrCat("--output table is not available for ", verb));
  return std::nullopt;
}

int Dispatch(const std::vector<char*>& args) {
  const std::string verb = args[1];
  int output_error = client::kExitUsage;
  const std::optional<client::OutputFormat> output = OutputFor(verb, &output_error);
  if (!output) return output_error;
  if (verb == "post") return RunPost(args);
  if (verb == "health" && args.size() == 2 && !absl::GetFlag(FLAGS_http).empty()) {
    return client::CheckHttpHealth(absl::GetFlag(FLAGS_http), std::cout, std::cerr);
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      liveevents::MakeClientCredentials(
          {absl::GetFlag(FLAGS_tls_ca_file), absl::GetFlag(FLAGS_tls_cert_file),
           absl::GetFlag(FLAGS_tls_key_file)},
          "tls_");
  if (!credentials.ok()) return UsageError(credentials.status().message());
  client::CommandContext context;
  context.output = *output;
  context.channel = grpc::CreateChannel(absl::GetFlag(FLAGS_server), *credentials);
  context.timeout = absl::GetFlag(FLAGS_timeout);
  context.out = &std::cout;
  context.err = &std::cerr;
  const bool takes_id = verb == "room" || verb == "battle" || verb == "members";
  if (args.size() != (takes_id ? 3u : 2u)) {
    return UsageError(absl::StrCat(verb, takes_id ? " takes one ID" : " takes no arguments"));
  }
  if (verb == "tail") return RunTail(context);
  if (verb == "info") return client::GetServerInfo(context);
  if (verb == "health") return client::CheckHealth(context);
  if (verb == "events") {
    return client::ListEvents(context, absl::GetFlag(FLAGS_after).value_or(0),
                              absl::GetFlag(FLAGS_limit));
  }
  int exit_code = client::kExitUsage;
  const std::optional<uint64_t> app = QueryApp(&exit_code);
  if (!app) return exit_code;
  if (verb == "room") return client::GetRoom(context, args[2], *app);
  if (verb == "battle") return client::GetBattle(context, args[2], *app);
  if (verb == "members") return client::ListRoomMembers(context, args[2], *app);
  if (verb == "rooms") {
    const auto status = client::ParseRoomStatus(absl::GetFlag(FLAGS_status));
    if (!status.ok()) return UsageError(status.status().message());
    return client::ListRooms(context, *status, *app);
  }
  if (verb == "battles") {
    const auto state = client::ParseBattleState(absl::GetFlag(FLAGS_state));
    const auto room = Single(absl::GetFlag(FLAGS_room));
    if (!state.ok()) return UsageError(state.status().message());
    if (!room) return UsageError("battles takes one --room");
    return client::ListBattles(context, {.state = *state,
                                         .room_id = *room,
                                         .sdk_app_id = *app,
                                         .only_overdue = absl::GetFlag(FLAGS_overdue),
                                         .newest_first = absl::GetFlag(FLAGS_newest)});
  }
  return UsageError(absl::StrCat("unknown command '", verb, "'"));
}

}  // namespace

int main(int argc, char** argv) {
  if (absl::Status flags = liveevents::PrepareFlags(argc, argv, kUsage); !flags.ok()) {
    return UsageError(flags.message());
  }
  const std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  for (const absl::Status& status :
       {liveevents::CheckPositive("timeout", absl::GetFlag(FLAGS_timeout)),
        liveevents::CheckAtLeast("limit", absl::GetFlag(FLAGS_limit), 0),
        liveevents::CheckAtLeast("count", absl::GetFlag(FLAGS_count), 0)}) {
    if (!status.ok()) return UsageError(status.message());
  }
  if (args.size() < 2) return UsageError("no command given");
  return Dispatch(args);
}
