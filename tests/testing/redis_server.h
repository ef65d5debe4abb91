// A real redis-server for tests: started on a free loopback port with its data in a folder of
// the test's own, AOF with fsync on every write (so a kill -9 loses nothing acknowledged), and
// killed with the test. Fails clearly when redis-server is not installed: the tests need it, and
// scripts/install-deps.sh installs it.
#ifndef LIVEEVENTS_TESTS_TESTING_REDIS_SERVER_H_
#define LIVEEVENTS_TESTS_TESTING_REDIS_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "service/store/redis/redis_connection.h"

namespace liveevents::testing {

class RedisServer {
 public:
  // Starts redis-server (found on PATH, or $LIVEEVENTS_REDIS_SERVER) with its data in `dir`
  // (created if needed) and `extra_args` (e.g. {"--requirepass", "secret"}), and waits until it
  // answers and has loaded its data. Call from the test's main thread: the server is killed
  // when that thread exits.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(
      std::string dir, std::vector<std::string> extra_args = {});
  ~RedisServer();  // Kills the server if it runs.
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // SIGKILL, as a crash would; waits for the exit.
  void Kill();
  // Starts it again on the same port and folder (after Kill), and waits until it is ready.
  absl::Status Restart();

  const std::string& host() const { return host_; }
  int port() const { return port_; }
  service::redis::RedisAddress address() const { return {host_, port_}; }
  bool running() const { return pid_ > 0; }

  // A free loopback port: bound with port 0 and released, so a race with another process is
  // possible; Start retries with a new one when the server cannot bind.
  static absl::StatusOr<int> PickFreePort();

 private:
  RedisServer(std::string dir, std::vector<std::string> extra_args)
      : dir_(std::move(dir)), extra_args_(std::move(extra_args)) {}
  // Forks and execs the server on `port_`, then waits for it; an error when it exited or did
  // not answer in time.
  absl::Status Launch();
  absl::Status WaitUntilReady();
  std::string ReadLog() const;
  std::string LogTail() const;

  const std::string host_ = "127.0.0.1";
  const std::string dir_;
  const std::vector<std::string> extra_args_;
  std::string binary_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace liveevents::testing

#endif  // LIVEEVENTS_TESTS_TESTING_REDIS_SERVER_H_
