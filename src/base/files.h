// base/files.h
//
// The small POSIX file helpers every durable write needs: an owned descriptor, and fsync of a
// file or directory by path (a rename or link is durable only once its directory is).
#pragma once

#include <unistd.h>

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>

#include "base/error.h"

namespace berth {

// Owns a file descriptor; closes it when destroyed.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    Reset();
    fd_ = std::exchange(other.fd_, -1);
    return *this;
  }
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// fsyncs the file or directory at `path`.
Status FsyncPath(const std::string& path, bool directory);
inline Status FsyncDirectory(const std::string& dir) { return FsyncPath(dir, true); }

// Replaces the file at `path` with `contents` whole, or not at all: written to `path`.tmp with
// `mode`, fsync'd, renamed into place, and the directory fsync'd.
Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode);

// Shifts `path` to `path`.1, `path`.1 to `path`.2 and so on, dropping `path`.`keep` (log
// rotation). Missing files are skipped.
void RotateNumbered(const std::string& path, int keep);

}  // namespace berth
