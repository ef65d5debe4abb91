#include "tests/testing/redis_server.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace liveevents::testing {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(30);
constexpr int kStartAttempts = 5;

absl::StatusOr<std::string> FindRedisServer() {
  if (const char* configured = std::getenv("LIVEEVENTS_REDIS_SERVER"); configured != nullptr) {
    if (access(configured, X_OK) == 0) return std::string(configured);
    return absl::FailedPreconditionError(
        absl::StrCat("LIVEEVENTS_REDIS_SERVER=", configured, " is not an executable"));
  }
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path == nullptr ? "" : path, ':')) {
    std::string candidate = absl::StrCat(dir, "/redis-server");
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::FailedPreconditionError(
      "redis-server is not installed (not on PATH, LIVEEVENTS_REDIS_SERVER unset); the Redis "
      "tests need it: run scripts/install-deps.sh or apt-get install redis-server");
}

}  // namespace

absl::StatusOr<int> RedisServer::PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!ok) return absl::InternalError("binding a loopback port failed");
  return ntohs(address.sin_port);
}

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(
    std::string dir, std::vector<std::string> extra_args) {
  std::unique_ptr<RedisServer> server(new RedisServer(std::move(dir), std::move(extra_args)));
  absl::StatusOr<std::string> binary = FindRedisServer();
  if (!binary.ok()) return binary.status();
  server->binary_ = *binary;
  std::error_code error;
  std::filesystem::create_directories(server->dir_, error);
  if (error) return absl::InternalError(absl::StrCat("creating ", server->dir_, " failed"));
  absl::Status launched;
  // Another process may take the port between PickFreePort and the server's bind: try anew.
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    absl::StatusOr<int> port = PickFreePort();
    if (!port.ok()) return port.status();
    server->port_ = *port;
    launched = server->Launch();
    if (launched.ok()) return server;
  }
  return launched;
}

RedisServer::~RedisServer() { Kill(); }

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

absl::Status RedisServer::Restart() {
  Kill();
  absl::Status launched;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    launched = Launch();
    if (launched.ok()) return launched;
  }
  return launched;
}

absl::Status RedisServer::Launch() {
  // Durable as production should be: the AOF fsynced on every write, no RDB snapshots.
  const std::pair<const char*, std::string> flags[] = {
      {"--port", absl::StrCat(port_)},
      {"--bind", host_},
      {"--dir", dir_},
      {"--logfile", absl::StrCat(dir_, "/redis.log")},
      {"--save", ""},
      {"--appendonly", "yes"},
      {"--appendfsync", "always"},
      {"--daemonize", "no"},
  };
  std::vector<std::string> argv = {binary_};
  for (const auto& [flag, value] : flags) {
    argv.push_back(flag);
    argv.push_back(value);
  }
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    // Die with the test (see tests/testing/child_process.cc): a test killed at ctest's timeout
    // must not leave a server behind.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    execv(args[0], args.data());
    _exit(127);
  }
  pid_ = pid;
  absl::Status ready = WaitUntilReady();
  if (!ready.ok()) Kill();
  return ready;
}

absl::Status RedisServer::WaitUntilReady() {
  // Redis logs "Ready to accept connections" once it listens and has replayed its AOF. Before
  // that it may answer LOADING, and even report loading:0 between two AOF files, so its log is
  // the one reliable signal. The log grows across restarts: look only past what was there.
  const size_t seen = ReadLog().size();
  const absl::Time deadline = absl::Now() + kStartTimeout;
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(
          absl::StrCat("redis-server on port ", port_, " exited at start; log:\n", LogTail()));
    }
    const std::string log = ReadLog();
    if (log.size() > seen &&
        absl::StrContains(absl::string_view(log).substr(seen), "Ready to accept connections")) {
      return absl::OkStatus();
    }
    // Polling: the server offers nothing else to wait on.
    absl::SleepFor(absl::Milliseconds(5));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("redis-server on port ", port_, " did not get ready; log:\n", LogTail()));
}

std::string RedisServer::ReadLog() const {
  std::ifstream file(absl::StrCat(dir_, "/redis.log"), std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string RedisServer::LogTail() const {
  std::string log = ReadLog();
  constexpr size_t kTail = 2000;
  return log.size() > kTail ? log.substr(log.size() - kTail) : log;
}

}  // namespace liveevents::testing
