#include "service/store/sqlite_event_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/core/dedup_key.h"
#include "service/store/stored_event.h"

namespace liveevents::service {
namespace {

// Version 3 keeps each event once: its bytes without the revision, receive time and dedup key
// (stored_event.h), and a 64-bit hash of the key in a narrow table read at start (no index of
// random keys, whose pages every commit used to rewrite). Version 2 stored the whole event,
// its hex key again as a column and a unique index of the keys; it is converted on open.
// Version 1 (whole-state snapshots) is refused.
constexpr int kSchemaVersion = 3;

constexpr char kSchema[] = R"sql(
  PRAGMA journal_mode = WAL;
  PRAGMA synchronous = FULL;
  CREATE TABLE IF NOT EXISTS events (
    revision INTEGER PRIMARY KEY,
    received_ms INTEGER NOT NULL,
    event BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS dedup_hashes (
    revision INTEGER PRIMARY KEY,
    key_hash INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS state (
    key BLOB PRIMARY KEY,
    value BLOB NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS state_revision (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL);
)sql";

// Version 2 to 3 in one transaction: the old event bytes are kept as they are (reading
// replaces the fields they repeat), the hashes come from the old key column.
constexpr char kFromVersion2[] = R"sql(
  BEGIN IMMEDIATE;
  CREATE TABLE events_v3 (
    revision INTEGER PRIMARY KEY,
    received_ms INTEGER NOT NULL,
    event BLOB NOT NULL);
  INSERT INTO events_v3 SELECT revision, received_ms, event FROM events ORDER BY revision;
  CREATE TABLE dedup_hashes (
    revision INTEGER PRIMARY KEY,
    key_hash INTEGER NOT NULL);
  INSERT INTO dedup_hashes SELECT revision, dedup_key_hash(dedup_key) FROM events
    ORDER BY revision;
  DROP TABLE events;
  ALTER TABLE events_v3 RENAME TO events;
  PRAGMA user_version = 3;
  COMMIT;
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
  void BindBlob(int index, absl::string_view value) {
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
  absl::string_view Text(int column) {
    const unsigned char* data = sqlite3_column_text(statement_, column);
    return absl::string_view(reinterpret_cast<const char*>(data),
                             sqlite3_column_bytes(statement_, column));
  }
  std::string Blob(int column) { return std::string(BlobView(column)); }
  // Valid until the next Step or Reset.
  absl::string_view BlobView(int column) {
    const void* data = sqlite3_column_blob(statement_, column);
    return absl::string_view(static_cast<const char*>(data),
                             static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
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

// Runs a statement that returns no rows.
absl::Status Run(Statement& statement, sqlite3* db, const char* what) {
  if (int code = statement.Step(); code != SQLITE_DONE) return SqliteError(db, code, what);
  statement.Reset();
  return absl::OkStatus();
}

// dedup_key_hash(TEXT): DedupKeyHash, for converting version 2.
void DedupKeyHashFunction(sqlite3_context* context, int, sqlite3_value** arguments) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(arguments[0]));
  const int size = sqlite3_value_bytes(arguments[0]);
  sqlite3_result_int64(context, static_cast<int64_t>(DedupKeyHash(absl::string_view(
                                    text == nullptr ? "" : text, static_cast<size_t>(size)))));
}

absl::Status ConvertFromVersion2(sqlite3* db) {
  int code = sqlite3_create_function_v2(db, "dedup_key_hash", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                        nullptr, &DedupKeyHashFunction, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) return SqliteError(db, code, "converting schema version 2");
  absl::Status status = Exec(db, kFromVersion2, "converting schema version 2");
  if (!status.ok()) Exec(db, "ROLLBACK", "rollback").IgnoreError();  // Version 2 stays intact.
  return status;
}

// OK for a new database or one with this schema, after converting version 2; a clear refusal
// for one written by an earlier live-events, whose whole-state snapshots this version does not
// read, or by a later one.
absl::Status UpgradeSchema(sqlite3* db, const std::string& path) {
  int64_t found = 0;
  bool has_events = false;
  {  // Finalized before converting: DROP TABLE waits for no open statement.
    Statement version(db, "PRAGMA user_version");
    Statement tables(db, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'events'");
    if (absl::Status status = version.status("reading the schema version"); !status.ok()) {
      return status;
    }
    if (absl::Status status = tables.status("reading the schema"); !status.ok()) return status;
    if (version.Step() != SQLITE_ROW || tables.Step() != SQLITE_ROW) {
      return SqliteError(db, SQLITE_ERROR, "reading the schema version");
    }
    found = version.Int(0);
    has_events = tables.Int(0) != 0;
  }
  if (!has_events || found == kSchemaVersion) return absl::OkStatus();
  if (found == 2) return ConvertFromVersion2(db);
  return absl::FailedPreconditionError(absl::StrCat(
      path, " has schema version ", found, " (this server reads versions 2 and ", kSchemaVersion,
      "; version 1 predates the incremental state): start on an empty "
      "--data_dir (see docs/operations.md)"));
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
  absl::Status schema = UpgradeSchema(*writer, path);
  if (schema.ok()) schema = Exec(*writer, kSchema, "creating the schema");
  if (schema.ok()) {
    schema = Exec(*writer, absl::StrCat("PRAGMA user_version = ", kSchemaVersion).c_str(),
                  "writing the schema version");
  }
  if (absl::Status status = schema; !status.ok()) {
    sqlite3_close(*writer);
    return status;
  }
  absl::StatusOr<sqlite3*> reader = OpenConnection(path, SQLITE_OPEN_READONLY);
  absl::StatusOr<sqlite3*> lookup = OpenConnection(path, SQLITE_OPEN_READONLY);
  if (!reader.ok() || !lookup.ok()) {
    sqlite3_close(*writer);
    if (reader.ok()) sqlite3_close(*reader);
    if (lookup.ok()) sqlite3_close(*lookup);
    return reader.ok() ? lookup.status() : reader.status();
  }
  std::unique_ptr<SqliteEventStore> store(new SqliteEventStore(*writer, *reader, *lookup));
  if (absl::Status status = store->RefreshBounds(); !status.ok()) return status;
  absl::StatusOr<std::unique_ptr<SqliteCheckpointer>> checkpointer =
      SqliteCheckpointer::Start(path, *writer);
  if (!checkpointer.ok()) return checkpointer.status();
  store->checkpointer_ = std::move(*checkpointer);
  return store;
}

SqliteEventStore::SqliteEventStore(sqlite3* writer, sqlite3* reader, sqlite3* lookup)
    : writer_(writer), reader_(reader), lookup_(lookup) {}

SqliteEventStore::~SqliteEventStore() {
  checkpointer_.reset();
  sqlite3_close(lookup_);
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

absl::Status SqliteEventStore::Commit(absl::Span<const EventPtr> events,
                                      const StateChanges* state) {
  if (events.empty() && state == nullptr) return absl::OkStatus();
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
  absl::Status status = WriteEvents(events);
  if (status.ok() && state != nullptr) status = WriteState(*state, expected);
  if (status.ok()) status = Exec(writer_, "COMMIT", "commit");
  if (!status.ok()) {
    Exec(writer_, "ROLLBACK", "rollback").IgnoreError();  // Nothing of the batch stays.
    return status;
  }
  if (!events.empty()) {
    if (oldest_.load() == 0) oldest_ = events.front()->revision();
    head_ = events.back()->revision();
  }
  return absl::OkStatus();
}

absl::Status SqliteEventStore::WriteEvents(absl::Span<const EventPtr> events) {
  if (events.empty()) return absl::OkStatus();
  Statement insert(writer_,
                   "INSERT INTO events (revision, received_ms, event) VALUES (?1, ?2, ?3)");
  Statement hash(writer_, "INSERT INTO dedup_hashes (revision, key_hash) VALUES (?1, ?2)");
  absl::Status status = insert.status("preparing insert");
  if (status.ok()) status = hash.status("preparing insert");
  for (size_t i = 0; status.ok() && i < events.size(); ++i) {
    const v1::Event& event = *events[i];
    const auto revision = static_cast<int64_t>(event.revision());
    insert.BindInt(1, revision);
    insert.BindInt(2, event.received_time_ms());
    insert.BindBlob(3, EncodeStoredEvent(event));
    status = Run(insert, writer_, "appending an event");
    if (!status.ok()) break;
    hash.BindInt(1, revision);
    hash.BindInt(2, static_cast<int64_t>(DedupKeyHash(event.dedup_key())));
    status = Run(hash, writer_, "appending an event's key hash");
  }
  return status;
}

absl::Status SqliteEventStore::WriteState(const StateChanges& state, uint64_t revision) {
  Statement erase_range(writer_, "DELETE FROM state WHERE key >= ?1 AND key < ?2");
  Statement erase(writer_, "DELETE FROM state WHERE key = ?1");
  Statement write(writer_, "INSERT OR REPLACE INTO state (key, value) VALUES (?1, ?2)");
  Statement mark(writer_, "INSERT OR REPLACE INTO state_revision (id, revision) VALUES (1, ?1)");
  for (const Statement* statement : {&erase_range, &erase, &write, &mark}) {
    if (absl::Status status = statement->status("preparing a state write"); !status.ok()) {
      return status;
    }
  }
  if (state.replace_all) {
    if (absl::Status status = Exec(writer_, "DELETE FROM state", "clearing the state");
        !status.ok()) {
      return status;
    }
  }
  absl::Status status;
  for (const std::string& prefix : state.erased_prefixes) {
    if (!status.ok()) break;
    erase_range.BindBlob(1, prefix);
    erase_range.BindBlob(2, PrefixEnd(prefix));
    status = Run(erase_range, writer_, "erasing state rows");
  }
  for (const std::string& key : state.erased) {
    if (!status.ok()) break;
    erase.BindBlob(1, key);
    status = Run(erase, writer_, "erasing a state row");
  }
  for (const StateRow& row : state.written) {
    if (!status.ok()) break;
    write.BindBlob(1, row.key);
    write.BindBlob(2, row.value);
    status = Run(write, writer_, "writing a state row");
  }
  if (!status.ok()) return status;
  mark.BindInt(1, static_cast<int64_t>(revision));
  return Run(mark, writer_, "writing the state revision");
}

absl::StatusOr<std::vector<EventPtr>> SqliteEventStore::ReadAfter(uint64_t after_revision,
                                                                  size_t limit) const {
  // SQLite integers are signed: nothing lies beyond INT64_MAX, and a larger limit means "all".
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  if (after_revision >= kMax || limit == 0) return std::vector<EventPtr>();
  limit = std::min<uint64_t>(limit, kMax);
  absl::MutexLock lock(&reader_mu_);
  Statement select(reader_,
                   "SELECT revision, received_ms, event FROM events WHERE revision > ?1 "
                   "ORDER BY revision LIMIT ?2");
  if (absl::Status status = select.status("preparing read"); !status.ok()) return status;
  select.BindInt(1, static_cast<int64_t>(after_revision));
  select.BindInt(2, static_cast<int64_t>(limit));
  std::vector<EventPtr> events;
  int code;
  while ((code = select.Step()) == SQLITE_ROW) {
    auto event = std::make_shared<v1::Event>();
    absl::Status status =
        DecodeStoredEvent(select.BlobView(2), select.Int(0), select.Int(1), *event);
    if (!status.ok()) return status;
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
  // The head always stays.
  first_kept = std::min<uint64_t>({first_kept, head_.load(), std::numeric_limits<int64_t>::max()});
  Statement events(writer_, "DELETE FROM events WHERE revision < ?1");
  Statement hashes(writer_, "DELETE FROM dedup_hashes WHERE revision < ?1");
  for (Statement* remove : {&events, &hashes}) {
    if (absl::Status status = remove->status("preparing compaction"); !status.ok()) return status;
    remove->BindInt(1, static_cast<int64_t>(first_kept));
  }
  if (absl::Status status = Exec(writer_, "BEGIN IMMEDIATE", "begin"); !status.ok()) {
    return status;
  }
  absl::Status status = Run(events, writer_, "compacting");
  if (status.ok()) status = Run(hashes, writer_, "compacting");
  if (status.ok()) status = Exec(writer_, "COMMIT", "commit");
  if (!status.ok()) {
    Exec(writer_, "ROLLBACK", "rollback").IgnoreError();
    return status;
  }
  return RefreshBounds();
}

absl::StatusOr<std::optional<std::string>> SqliteEventStore::DedupKeyAt(uint64_t revision) const {
  if (revision > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return std::optional<std::string>();
  }
  absl::MutexLock lock(&lookup_mu_);
  Statement select(lookup_, "SELECT received_ms, event FROM events WHERE revision = ?1");
  if (absl::Status status = select.status("preparing a dedup lookup"); !status.ok()) {
    return status;
  }
  select.BindInt(1, static_cast<int64_t>(revision));
  int code = select.Step();
  if (code == SQLITE_DONE) return std::optional<std::string>();
  if (code != SQLITE_ROW) return SqliteError(lookup_, code, "dedup lookup");
  v1::Event event;
  absl::Status status = DecodeStoredEvent(select.BlobView(1), revision, select.Int(0), event);
  if (!status.ok()) return status;
  return std::optional<std::string>(std::move(*event.mutable_dedup_key()));
}

absl::Status SqliteEventStore::ForEachDedupHash(
    absl::FunctionRef<void(uint64_t revision, uint64_t key_hash)> visit) const {
  absl::MutexLock lock(&reader_mu_);
  Statement select(reader_, "SELECT revision, key_hash FROM dedup_hashes");
  if (absl::Status status = select.status("preparing the dedup scan"); !status.ok()) {
    return status;
  }
  int code;
  while ((code = select.Step()) == SQLITE_ROW) {
    visit(static_cast<uint64_t>(select.Int(0)), static_cast<uint64_t>(select.Int(1)));
  }
  return code == SQLITE_DONE ? absl::OkStatus() : SqliteError(reader_, code, "dedup scan");
}

absl::StatusOr<StoredState> SqliteEventStore::LoadState() const {
  absl::MutexLock lock(&reader_mu_);
  StoredState stored;
  Statement revision(reader_, "SELECT revision FROM state_revision WHERE id = 1");
  Statement rows(reader_, "SELECT key, value FROM state ORDER BY key");
  for (const Statement* statement : {&revision, &rows}) {
    if (absl::Status status = statement->status("preparing the state read"); !status.ok()) {
      return status;
    }
  }
  int code = revision.Step();
  if (code == SQLITE_ROW) stored.revision = revision.Int(0);
  if (code != SQLITE_ROW && code != SQLITE_DONE) {
    return SqliteError(reader_, code, "reading the state revision");
  }
  while ((code = rows.Step()) == SQLITE_ROW) {
    stored.rows.push_back({.key = rows.Blob(0), .value = rows.Blob(1)});
  }
  if (code != SQLITE_DONE) return SqliteError(reader_, code, "reading the state");
  return stored;
}

}  // namespace liveevents::service
