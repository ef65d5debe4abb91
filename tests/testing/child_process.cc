#include "tests/testing/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace liveevents::testing {

std::string BinaryPath(const std::string& name) {
  return absl::StrCat(LIVEEVENTS_BIN_DIR, "/", name);
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    // Die with the test: a test that aborts or is killed at ctest's timeout must not leave a
    // server behind holding ctest's output pipe open (ctest would wait for it forever). Tests
    // start children from their main thread, whose exit is the process's.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // The test died before prctl took effect.
    dup2(pipe_fds[1], STDOUT_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, pipe_fds[0]));
}

ChildProcess::~ChildProcess() {
  if (!exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  close(stdout_fd_);
}

absl::StatusOr<std::string> ChildProcess::WaitForListening(const std::string& kind,
                                                           absl::Duration timeout) {
  const std::string prefix = absl::StrCat("listening ", kind, " ");
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    for (size_t end; (end = buffered_.find('\n')) != std::string::npos;) {
      std::string line = buffered_.substr(0, end);
      buffered_.erase(0, end + 1);
      if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
    }
    const int wait_ms = static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (wait_ms <= 0) return absl::DeadlineExceededError("no '" + prefix + "' line in time");
    pollfd fd{.fd = stdout_fd_, .events = POLLIN, .revents = 0};
    if (poll(&fd, 1, wait_ms) <= 0) continue;
    char chunk[4096];
    const ssize_t n = read(stdout_fd_, chunk, sizeof(chunk));
    if (n <= 0) return absl::UnavailableError("the process closed its stdout before listening");
    buffered_.append(chunk, static_cast<size_t>(n));
  }
}

absl::StatusOr<int> ChildProcess::Stop(int signal, absl::Duration timeout) {
  if (exited_) return absl::FailedPreconditionError("already stopped");
  kill(pid_, signal);
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exited_ = true;
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return WEXITSTATUS(status);
    }
    // Polling waitpid: a child's exit has no file descriptor to wait on here.
    pollfd none{};
    poll(&none, 0, 10);
  }
  return absl::DeadlineExceededError("the process did not exit in time");
}

}  // namespace liveevents::testing
