#include "blob/fs/fs_backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <set>

#include "base/files.h"
#include "blob/fs/fs_blob_store.h"

namespace berth::blob::fs {
namespace {

// Makes each directory of `relative_dir` under `root` once, recording it in `made` (which
// CopyBlobs fsyncs at the end: their new entries are durable only then).
Status MakeDirectories(const std::string& root, const std::string& relative_dir,
                       std::set<std::string>& made) {
  std::string path = root;
  size_t start = 0;
  while (start <= relative_dir.size()) {
    size_t slash = relative_dir.find('/', start);
    if (slash == std::string::npos) slash = relative_dir.size();
    path += "/" + relative_dir.substr(start, slash - start);
    if (!made.contains(path)) {
      if (::mkdir(path.c_str(), 0750) != 0 && errno != EEXIST) return FailErrno("mkdir " + path, errno);
      made.insert(path);
    }
    start = slash + 1;
  }
  return {};
}

// Copies with copy_file_range, which stays in the kernel (and shares extents where the file
// system can); then fsyncs, and renames into place so a crash never leaves half a blob.
Result<uint64_t> CopyFile(const std::string& from, const std::string& to) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return FailErrno("open " + from, errno);
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) return FailErrno("stat " + from, errno);
  const std::string partial = to + ".partial";
  uint64_t done = 0;
  {
    Fd out(::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
    if (out.get() < 0) return FailErrno("create " + partial, errno);
    const auto size = static_cast<uint64_t>(st.st_size);
    while (done < size) {
      ssize_t n = ::copy_file_range(in.get(), nullptr, out.get(), nullptr, size - done, 0);
      if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) {
        // Old kernels and some file systems: a bounded buffer keeps memory flat.
        char buffer[1 << 16];
        ssize_t r = ::pread(in.get(), buffer, sizeof buffer, static_cast<off_t>(done));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return FailErrno("read " + from, errno);
        if (r == 0) break;
        for (ssize_t w = 0; w < r;) {
          ssize_t k = ::pwrite(out.get(), buffer + w, static_cast<size_t>(r - w), static_cast<off_t>(done) + w);
          if (k < 0 && errno == EINTR) continue;
          if (k < 0) return FailErrno("write " + partial, errno);
          w += k;
        }
        n = r;
      } else if (n < 0) {
        if (errno == EINTR) continue;
        return FailErrno("copy " + from, errno);
      }
      if (n == 0) break;
      done += static_cast<uint64_t>(n);
    }
    if (done != size) return Fail(Code::kInternal, from + " shrank while it was copied");
    if (::fsync(out.get()) != 0) return FailErrno("fsync " + partial, errno);
  }
  if (::rename(partial.c_str(), to.c_str()) != 0) return FailErrno("rename " + partial, errno);
  return done;
}

}  // namespace

Result<CopyStats> CopyBlobs(const std::string& from_root, const std::string& to_root,
                            const std::vector<oci::Digest>& digests, CopyMode mode) {
  CopyStats stats;
  std::set<std::string> made_dirs;
  bool try_link = mode == CopyMode::kLinkWherePossible;
  for (const oci::Digest& digest : digests) {
    if (digest.algorithm() != oci::DigestAlgorithm::kSha256) continue;  // never stored
    const std::string relative = BlobRelativePath(digest);
    const std::string relative_dir = relative.substr(0, relative.rfind('/'));
    const std::string from = from_root + "/" + relative;
    const std::string to = to_root + "/" + relative;
    BERTH_TRY(MakeDirectories(to_root, relative_dir, made_dirs));
    if (::access(from.c_str(), F_OK) != 0) {
      return Fail(Code::kNotFound, "blob " + digest.str() + " is in the metadata but not at " + from);
    }
    if (try_link) {
      if (::link(from.c_str(), to.c_str()) == 0 || errno == EEXIST) {
        ++stats.linked;
        continue;
      }
      // Another file system, or one without hard links: copy this and every later blob.
      if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != ENOTSUP) {
        return FailErrno("link " + from, errno);
      }
      try_link = false;
    }
    BERTH_ASSIGN(uint64_t bytes, CopyFile(from, to));
    ++stats.copied;
    stats.bytes_copied += bytes;
  }
  // New directory entries are durable only once their directories are.
  for (const std::string& dir : made_dirs) BERTH_TRY(FsyncDirectory(dir));
  return stats;
}

}  // namespace berth::blob::fs
