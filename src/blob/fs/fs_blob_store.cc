#include "blob/fs/fs_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "base/files.h"
#include "crypto/sha256.h"

namespace berth::blob::fs {
namespace {

Status MakeDirectory(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) return FailErrno("mkdir " + dir, errno);
  return {};
}

class FsReader final : public BlobReader {
 public:
  FsReader(Fd fd, uint64_t size) : fd_(std::move(fd)), size_(size) {}
  uint64_t size() const override { return size_; }
  int native_fd() const override { return fd_.get(); }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override {
    while (true) {
      ssize_t n = ::pread(fd_.get(), out.data(), out.size(), static_cast<off_t>(offset));
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return FailErrno("read blob", errno);
    }
  }

 private:
  Fd fd_;
  uint64_t size_;
};

class FsStore;

class FsWriter final : public BlobWriter {
 public:
  FsWriter(const FsStore& store, std::string path, Fd fd, uint64_t size, crypto::Sha256 hash)
      : store_(store), path_(std::move(path)), fd_(std::move(fd)), size_(size), hash_(hash) {
    // A second descriptor that bypasses the page cache. Where the file system refuses O_DIRECT
    // (tmpfs) every write goes through fd_.
    direct_fd_ = Fd(::open(path_.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC));
  }

  // Whole blocks from a block-aligned buffer at a block-aligned offset go straight to disk
  // (O_DIRECT): no copy into the page cache, which costs more CPU than hashing them. The rest
  // (a body's last partial block, odd-sized chunks) is written through the page cache.
  Status Append(std::string_view data) override {
    hash_.Update(data);
    const size_t direct = DirectPrefix(data);
    if (direct > 0) {
      BERTH_TRY(WriteAll(direct_fd_.get(), data.substr(0, direct)));
      data.remove_prefix(direct);
    }
    if (!data.empty()) {
      BERTH_TRY(WriteAll(fd_.get(), data));
      // Start writeback as the bytes arrive, so the fsync at commit has little left to do and
      // dirty pages do not pile up in memory.
      if (size_ - flushed_ >= kWritebackBytes) {
        ::sync_file_range(fd_.get(), static_cast<off_t>(flushed_),
                          static_cast<off_t>(size_ - flushed_), SYNC_FILE_RANGE_WRITE);
        flushed_ = size_;
      }
    }
    return {};
  }
  uint64_t size() const override { return size_; }
  std::string resume_state() const override { return hash_.SaveState(); }
  Status Checkpoint() override {
    if (::fdatasync(fd_.get()) != 0) return FailErrno("fdatasync upload", errno);
    return {};
  }
  Result<oci::Digest> Commit(const oci::Digest& expected) override;

 private:
  static constexpr size_t kBlock = 4096;

  size_t DirectPrefix(std::string_view data) const {
    if (direct_fd_.get() < 0 || size_ % kBlock != 0 ||
        reinterpret_cast<uintptr_t>(data.data()) % kBlock != 0) {
      return 0;
    }
    return data.size() / kBlock * kBlock;
  }

  // pwrite at the current size; both descriptors write at explicit offsets.
  Status WriteAll(int fd, std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(size_));
      if (n < 0) {
        if (errno == EINTR) continue;
        return FailErrno("write upload", errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
      size_ += static_cast<uint64_t>(n);
    }
    return {};
  }

  const FsStore& store_;
  std::string path_;
  Fd fd_;
  Fd direct_fd_;
  static constexpr uint64_t kWritebackBytes = 8 << 20;
  uint64_t size_;
  uint64_t flushed_ = size_;  // writeback has been started for bytes before this offset
  crypto::Sha256 hash_;
};

class FsStore final : public BlobStore {
 public:
  FsStore(std::string root, std::string archive_root) : root_(std::move(root)), archive_root_(std::move(archive_root)) {}

  std::string BlobPath(const oci::Digest& d) const { return root_ + "/" + BlobRelativePath(d); }
  std::string ArchivePath(const oci::Digest& d) const { return archive_root_ + "/" + BlobRelativePath(d); }
  std::string BlobDir(const oci::Digest& d) const {
    std::string path = BlobPath(d);
    return path.substr(0, path.rfind('/'));
  }
  std::string UploadPath(std::string_view id) const { return root_ + "/uploads/" + std::string(id); }

  Result<std::unique_ptr<BlobReader>> Open(const oci::Digest& digest) override {
    if (digest.algorithm() != oci::DigestAlgorithm::kSha256) {
      return Fail(Code::kNotFound, "only sha256 blobs are stored", "BLOB_UNKNOWN");
    }
    Fd fd(::open(BlobPath(digest).c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0 && errno == ENOENT && !archive_root_.empty()) {
      fd = Fd(::open(ArchivePath(digest).c_str(), O_RDONLY | O_CLOEXEC));
    }
    if (fd.get() < 0) {
      if (errno == ENOENT) return Fail(Code::kNotFound, "blob file missing", "BLOB_UNKNOWN");
      return FailErrno("open blob", errno);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return FailErrno("stat blob", errno);
    return std::unique_ptr<BlobReader>(new FsReader(std::move(fd), static_cast<uint64_t>(st.st_size)));
  }

  Result<std::unique_ptr<BlobWriter>> NewWriter(std::string_view upload_id) override {
    if (!IsValidUploadId(upload_id)) return Fail(Code::kInvalidArgument, "bad upload id");
    std::string path = UploadPath(upload_id);
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
    if (fd.get() < 0) return FailErrno("create " + path, errno);
    return std::unique_ptr<BlobWriter>(new FsWriter(*this, path, std::move(fd), 0, crypto::Sha256()));
  }

  Result<std::unique_ptr<BlobWriter>> ResumeWriter(std::string_view upload_id, uint64_t size,
                                                   std::string_view hash_state) override {
    if (!IsValidUploadId(upload_id)) return Fail(Code::kInvalidArgument, "bad upload id");
    std::optional<crypto::Sha256> hash = crypto::Sha256::RestoreState(hash_state);
    if (!hash) return Fail(Code::kInternal, "upload has an unreadable hash state");
    std::string path = UploadPath(upload_id);
    // Created lazily: a session whose first bytes never arrived may have no file yet.
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640));
    if (fd.get() < 0) return FailErrno("open " + path, errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return FailErrno("stat upload", errno);
    if (static_cast<uint64_t>(st.st_size) < size) {
      // Checkpoints are fsynced before they are recorded, so only DeleteUpload (a cancel, an
      // expiry, a deleted repository) racing this request leaves a shorter file; the open above
      // may just have recreated it empty.
      ::unlink(path.c_str());
      return Fail(Code::kNotFound, "the upload session ended while this request ran", "BLOB_UPLOAD_UNKNOWN");
    }
    // Bytes after the checkpoint belong to a request that did not finish; drop them.
    if (static_cast<uint64_t>(st.st_size) > size &&
        ::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
      return FailErrno("truncate upload", errno);
    }
    if (::lseek(fd.get(), static_cast<off_t>(size), SEEK_SET) < 0) return FailErrno("seek", errno);
    return std::unique_ptr<BlobWriter>(new FsWriter(*this, path, std::move(fd), size, *hash));
  }

  Status DeleteUpload(std::string_view upload_id) override {
    if (!IsValidUploadId(upload_id)) return Fail(Code::kInvalidArgument, "bad upload id");
    if (::unlink(UploadPath(upload_id).c_str()) != 0 && errno != ENOENT) {
      return FailErrno("delete upload", errno);
    }
    return {};
  }

  Result<std::vector<UploadData>> ListUploads(size_t limit) override {
    std::vector<UploadData> out;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(root_ + "/uploads", ec);
         !ec && it != std::filesystem::directory_iterator() && out.size() < limit; it.increment(ec)) {
      std::string id = it->path().filename().string();
      struct stat st {};
      // Skips what is not an upload's file, and files deleted since the listing.
      if (!IsValidUploadId(id) || ::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      out.push_back({std::move(id), static_cast<int64_t>(st.st_mtime)});
    }
    if (ec) return Fail(Code::kInternal, "listing uploads: " + ec.message());
    return out;
  }

  Status Delete(const oci::Digest& digest) override {
    if (::unlink(BlobPath(digest).c_str()) != 0 && errno != ENOENT) {
      return FailErrno("delete blob", errno);
    }
    if (!archive_root_.empty() && ::unlink(ArchivePath(digest).c_str()) != 0 && errno != ENOENT) {
      return FailErrno("delete archived blob", errno);
    }
    return {};
  }

  Status MoveToArchive(const oci::Digest& digest) override {
    if (archive_root_.empty()) return {};
    return Move(BlobPath(digest), archive_root_, ArchivePath(digest));
  }

  Status MoveFromArchive(const oci::Digest& digest) override {
    if (archive_root_.empty()) return {};
    return Move(ArchivePath(digest), root_, BlobPath(digest));
  }

  Status Adopt(int fd, const oci::Digest& digest) override {
    if (::fsync(fd) != 0) return FailErrno("fsync a file to adopt", errno);
    const std::string linked = root_ + "/uploads/adopt-" + std::string(digest.hex().substr(0, 16)) + "-" +
                               std::to_string(::getpid()) + "-" + std::to_string(fd);
    const std::string source = "/proc/self/fd/" + std::to_string(fd);
    if (::linkat(AT_FDCWD, source.c_str(), AT_FDCWD, linked.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      // Not an O_TMPFILE file on this file system, or no /proc: the caller copies.
      return Fail(Code::kUnimplemented, "cannot link the file into the store: " + std::string(std::strerror(errno)));
    }
    Status published = Publish(linked, digest);
    if (!published) ::unlink(linked.c_str());
    return published;
  }

  Status Publish(const std::string& upload_path, const oci::Digest& digest) const {
    std::string dir = BlobDir(digest);
    std::string target = BlobPath(digest);
    if (::access(target.c_str(), F_OK) == 0) {
      // Same digest, same bytes: keep the copy that is already there.
      if (::unlink(upload_path.c_str()) != 0 && errno != ENOENT) return FailErrno("unlink", errno);
      return {};
    }
    bool new_dir = ::mkdir(dir.c_str(), 0750) == 0;
    if (!new_dir && errno != EEXIST) return FailErrno("mkdir " + dir, errno);
    if (new_dir) BERTH_TRY(FsyncDirectory(root_ + "/blobs/sha256"));
    if (::rename(upload_path.c_str(), target.c_str()) != 0) {
      if (errno == ENOENT) {  // DeleteUpload raced the commit
        return Fail(Code::kNotFound, "the upload session ended while this request ran", "BLOB_UPLOAD_UNKNOWN");
      }
      return FailErrno("rename blob", errno);
    }
    BERTH_TRY(FsyncDirectory(dir));
    return {};
  }

 private:
  // Moves `from` to `to` (under `to_root`) so that at every instant one of them holds the whole
  // blob: a rename where both share a file system, else a copy fsynced and renamed into place
  // before the original goes. A blob already at `to` only loses its other copy.
  static Status Move(const std::string& from, const std::string& to_root, const std::string& to) {
    if (::access(from.c_str(), F_OK) != 0) return {};  // moved before, or never here
    const std::string dir = to.substr(0, to.rfind('/'));
    BERTH_TRY(MakeDirectory(to_root + "/blobs"));
    BERTH_TRY(MakeDirectory(to_root + "/blobs/sha256"));
    BERTH_TRY(MakeDirectory(dir));
    const std::string from_dir = from.substr(0, from.rfind('/'));
    if (::access(to.c_str(), F_OK) != 0) {
      if (::rename(from.c_str(), to.c_str()) == 0) {
        BERTH_TRY(FsyncDirectory(dir));
        return FsyncDirectory(from_dir);
      }
      if (errno != EXDEV) return FailErrno("move blob", errno);
      const std::string partial = to + ".partial";
      {
        Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
        if (in.get() < 0) return errno == ENOENT ? Status{} : FailErrno("open blob", errno);
        Fd out(::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
        if (out.get() < 0) return FailErrno("create " + partial, errno);
        BERTH_TRY(CopyFile(in.get(), out.get()));
        if (::fsync(out.get()) != 0) return FailErrno("fsync " + partial, errno);
      }
      if (::rename(partial.c_str(), to.c_str()) != 0) return FailErrno("rename " + partial, errno);
      BERTH_TRY(FsyncDirectory(dir));
    }
    if (::unlink(from.c_str()) != 0 && errno != ENOENT) return FailErrno("unlink moved blob", errno);
    return FsyncDirectory(from_dir);
  }

  // copy_file_range where the kernel copies between these file systems (in kernel, or by
  // reflink), read and write where it refuses (EXDEV across file systems before Linux 5.19).
  static Status CopyFile(int in, int out) {
    bool in_kernel = true;
    while (in_kernel) {
      ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
      if (n == 0) return {};
      if (n > 0) continue;
      if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) {
        return FailErrno("copy blob", errno);
      }
      in_kernel = false;
    }
    std::vector<char> buf(1 << 20);
    while (true) {
      ssize_t n = ::read(in, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return FailErrno("read blob", errno);
      if (n == 0) return {};
      for (ssize_t done = 0; done < n;) {
        ssize_t w = ::write(out, buf.data() + done, static_cast<size_t>(n - done));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return FailErrno("write blob", errno);
        done += w;
      }
    }
  }

  std::string root_;
  std::string archive_root_;  // "" without an archive place
};

Result<oci::Digest> FsWriter::Commit(const oci::Digest& expected) {
  if (expected.algorithm() != oci::DigestAlgorithm::kSha256) {
    return Fail(Code::kInvalidArgument, "uploads must be committed with a sha256 digest",
                "DIGEST_INVALID");
  }
  oci::Digest actual = oci::Digest::FromSha256Hex(hash_.FinishHex());
  if (actual != expected) {
    return Fail(Code::kInvalidArgument,
                "uploaded content hashes to " + actual.str() + ", not " + expected.str(),
                "DIGEST_INVALID");
  }
  if (::fsync(fd_.get()) != 0) return FailErrno("fsync upload", errno);
  fd_.Reset();
  direct_fd_.Reset();
  BERTH_TRY(store_.Publish(path_, actual));
  return actual;
}

}  // namespace

std::string BlobRelativePath(const oci::Digest& digest) {
  return "blobs/sha256/" + std::string(digest.hex().substr(0, 2)) + "/" + std::string(digest.hex());
}

Result<std::unique_ptr<BlobStore>> OpenFsBlobStore(const std::string& root, const std::string& archive_root) {
  for (const std::string& dir : {root, root + "/blobs", root + "/blobs/sha256", root + "/uploads"}) {
    BERTH_TRY(MakeDirectory(dir));
  }
  if (!archive_root.empty()) {
    for (const std::string& dir : {archive_root, archive_root + "/blobs", archive_root + "/blobs/sha256"}) {
      BERTH_TRY(MakeDirectory(dir));
    }
  }
  return std::unique_ptr<BlobStore>(new FsStore(root, archive_root));
}

}  // namespace berth::blob::fs
