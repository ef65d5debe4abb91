// SqliteEventStore against the EventStore contract shared by every store, plus what only a
// file-backed store has: reopening keeps everything.
#include "service/store/sqlite_event_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/service/store/event_store_contract.h"

namespace liveevents::service::testing {
namespace {

// A fresh database file per store; the folder is removed when the test binary exits.
std::string FreshDatabasePath() {
  static const std::filesystem::path dir = [] {
    auto path = std::filesystem::temp_directory_path() /
                (absl::StrCat("liveevents-sqlite-test-", ::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
    std::atexit([] { std::filesystem::remove_all(dir); });
    return path;
  }();
  static std::atomic<int> counter{0};
  return (dir / (absl::StrCat("journal-", counter++) + ".db")).string();
}

std::unique_ptr<EventStore> MakeSqliteStore() {
  auto store = SqliteEventStore::Open(FreshDatabasePath());
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, EventStoreContractTest,
                         ::testing::Values(EventStoreFactory{"Sqlite", MakeSqliteStore}),
                         EventStoreFactoryName);

TEST(SqliteEventStoreTest, ReopeningKeepsEventsBoundsAndState) {
  const std::string path = FreshDatabasePath();
  {
    auto store = SqliteEventStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    std::vector<EventPtr> batch;
    for (uint64_t revision = 1; revision <= 3; ++revision) {
      auto event = std::make_shared<v1::Event>();
      event->set_revision(revision);
      event->set_command("Live.CallbackAfterCreateRoom");
      event->set_raw_body(absl::StrCat("{\"RoomId\":\"r", revision, "\"}"));
      event->set_dedup_key(ComputeDedupKey(*event));
      batch.push_back(std::move(event));
    }
    StateChanges state;
    state.written = {{.key = "room", .value = "state"}};
    ASSERT_TRUE((*store)->Commit(batch, &state).ok());
  }
  auto reopened = SqliteEventStore::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->HeadRevision(), 3u);
  EXPECT_EQ((*reopened)->OldestRevision(), 1u);
  auto events = (*reopened)->ReadAfter(1, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1]->dedup_key(), ComputeDedupKey(*(*events)[1]));
  EXPECT_EQ((*events)[1]->raw_body(), "{\"RoomId\":\"r3\"}");
  auto state = (*reopened)->LoadState();
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->revision, 3u);
  ASSERT_EQ(state->rows.size(), 1u);
  EXPECT_EQ(state->rows[0].value, "state");
}

// Runs `sql` on the database at `path`.
void ExecOnFile(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
  sqlite3_free(error);
  sqlite3_close(db);
}

// A single integer the query returns.
int64_t QueryInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_stmt* statement = nullptr;
  int64_t value = -1;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    value = sqlite3_column_int64(statement, 0);
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

// A database written before the state was kept as rows (schema version 0, with whole-state
// snapshots) is refused with the remedy, not misread; so is one from a later live-events.
TEST(SqliteEventStoreTest, ADatabaseFromAnotherSchemaIsRefusedWithTheRemedy) {
  for (const char* version : {"0", "1", "4"}) {
    const std::string path = FreshDatabasePath();
    ExecOnFile(path, absl::StrCat("CREATE TABLE events (revision INTEGER PRIMARY KEY, dedup_key "
                                  "TEXT NOT NULL UNIQUE, received_ms INTEGER NOT NULL, event "
                                  "BLOB NOT NULL); CREATE TABLE snapshot (id INTEGER PRIMARY "
                                  "KEY, revision INTEGER, state BLOB); PRAGMA user_version = ",
                                  version, ";"));
    auto store = SqliteEventStore::Open(path);
    ASSERT_FALSE(store.ok()) << version;
    EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_TRUE(absl::StrContains(store.status().message(), "empty --data_dir")) << store.status();
  }
}

// Each event is stored once: none of revision, receive time and dedup key is repeated inside
// the stored bytes, and the key is not a column or an index.
TEST(SqliteEventStoreTest, StoresEachEventOnceAndReadsItBackWhole) {
  const std::string path = FreshDatabasePath();
  auto store = SqliteEventStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  const EventPtr event = MakeStoredEvent(1);
  ASSERT_TRUE((*store)->Append({event}).ok());

  v1::Event without = *event;
  without.clear_revision();
  without.clear_received_time_ms();
  without.clear_dedup_key();
  EXPECT_EQ(QueryInt(path, "SELECT length(event) FROM events WHERE revision = 1"),
            static_cast<int64_t>(without.ByteSizeLong()));
  EXPECT_EQ(QueryInt(path, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index'"), 0);
  EXPECT_EQ(QueryInt(path, "SELECT key_hash FROM dedup_hashes WHERE revision = 1"),
            static_cast<int64_t>(DedupKeyHash(event->dedup_key())));
  auto read = (*store)->ReadAfter(0, 1);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 1u);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*(*read)[0], *event));
}

// Schema version 2 (the whole event, its hex key as a unique column) is converted on open:
// the same events, hashes and state, and version 3 from then on.
TEST(SqliteEventStoreTest, ConvertsSchemaVersion2) {
  const std::string path = FreshDatabasePath();
  std::string inserts;
  for (uint64_t revision = 1; revision <= 3; ++revision) {
    const EventPtr event = MakeStoredEvent(revision);
    inserts += absl::StrCat("INSERT INTO events VALUES (", revision, ", '", event->dedup_key(),
                            "', ", event->received_time_ms(), ", x'",
                            absl::BytesToHexString(event->SerializeAsString()), "');");
  }
  ExecOnFile(path, absl::StrCat(R"sql(
      PRAGMA journal_mode = WAL;
      CREATE TABLE events (revision INTEGER PRIMARY KEY, dedup_key TEXT NOT NULL UNIQUE,
                           received_ms INTEGER NOT NULL, event BLOB NOT NULL);
      CREATE TABLE state (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE state_revision (id INTEGER PRIMARY KEY CHECK (id = 1),
                                   revision INTEGER NOT NULL);
      INSERT INTO state VALUES (x'01', x'02');
      INSERT INTO state_revision VALUES (1, 3);
      PRAGMA user_version = 2;)sql",
                                inserts));

  for (int open = 0; open < 2; ++open) {  // Converted once, then read as version 3.
    auto store = SqliteEventStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ((*store)->HeadRevision(), 3u + open);
    auto events = (*store)->ReadAfter(0, 10);
    ASSERT_TRUE(events.ok()) << events.status();
    ASSERT_EQ(events->size(), 3u + open);
    std::map<uint64_t, uint64_t> hashes;
    ASSERT_TRUE((*store)
                    ->ForEachDedupHash([&](uint64_t revision, uint64_t key_hash) {
                      hashes.emplace(revision, key_hash);
                    })
                    .ok());
    for (uint64_t revision = 1; revision <= 3; ++revision) {
      const EventPtr expected = MakeStoredEvent(revision);
      EXPECT_TRUE(
          google::protobuf::util::MessageDifferencer::Equals(*(*events)[revision - 1], *expected));
      EXPECT_EQ(hashes[revision], DedupKeyHash(expected->dedup_key()));
    }
    auto state = (*store)->LoadState();
    ASSERT_TRUE(state.ok()) << state.status();
    EXPECT_EQ(state->revision, 3u);
    ASSERT_EQ(state->rows.size(), 1u);
    EXPECT_EQ(state->rows[0].value, "\x02");
    ASSERT_TRUE((*store)->Append({MakeStoredEvent(4 + open)}).ok());
  }
  EXPECT_EQ(QueryInt(path, "PRAGMA user_version"), 3);
}

// Commits only append to the write-ahead log; the checkpointer's own thread copies it back.
TEST(SqliteEventStoreTest, CheckpointsRunOffTheCommitPath) {
  const std::string path = FreshDatabasePath();
  auto store = SqliteEventStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  // Enough pages for the log to pass the threshold: 4 KiB bodies, one page each at least.
  std::vector<EventPtr> batch;
  for (uint64_t revision = 1; revision <= SqliteCheckpointer::kDueFrames + 100; ++revision) {
    auto event = std::make_shared<v1::Event>(*MakeStoredEvent(revision));
    event->set_raw_body(std::string(4096, 'x') + std::to_string(revision));
    event->set_dedup_key(ComputeDedupKey(*event));
    batch.push_back(std::move(event));
    if (batch.size() == 100) {
      ASSERT_TRUE((*store)->Append(batch).ok());
      batch.clear();
    }
  }
  ASSERT_TRUE((*store)->Append(batch).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while ((*store)->checkpoints() == 0 && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(5));
  EXPECT_GE((*store)->checkpoints(), 1);
  // The database file itself now holds the events, not only the log.
  EXPECT_GT(std::filesystem::file_size(path), uintmax_t{4096} * SqliteCheckpointer::kDueFrames / 2);
  auto read = (*store)->ReadAfter(1000, 10);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->size(), 10u);
}

TEST(SqliteEventStoreTest, OpeningAnUnwritablePathFails) {
  EXPECT_FALSE(SqliteEventStore::Open("/proc/no-such-dir/journal.db").ok());
}

}  // namespace
}  // namespace liveevents::service::testing
