// The unary livectl commands: room, rooms, battle, battles, members, events, info.
#include <algorithm>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "client/event_json.h"
#include "client/livectl_commands.h"
#include "client/livectl_table.h"
#include "common/grpc_status.h"
#include "google/protobuf/wrappers.pb.h"
#include "liveevents/v1/live_events.grpc.pb.h"

namespace liveevents::client {
namespace {

namespace v1 = liveevents::v1;

// The most events one ListEvents call asks for (the server's own maximum).
constexpr int64_t kMaxEventsPerCall = 1000;

std::unique_ptr<v1::LiveEvents::Stub> NewStub(const CommandContext& context) {
  return v1::LiveEvents::NewStub(context.channel);
}

void SetDeadline(const CommandContext& context, grpc::ClientContext& call) {
  call.set_deadline(absl::ToChronoTime(absl::Now() + context.timeout));
}

int ReportRpcError(const CommandContext& context, absl::string_view what,
                   const grpc::Status& status) {
  *context.err << "livectl: " << what << ": "
               << absl::StatusCodeToString(FromGrpcStatus(status).code()) << ": "
               << status.error_message() << std::endl;
  return kExitFailure;
}

// Prints one message as a JSON line; false (after reporting) if it cannot be rendered.
bool PrintLine(const CommandContext& context, const google::protobuf::Message& message) {
  absl::StatusOr<std::string> json = ToJson(message);
  if (!json.ok()) {
    *context.err << "livectl: " << json.status() << std::endl;
    return false;
  }
  *context.out << *json << std::endl;
  return true;
}

// Prints items as JSON lines as they come, or (OutputFormat::kTable) collects their rows and
// prints one aligned table at the end, since column widths depend on every row.
class ItemPrinter {
 public:
  ItemPrinter(const CommandContext& context, TableRow header)
      : context_(context), header_(std::move(header)) {}

  // `row` is only called for a table. False (after reporting) if the item cannot be rendered.
  bool Add(const google::protobuf::Message& message, absl::FunctionRef<TableRow()> row) {
    if (context_.output == OutputFormat::kTable) {
      rows_.push_back(row());
      return true;
    }
    return PrintLine(context_, message);
  }

  // Prints the table (also with no rows: the header says the answer was empty).
  void Finish() {
    if (context_.output == OutputFormat::kTable) *context_.out << FormatTable(header_, rows_);
  }

 private:
  const CommandContext& context_;
  const TableRow header_;
  std::vector<TableRow> rows_;
};

// One unary call: `call(stub, client_context, response)` returns the grpc::Status. `row` and
// `header` render the response for a table.
template <typename Response, typename Call>
int PrintUnary(const CommandContext& context, absl::string_view what, Call call,
               TableRow header = {}, TableRow (*row)(const Response&) = nullptr) {
  auto stub = NewStub(context);
  grpc::ClientContext client_context;
  SetDeadline(context, client_context);
  Response response;
  const grpc::Status status = call(*stub, client_context, response);
  if (!status.ok()) return ReportRpcError(context, what, status);
  if (context.output == OutputFormat::kTable && row != nullptr) {
    *context.out << FormatTable(header, {row(response)});
    return kExitOk;
  }
  return PrintLine(context, response) ? kExitOk : kExitFailure;
}

// Follows page tokens to the end: `call(stub, client_context, page_token, response)`, then
// `items(response)` gives the repeated field to print, one `row(item)` each in a table.
template <typename Response, typename Call, typename Items, typename Row>
int PrintPages(const CommandContext& context, absl::string_view what, Call call, Items items,
               TableRow header, Row row) {
  auto stub = NewStub(context);
  ItemPrinter printer(context, std::move(header));
  std::string page_token;
  do {
    grpc::ClientContext client_context;
    SetDeadline(context, client_context);
    Response response;
    const grpc::Status status = call(*stub, client_context, page_token, response);
    if (!status.ok()) return ReportRpcError(context, what, status);
    for (const auto& item : items(response)) {
      if (!printer.Add(item, [&] { return row(item); })) return kExitFailure;
    }
    // A server handing back the same token would loop us forever.
    if (!response.next_page_token().empty() && response.next_page_token() == page_token) {
      *context.err << "livectl: " << what << ": the server repeated a page token" << std::endl;
      return kExitFailure;
    }
    page_token = response.next_page_token();
  } while (!page_token.empty());
  printer.Finish();
  return kExitOk;
}

}  // namespace

absl::StatusOr<v1::RoomStatus> ParseRoomStatus(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower.empty() || lower == "any") return v1::ROOM_STATUS_UNSPECIFIED;
  if (lower == "active") return v1::ROOM_STATUS_ACTIVE;
  if (lower == "destroyed") return v1::ROOM_STATUS_DESTROYED;
  return absl::InvalidArgumentError(
      absl::StrCat("--status must be active or destroyed, not '", text, "'"));
}

absl::StatusOr<v1::BattleState> ParseBattleState(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower.empty() || lower == "any") return v1::BATTLE_STATE_UNSPECIFIED;
  if (lower == "created") return v1::BATTLE_STATE_CREATED;
  if (lower == "started") return v1::BATTLE_STATE_STARTED;
  if (lower == "ended") return v1::BATTLE_STATE_ENDED;
  return absl::InvalidArgumentError(
      absl::StrCat("--state must be created, started or ended, not '", text, "'"));
}

absl::StatusOr<std::vector<uint64_t>> ParseAppIds(const std::vector<std::string>& texts) {
  std::vector<uint64_t> ids;
  for (const std::string& text : texts) {
    uint64_t id = 0;
    if (!absl::SimpleAtoi(text, &id)) {
      return absl::InvalidArgumentError(absl::StrCat("--app: not an app id: '", text, "'"));
    }
    ids.push_back(id);
  }
  return ids;
}

int GetRoom(const CommandContext& context, const std::string& room_id, uint64_t sdk_app_id) {
  return PrintUnary<v1::Room>(
      context, "room",
      [&](auto& stub, auto& call, auto& response) {
        v1::GetRoomRequest request;
        request.set_room_id(room_id);
        request.set_sdk_app_id(sdk_app_id);
        return stub.GetRoom(&call, request, &response);
      },
      RoomHeader(), &RoomRow);
}

int GetBattle(const CommandContext& context, const std::string& battle_id, uint64_t sdk_app_id) {
  return PrintUnary<v1::Battle>(
      context, "battle",
      [&](auto& stub, auto& call, auto& response) {
        v1::GetBattleRequest request;
        request.set_battle_id(battle_id);
        request.set_sdk_app_id(sdk_app_id);
        return stub.GetBattle(&call, request, &response);
      },
      BattleHeader(), &BattleRow);
}

int GetServerInfo(const CommandContext& context) {
  return PrintUnary<v1::ServerInfo>(context, "info", [](auto& stub, auto& call, auto& response) {
    return stub.GetServerInfo(&call, v1::GetServerInfoRequest(), &response);
  });
}

int ListRooms(const CommandContext& context, v1::RoomStatus status, uint64_t sdk_app_id) {
  return PrintPages<v1::ListRoomsResponse>(
      context, "rooms",
      [&](auto& stub, auto& call, const std::string& token, auto& response) {
        v1::ListRoomsRequest request;
        request.set_status(status);
        request.set_sdk_app_id(sdk_app_id);
        request.set_page_token(token);
        return stub.ListRooms(&call, request, &response);
      },
      [](const v1::ListRoomsResponse& response) -> const auto& { return response.rooms(); },
      RoomHeader(), &RoomRow);
}

int ListBattles(const CommandContext& context, const BattlesQuery& query) {
  return PrintPages<v1::ListBattlesResponse>(
      context, "battles",
      [&](auto& stub, auto& call, const std::string& token, auto& response) {
        v1::ListBattlesRequest request;
        request.set_state(query.state);
        request.set_room_id(query.room_id);
        request.set_sdk_app_id(query.sdk_app_id);
        // Unset lists overdue and other battles alike.
        if (query.only_overdue) request.set_overdue(true);
        if (query.newest_first) request.set_order(v1::ListBattlesRequest::ORDER_NEWEST_FIRST);
        request.set_page_token(token);
        return stub.ListBattles(&call, request, &response);
      },
      [](const v1::ListBattlesResponse& response) -> const auto& { return response.battles(); },
      BattleHeader(), &BattleRow);
}

int ListRoomMembers(const CommandContext& context, const std::string& room_id,
                    uint64_t sdk_app_id) {
  auto stub = NewStub(context);
  ItemPrinter printer(context, MemberHeader());
  std::string page_token;
  do {
    grpc::ClientContext call;
    SetDeadline(context, call);
    v1::ListRoomMembersRequest request;
    request.set_sdk_app_id(sdk_app_id);
    request.set_room_id(room_id);
    request.set_page_token(page_token);
    v1::ListRoomMembersResponse response;
    const grpc::Status status = stub->ListRoomMembers(&call, request, &response);
    if (!status.ok()) return ReportRpcError(context, "members", status);
    // One JSON string per line: a StringValue prints as exactly that, escaped as JSON wants.
    google::protobuf::StringValue line;
    for (const std::string& account : response.member_accounts()) {
      line.set_value(account);
      if (!printer.Add(line, [&] { return TableRow{account}; })) return kExitFailure;
    }
    if (!response.next_page_token().empty() && response.next_page_token() == page_token) {
      *context.err << "livectl: members: the server repeated a page token" << std::endl;
      return kExitFailure;
    }
    page_token = response.next_page_token();
  } while (!page_token.empty());
  printer.Finish();
  return kExitOk;
}

int ListEvents(const CommandContext& context, uint64_t after_revision, int32_t limit) {
  if (limit < 0) {
    *context.err << "livectl: events: --limit must not be negative" << std::endl;
    return kExitUsage;
  }
  // The server cuts pages by count and by bytes; follow them until `limit` events (0: one
  // server-default page) or the head.
  auto stub = NewStub(context);
  ItemPrinter printer(context, EventHeader());
  int64_t left = limit;
  do {
    grpc::ClientContext call;
    SetDeadline(context, call);
    v1::ListEventsRequest request;
    request.set_after_revision(after_revision);
    request.set_limit(static_cast<int32_t>(std::min<int64_t>(left, kMaxEventsPerCall)));
    v1::ListEventsResponse response;
    const grpc::Status status = stub->ListEvents(&call, request, &response);
    if (!status.ok()) return ReportRpcError(context, "events", status);
    for (const v1::Event& event : response.events()) {
      if (!printer.Add(event, [&] { return EventRow(event); })) return kExitFailure;
    }
    left -= response.events_size();
    if (response.events().empty() || response.next_after_revision() <= after_revision) break;
    after_revision = response.next_after_revision();
    if (after_revision >= response.head_revision()) break;
  } while (left > 0);
  printer.Finish();
  return kExitOk;
}

}  // namespace liveevents::client
