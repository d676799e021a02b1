#include "base/files.h"

#include <fcntl.h>

#include <cerrno>
#include <filesystem>

namespace berth {

Status FsyncPath(const std::string& path, bool directory) {
  Fd fd(::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC));
  if (fd.get() < 0) return FailErrno("open " + path, errno);
  if (::fsync(fd.get()) != 0) return FailErrno("fsync " + path, errno);
  return {};
}

Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t mode) {
  const std::string tmp = path + ".tmp";
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (fd.get() < 0) return FailErrno("create " + tmp, errno);
  for (size_t done = 0; done < contents.size();) {
    const ssize_t n = ::write(fd.get(), contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return FailErrno("write " + tmp, errno);
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return FailErrno("fsync " + tmp, errno);
  fd.Reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return FailErrno("rename " + tmp, errno);
  const size_t slash = path.rfind('/');
  return FsyncDirectory(slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash));
}

void RotateNumbered(const std::string& path, int keep) {
  std::error_code ec;
  std::filesystem::remove(path + "." + std::to_string(keep), ec);
  for (int i = keep - 1; i >= 1; --i) {
    std::filesystem::rename(path + "." + std::to_string(i), path + "." + std::to_string(i + 1), ec);
  }
  std::filesystem::rename(path, path + ".1", ec);
}

}  // namespace berth
