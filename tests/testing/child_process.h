// Starts one of our binaries as a child process for end-to-end tests, reads the
// "listening <kind> <host:port>" line it prints when ready, and stops or kills it.
#ifndef LIVEEVENTS_TESTS_TESTING_CHILD_PROCESS_H_
#define LIVEEVENTS_TESTS_TESTING_CHILD_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace liveevents::testing {

class ChildProcess {
 public:
  // Runs `argv` (argv[0] is a path) with stdout piped to us and stderr inherited.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(const std::vector<std::string>& argv);
  ~ChildProcess();  // Kills the process if it still runs.

  // Reads stdout until a line "listening <kind> <address>" and returns the address.
  absl::StatusOr<std::string> WaitForListening(const std::string& kind, absl::Duration timeout);

  // Sends `signal` and waits (bounded) for the exit; returns the exit code, or 128+signal when
  // the process died from a signal.
  absl::StatusOr<int> Stop(int signal, absl::Duration timeout);

  pid_t pid() const { return pid_; }

 private:
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_;
  int stdout_fd_;
  bool exited_ = false;
  std::string buffered_;
};

// The folder holding the built binaries (set by CMake).
std::string BinaryPath(const std::string& name);

}  // namespace liveevents::testing

#endif  // LIVEEVENTS_TESTS_TESTING_CHILD_PROCESS_H_
