#include "gateway/spool/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace liveevents::gateway {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = other.Release();
  }
  return *this;
}

int UniqueFd::Release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::Reset() {
  // close(2) errors are not actionable here: every write that matters was already fsync'd.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

absl::Status ErrnoStatus(absl::string_view what, absl::string_view path) {
  const int error = errno;
  const std::string message = absl::StrCat(what, " ", path, ": ", std::strerror(error));
  if (error == ENOENT) return absl::NotFoundError(message);
  if (error == ENOSPC || error == EDQUOT) return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

absl::StatusOr<UniqueFd> OpenFile(const std::string& path, int flags, bool* created) {
  if (created != nullptr) {
    // O_EXCL first tells whether this call made the file; fall back to opening the existing one.
    UniqueFd fd(::open(path.c_str(), flags | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd.valid()) {
      *created = true;
      return fd;
    }
    if (errno != EEXIST) return ErrnoStatus("open", path);
    *created = false;
    flags &= ~O_CREAT;
  }
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, 0644));
  if (!fd.valid()) return ErrnoStatus("open", path);
  return fd;
}

absl::Status WriteAllAt(int fd, absl::string_view data, uint64_t offset, absl::string_view path) {
  while (!data.empty()) {
    const ssize_t written = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path);
    }
    data.remove_prefix(static_cast<size_t>(written));
    offset += static_cast<uint64_t>(written);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadAt(int fd, uint64_t size, uint64_t offset, absl::string_view path) {
  std::string data(size, '\0');
  uint64_t done = 0;
  while (done < size) {
    const ssize_t got =
        ::pread(fd, data.data() + done, size - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path);
    }
    if (got == 0) {
      return absl::DataLossError(absl::StrCat(path, " ends before ", offset + size, " bytes"));
    }
    done += static_cast<uint64_t>(got);
  }
  return data;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  absl::StatusOr<UniqueFd> fd = OpenFile(path, O_RDONLY);
  if (!fd.ok()) return fd.status();
  struct stat info;
  if (::fstat(fd->get(), &info) != 0) return ErrnoStatus("stat", path);
  return ReadAt(fd->get(), static_cast<uint64_t>(info.st_size), 0, path);
}

absl::Status SyncData(int fd, absl::string_view path) {
  if (::fdatasync(fd) != 0) return ErrnoStatus("fdatasync", path);
  return absl::OkStatus();
}

absl::Status SyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open directory", dir);
  if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync directory", dir);
  return absl::OkStatus();
}

}  // namespace liveevents::gateway
