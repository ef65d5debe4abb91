#include "service/store/sqlite_checkpointer.h"

#include "absl/strings/str_cat.h"
#include "common/logging/log.h"

namespace liveevents::service {

absl::StatusOr<std::unique_ptr<SqliteCheckpointer>> SqliteCheckpointer::Start(
    const std::string& path, sqlite3* writer) {
  sqlite3* db = nullptr;
  int code =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (code != SQLITE_OK) {
    absl::Status status = absl::UnavailableError(absl::StrCat(
        "cannot open ", path, " for checkpoints: ", db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return status;
  }
  sqlite3_busy_timeout(db, 5000);
  // A connection learns that the database is in WAL mode from its first read; until then a
  // checkpoint would do nothing and report success.
  code = sqlite3_exec(db, "SELECT COUNT(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) {
    absl::Status status = absl::UnavailableError(
        absl::StrCat("cannot read ", path, " for checkpoints: ", sqlite3_errmsg(db)));
    sqlite3_close(db);
    return status;
  }
  // The hook replaces SQLite's automatic checkpoint on the writer's connection.
  std::unique_ptr<SqliteCheckpointer> checkpointer(new SqliteCheckpointer(db, writer));
  sqlite3_wal_hook(writer, &SqliteCheckpointer::OnWalCommit, checkpointer.get());
  return checkpointer;
}

SqliteCheckpointer::SqliteCheckpointer(sqlite3* db, sqlite3* writer)
    : db_(db), writer_(writer), thread_([this] { Loop(); }) {}

SqliteCheckpointer::~SqliteCheckpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = wake_ = true;
  }
  thread_.join();
  sqlite3_close(db_);
}

int64_t SqliteCheckpointer::completed() const {
  absl::MutexLock lock(&mu_);
  return completed_;
}

int SqliteCheckpointer::OnWalCommit(void* self, sqlite3*, const char*, int frames) {
  if (frames >= kDueFrames) {
    auto* checkpointer = static_cast<SqliteCheckpointer*>(self);
    absl::MutexLock lock(&checkpointer->mu_);
    checkpointer->wake_ = true;
  }
  return SQLITE_OK;
}

void SqliteCheckpointer::Loop() {
  bool reported = false;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&wake_));
      if (stopping_) return;
      wake_ = false;
    }
    // PASSIVE: copies what no reader still needs and never blocks the writer. BUSY only means
    // that another checkpoint is running; the next commit past the threshold asks again.
    int log_frames = 0;
    int copied_frames = 0;
    int code = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames,
                                         &copied_frames);
    if (code == SQLITE_OK && copied_frames > 0) {
      absl::MutexLock lock(&mu_);
      ++completed_;
    } else if (code != SQLITE_BUSY && !reported) {
      reported = true;  // Once: the log then grows until a checkpoint succeeds again.
      logging::Log(logging::Level::kError, "sqlite_checkpoint_failed",
                   {{"reason", sqlite3_errmsg(db_)}});
    }
  }
}

}  // namespace liveevents::service
