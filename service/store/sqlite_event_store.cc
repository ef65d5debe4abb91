#include "service/store/sqlite_event_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"

namespace liveevents::service {
namespace {

constexpr char kSchema[] = R"sql(
  PRAGMA journal_mode = WAL;
  PRAGMA synchronous = FULL;
  CREATE TABLE IF NOT EXISTS events (
    revision INTEGER PRIMARY KEY,
    dedup_key TEXT NOT NULL UNIQUE,
    received_ms INTEGER NOT NULL,
    event BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS snapshot (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL,
    state BLOB NOT NULL);
)sql";

absl::Status SqliteError(sqlite3* db, int code, const char* what) {
  std::string message = absl::StrCat(what, ": ", sqlite3_errmsg(db));
  if (code == SQLITE_FULL) return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    code_ = sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr);
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  absl::Status status(const char* what) const {
    return code_ == SQLITE_OK ? absl::OkStatus() : SqliteError(db_, code_, what);
  }
  void BindInt(int index, int64_t value) { sqlite3_bind_int64(statement_, index, value); }
  void BindText(int index, const std::string& value) {
    sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
  }
  void BindBlob(int index, const std::string& value) {
    sqlite3_bind_blob(statement_, index, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(statement_); }
  void Reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  int64_t Int(int column) { return sqlite3_column_int64(statement_, column); }
  std::string Blob(int column) {
    const void* data = sqlite3_column_blob(statement_, column);
    return std::string(static_cast<const char*>(data), sqlite3_column_bytes(statement_, column));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
  int code_;
};

absl::Status Exec(sqlite3* db, const char* sql, const char* what) {
  int code = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  return code == SQLITE_OK ? absl::OkStatus() : SqliteError(db, code, what);
}

absl::StatusOr<sqlite3*> OpenConnection(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int code = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (code != SQLITE_OK) {
    absl::Status status = absl::UnavailableError(
        absl::StrCat("cannot open ", path, ": ", db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return status;
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteEventStore>> SqliteEventStore::Open(const std::string& path) {
  absl::StatusOr<sqlite3*> writer =
      OpenConnection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!writer.ok()) return writer.status();
  if (absl::Status status = Exec(*writer, kSchema, "creating the schema"); !status.ok()) {
    sqlite3_close(*writer);
    return status;
  }
  absl::StatusOr<sqlite3*> reader = OpenConnection(path, SQLITE_OPEN_READONLY);
  if (!reader.ok()) {
    sqlite3_close(*writer);
    return reader.status();
  }
  std::unique_ptr<SqliteEventStore> store(new SqliteEventStore(*writer, *reader));
  if (absl::Status status = store->RefreshBounds(); !status.ok()) return status;
  return store;
}

SqliteEventStore::SqliteEventStore(sqlite3* writer, sqlite3* reader)
    : writer_(writer), reader_(reader) {}

SqliteEventStore::~SqliteEventStore() {
  sqlite3_close(reader_);
  sqlite3_close(writer_);
}

absl::Status SqliteEventStore::RefreshBounds() {
  Statement bounds(writer_,
                   "SELECT COALESCE(MIN(revision), 0), COALESCE(MAX(revision), 0) "
                   "FROM events");
  if (absl::Status status = bounds.status("reading bounds"); !status.ok()) return status;
  if (int code = bounds.Step(); code != SQLITE_ROW) {
    return SqliteError(writer_, code, "reading bounds");
  }
  oldest_ = bounds.Int(0);
  head_ = bounds.Int(1);
  return absl::OkStatus();
}

absl::Status SqliteEventStore::Append(absl::Span<const EventPtr> events) {
  if (events.empty()) return absl::OkStatus();
  uint64_t expected = head_.load();
  for (const EventPtr& event : events) {
    if (event->revision() != expected + 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("revision ", event->revision(), " does not follow ", expected));
    }
    expected = event->revision();
  }
  if (absl::Status status = Exec(writer_, "BEGIN IMMEDIATE", "begin"); !status.ok()) {
    return status;
  }
  Statement insert(writer_,
                   "INSERT INTO events (revision, dedup_key, received_ms, event) "
                   "VALUES (?1, ?2, ?3, ?4)");
  absl::Status status = insert.status("preparing insert");
  for (size_t i = 0; status.ok() && i < events.size(); ++i) {
    const v1::Event& event = *events[i];
    insert.BindInt(1, static_cast<int64_t>(event.revision()));
    insert.BindText(2, event.dedup_key());
    insert.BindInt(3, event.received_time_ms());
    insert.BindBlob(4, event.SerializeAsString());
    if (int code = insert.Step(); code != SQLITE_DONE) {
      status = SqliteError(writer_, code, "appending an event");
    }
    insert.Reset();
  }
  if (status.ok()) status = Exec(writer_, "COMMIT", "commit");
  if (!status.ok()) {
    Exec(writer_, "ROLLBACK", "rollback").IgnoreError();  // Nothing of the batch stays.
    return status;
  }
  if (oldest_.load() == 0) oldest_ = events.front()->revision();
  head_ = events.back()->revision();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<EventPtr>> SqliteEventStore::ReadAfter(uint64_t after_revision,
                                                                  size_t limit) const {
  // SQLite integers are signed: nothing lies beyond INT64_MAX, and a larger limit means "all".
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  if (after_revision >= kMax || limit == 0) return std::vector<EventPtr>();
  limit = std::min<uint64_t>(limit, kMax);
  absl::MutexLock lock(&reader_mu_);
  Statement select(reader_,
                   "SELECT event FROM events WHERE revision > ?1 ORDER BY revision LIMIT ?2");
  if (absl::Status status = select.status("preparing read"); !status.ok()) return status;
  select.BindInt(1, static_cast<int64_t>(after_revision));
  select.BindInt(2, static_cast<int64_t>(limit));
  std::vector<EventPtr> events;
  int code;
  while ((code = select.Step()) == SQLITE_ROW) {
    auto event = std::make_shared<v1::Event>();
    if (!event->ParseFromString(select.Blob(0))) {
      return absl::DataLossError(
          absl::StrCat("a journal entry after revision ", after_revision, " is corrupt"));
    }
    events.push_back(std::move(event));
  }
  if (code != SQLITE_DONE) return SqliteError(reader_, code, "reading events");
  return events;
}

absl::StatusOr<uint64_t> SqliteEventStore::FirstRevisionReceivedSince(int64_t time_ms) const {
  absl::MutexLock lock(&reader_mu_);
  Statement select(reader_,
                   "SELECT revision FROM events WHERE received_ms >= ?1 "
                   "ORDER BY revision LIMIT 1");
  if (absl::Status status = select.status("preparing retention query"); !status.ok()) {
    return status;
  }
  select.BindInt(1, time_ms);
  int code = select.Step();
  if (code == SQLITE_ROW) return static_cast<uint64_t>(select.Int(0));
  if (code == SQLITE_DONE) return 0;
  return SqliteError(reader_, code, "retention query");
}

absl::Status SqliteEventStore::Compact(uint64_t first_kept) {
  Statement remove(writer_, "DELETE FROM events WHERE revision < ?1 AND revision < ?2");
  if (absl::Status status = remove.status("preparing compaction"); !status.ok()) return status;
  remove.BindInt(1, static_cast<int64_t>(first_kept));
  remove.BindInt(2, static_cast<int64_t>(head_.load()));  // The head always stays.
  if (int code = remove.Step(); code != SQLITE_DONE) {
    return SqliteError(writer_, code, "compacting");
  }
  return RefreshBounds();
}

absl::Status SqliteEventStore::SaveSnapshot(const StoredSnapshot& snapshot) {
  Statement save(writer_,
                 "INSERT OR REPLACE INTO snapshot (id, revision, state) VALUES (1, ?1, ?2)");
  if (absl::Status status = save.status("preparing snapshot"); !status.ok()) return status;
  save.BindInt(1, static_cast<int64_t>(snapshot.revision));
  save.BindBlob(2, snapshot.state);
  if (int code = save.Step(); code != SQLITE_DONE) {
    return SqliteError(writer_, code, "saving the snapshot");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<StoredSnapshot>> SqliteEventStore::LoadSnapshot() const {
  absl::MutexLock lock(&reader_mu_);
  Statement select(reader_, "SELECT revision, state FROM snapshot WHERE id = 1");
  if (absl::Status status = select.status("preparing snapshot read"); !status.ok()) {
    return status;
  }
  int code = select.Step();
  if (code == SQLITE_DONE) return std::optional<StoredSnapshot>();
  if (code != SQLITE_ROW) return SqliteError(reader_, code, "reading the snapshot");
  return std::optional<StoredSnapshot>(
      StoredSnapshot{.revision = static_cast<uint64_t>(select.Int(0)), .state = select.Blob(1)});
}

}  // namespace liveevents::service
