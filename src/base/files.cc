#include "base/files.h"

#include <fcntl.h>

#include <cerrno>

namespace berth {

Status FsyncPath(const std::string& path, bool directory) {
  Fd fd(::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC));
  if (fd.get() < 0) return FailErrno("open " + path, errno);
  if (::fsync(fd.get()) != 0) return FailErrno("fsync " + path, errno);
  return {};
}

}  // namespace berth
