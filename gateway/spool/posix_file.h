// Thin POSIX file helpers for the gateway's spool: an owning descriptor, whole writes and reads at
// an offset, and the fsync calls durability needs, all reporting errno as absl::Status.
#ifndef LIVEEVENTS_GATEWAY_SPOOL_POSIX_FILE_H_
#define LIVEEVENTS_GATEWAY_SPOOL_POSIX_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace liveevents::gateway {

// Owns a file descriptor and closes it on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release();
  void Reset();

 private:
  int fd_ = -1;
};

// The status for the failed call `what` on `path`, from errno: NOT_FOUND for ENOENT,
// RESOURCE_EXHAUSTED for ENOSPC/EDQUOT, INTERNAL otherwise.
absl::Status ErrnoStatus(absl::string_view what, absl::string_view path);

// open(2) with mode 0644. `created` (optional) says whether O_CREAT made a new file.
absl::StatusOr<UniqueFd> OpenFile(const std::string& path, int flags, bool* created = nullptr);

// Writes all of `data` at `offset` (pwrite, retried on EINTR and short writes).
absl::Status WriteAllAt(int fd, absl::string_view data, uint64_t offset, absl::string_view path);

// Reads exactly `size` bytes at `offset`; DATA_LOSS when the file is shorter.
absl::StatusOr<std::string> ReadAt(int fd, uint64_t size, uint64_t offset, absl::string_view path);

// The whole content of the file at `path`.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// fdatasync(2): the written bytes (and the size) are on stable storage when this returns OK.
absl::Status SyncData(int fd, absl::string_view path);

// fsync of the directory itself, so that files created or removed in it survive a crash.
absl::Status SyncDir(const std::string& dir);

}  // namespace liveevents::gateway

#endif  // LIVEEVENTS_GATEWAY_SPOOL_POSIX_FILE_H_
