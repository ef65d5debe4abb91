// The livectl subcommands, callable without a command line: livectl_main.cc turns flags into
// these option structs, and tests call the commands directly against a fake server. Each command
// writes JSON lines (or, where OutputFormat::kTable is asked for, a table) to `out`, diagnostics to
// `err`, and returns the process exit code: kExitOk, kExitFailure (an RPC or HTTP failure, e.g.
// NOT_FOUND) or kExitUsage (bad arguments).
#ifndef LIVEEVENTS_CLIENT_LIVECTL_COMMANDS_H_
#define LIVEEVENTS_CLIENT_LIVECTL_COMMANDS_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/subscriber.h"
#include "liveevents/v1/live_events.pb.h"

namespace liveevents::client {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

enum class OutputFormat {
  kJson,   // One JSON object per line (the default; for scripts).
  kTable,  // Aligned columns with a header (room, rooms, battle, battles, events, members).
};

// What every gRPC command needs. Commands are not thread-safe with respect to the streams.
struct CommandContext {
  OutputFormat output = OutputFormat::kJson;
  std::shared_ptr<grpc::Channel> channel;
  absl::Duration timeout = absl::Seconds(5);  // Deadline of each unary call.
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
};

// --status / --state values, case-insensitive, "" meaning any.
absl::StatusOr<liveevents::v1::RoomStatus> ParseRoomStatus(absl::string_view text);
absl::StatusOr<liveevents::v1::BattleState> ParseBattleState(absl::string_view text);
// Decimal app ids, as given to --app.
absl::StatusOr<std::vector<uint64_t>> ParseAppIds(const std::vector<std::string>& texts);

// `livectl room ID` / `battle ID` / `info`: one JSON object. `sdk_app_id` 0 means any app (the
// server refuses an id that several apps have).
int GetRoom(const CommandContext& context, const std::string& room_id, uint64_t sdk_app_id);
int GetBattle(const CommandContext& context, const std::string& battle_id, uint64_t sdk_app_id);
int GetServerInfo(const CommandContext& context);
// `livectl rooms` / `battles` / `events`: one JSON object per line; rooms and battles follow the
// page tokens to the last page (`sdk_app_id` 0 lists every app); events prints up to `limit`
// events (0: one default page), following the pages, which the server also cuts by bytes.
int ListRooms(const CommandContext& context, liveevents::v1::RoomStatus status,
              uint64_t sdk_app_id);
// What `livectl battles` lists.
struct BattlesQuery {
  liveevents::v1::BattleState state = liveevents::v1::BATTLE_STATE_UNSPECIFIED;  // Any state.
  std::string room_id;      // Empty: battles of every room.
  uint64_t sdk_app_id = 0;  // 0: every app.
  bool only_overdue = false;
  // By start time, newest first (ORDER_NEWEST_FIRST); otherwise by (app, battle id).
  bool newest_first = false;
};
int ListBattles(const CommandContext& context, const BattlesQuery& query);
int ListEvents(const CommandContext& context, uint64_t after_revision, int32_t limit);
// `livectl members ROOM`: the room's online accounts, one JSON string per line, all pages.
int ListRoomMembers(const CommandContext& context, const std::string& room_id, uint64_t sdk_app_id);

struct TailOptions {
  SubscriberOptions subscriber;
  bool print_progress = false;  // Also print {"progress":{...}} lines.
  int64_t count = 0;            // Exit after this many events; 0 streams until killed.
};

// `livectl tail`: events as JSON lines, flushed one by one, reconnecting through the Subscriber.
// Snapshot parts and the snapshot end print as {"snapshot":...} and {"snapshot_end":...}.
int Tail(const CommandContext& context, const TailOptions& options);

struct PostOptions {
  std::string file;     // "-" reads standard input.
  std::string command;  // Empty: the body's CallbackCommand.
  uint64_t sdk_app_id = 0;
  std::string gateway = "http://127.0.0.1:8080/callback";
  std::string token;  // Non-empty: sign the request as Tencent would.
  // Non-empty: read the token from this file instead (keeps it out of process listings).
  // Surrounding whitespace, such as the file's final newline, is not part of the token.
  std::string token_file;
};

// `livectl health`: grpc.health.v1 Check of the whole server; prints {"status":"SERVING"} (or
// the status it got) and succeeds only when SERVING. For container health checks and scripts.
int CheckHealth(const CommandContext& context);
// `livectl health --http URL`: GETs URL (the gateway's /healthz) and succeeds only on HTTP 200.
int CheckHttpHealth(const std::string& url, std::ostream& out, std::ostream& err);

// `livectl post`: sends a callback body to the gateway and prints its answer; non-200 fails.
int Post(const PostOptions& options, std::ostream& out, std::ostream& err);

}  // namespace liveevents::client

#endif  // LIVEEVENTS_CLIENT_LIVECTL_COMMANDS_H_
