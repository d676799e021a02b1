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

void RotateNumbered(const std::string& path, int keep) {
  std::error_code ec;
  std::filesystem::remove(path + "." + std::to_string(keep), ec);
  for (int i = keep - 1; i >= 1; --i) {
    std::filesystem::rename(path + "." + std::to_string(i), path + "." + std::to_string(i + 1), ec);
  }
  std::filesystem::rename(path, path + ".1", ec);
}

}  // namespace berth
