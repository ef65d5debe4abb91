// Copies the SQLite write-ahead log back into the database on a thread of its own. SQLite's
// automatic checkpoint runs inside the COMMIT that crosses the threshold, so every thousandth
// page or so one group commit also copied the log and synced the database file: an ack
// latency spike for every webhook in that batch. Here commits only append to the log.
#ifndef LIVEEVENTS_SERVICE_STORE_SQLITE_CHECKPOINTER_H_
#define LIVEEVENTS_SERVICE_STORE_SQLITE_CHECKPOINTER_H_

#include <sqlite3.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace liveevents::service {

class SqliteCheckpointer {
 public:
  // Log pages after which a checkpoint is due (SQLite's own default threshold).
  static constexpr int kDueFrames = 1000;

  // Opens its own connection to `path` and takes over checkpoints of `writer`'s log (which
  // must outlive it).
  static absl::StatusOr<std::unique_ptr<SqliteCheckpointer>> Start(const std::string& path,
                                                                   sqlite3* writer);
  ~SqliteCheckpointer();  // Stops the thread (a running checkpoint finishes first).

  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

  // Checkpoints that copied something, so far (for tests).
  int64_t completed() const;

 private:
  SqliteCheckpointer(sqlite3* db, sqlite3* writer);
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int frames);
  void Loop();

  sqlite3* const db_;  // Used by the thread only.
  sqlite3* const writer_;
  mutable absl::Mutex mu_;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;  // A checkpoint is due, or stopping_.
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t completed_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace liveevents::service

#endif  // LIVEEVENTS_SERVICE_STORE_SQLITE_CHECKPOINTER_H_
