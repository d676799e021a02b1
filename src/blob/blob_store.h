// blob/blob_store.h
//
// BlobStore maps a Digest to immutable bytes. It is the only module that touches layer bytes, and
// it knows nothing about repositories, tags or access: "may repository R serve blob D" is a row
// in meta/. One copy per digest, whatever the number of repositories.
//
// Uploads are written under an upload id, hashed while written, and published under their
// digest by Commit() only if the bytes hash to it. A writer can be resumed from (size, hash
// state) after the process restarts, so an upload session survives a restart.
//
// Implementations: blob/fs (local disk: fsync + atomic rename) and blob/s3 (an S3 bucket:
// multipart uploads, server-side copy into the digest's key).
//
// Thread safety: every BlobStore method may be called concurrently. A BlobReader or BlobWriter
// is used by one thread at a time. Methods block on disk I/O; Commit() and Checkpoint() wait for
// fsync, so async callers run them on the blocking pool. A remote() store's methods (and its
// readers' ReadAt, and a writer's Flush) wait on the network: async callers run every one of
// them on the blocking pool; Append() and size() never block.
//
// Errors: kNotFound if a blob or upload is absent; kInvalidArgument (reason DIGEST_INVALID) if
// committed bytes do not hash to the expected digest; kInternal for I/O failures.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <cstdlib>
#include <new>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "oci/digest.h"

namespace berth::blob {

// Upload IDs are what the registry mints (crypto::RandomUuid): 1 to 64 lowercase letters, digits
// and dashes. Stores may use them in paths and keys; a request naming anything else names no
// upload, and store methods refuse it with kInvalidArgument.
inline bool IsValidUploadId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual uint64_t size() const = 0;
  // Reads up to out.size() bytes at `offset`; returns 0 only at the end of the blob.
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<char> out) = 0;
  // A descriptor the server may sendfile() from, or -1 if the bytes are not in a local file.
  virtual int native_fd() const { return -1; }
  // True when ReadAt waits on the network: an I/O thread must not call it.
  virtual bool blocking() const { return false; }
};

// A heap buffer aligned for direct I/O.
class AlignedBuffer {
 public:
  static constexpr size_t kAlignment = 4096;
  // REQUIRES: size is a multiple of kAlignment.
  explicit AlignedBuffer(size_t size)
      : data_(static_cast<char*>(std::aligned_alloc(kAlignment, size))), size_(size) {
    if (data_ == nullptr) throw std::bad_alloc();
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(data_); }
  std::span<char> span() { return {data_, size_}; }

 private:
  char* data_;
  size_t size_;
};

class BlobWriter {
 public:
  virtual ~BlobWriter() = default;

  // Hashes and stores `data` after what was written so far. Callers streaming large bodies
  // should pass buffers aligned to 4096 bytes in multiples of 4096 (see AlignedBuffer): the fs
  // store then writes them without copying them into the page cache.
  virtual Status Append(std::string_view data) = 0;
  virtual uint64_t size() const = 0;
  // What ResumeWriter needs to continue after size() bytes: the hash state (a fresh session
  // starts from crypto::Sha256().SaveState()) and whatever else the store keeps about the
  // upload (for S3, the multipart upload and its parts). Opaque bytes; valid for resuming only
  // once Checkpoint() made them durable.
  virtual std::string resume_state() const = 0;
  // Makes everything appended so far durable, so the session row may record size() and
  // resume_state().
  virtual Status Checkpoint() = 0;
  // A store that buffers appended bytes (S3 sends them in parts of several MiB) asks to be
  // flushed when a part is ready; Flush() sends it. Callers on I/O threads append, and run
  // Flush() on the blocking pool when flush_due(). Append also flushes by itself past twice that.
  virtual bool flush_due() const { return false; }
  virtual Status Flush() { return {}; }
  // Publishes the bytes under `expected` if and only if they hash to it; then the writer is done.
  // On a mismatch nothing is published and the partial upload is kept.
  virtual Result<oci::Digest> Commit(const oci::Digest& expected) = 0;
};

class BlobStore {
 public:
  BlobStore() = default;
  BlobStore(const BlobStore&) = delete;
  BlobStore& operator=(const BlobStore&) = delete;
  virtual ~BlobStore() = default;

  // True when the store's methods wait on the network (see above).
  virtual bool remote() const { return false; }

  virtual Result<std::unique_ptr<BlobReader>> Open(const oci::Digest& digest) = 0;

  // A URL a client may GET the blob's bytes from directly, valid for `ttl`, when the store can
  // presign one (S3); nullopt otherwise. Does no I/O.
  virtual std::optional<std::string> PresignedUrl(const oci::Digest& digest, std::chrono::seconds ttl) {
    (void)digest;
    (void)ttl;
    return std::nullopt;
  }

  virtual Result<std::unique_ptr<BlobWriter>> NewWriter(std::string_view upload_id) = 0;
  // Publishes the bytes of `fd`, an unlinked file (O_TMPFILE) in the directory the store was
  // opened on whose bytes the caller has verified to hash to `digest`, as that blob without
  // copying them (the fs store fsyncs and links the file into place). kUnimplemented where the
  // store cannot: the caller then writes the bytes through NewWriter.
  virtual Status Adopt(int fd, const oci::Digest& digest) {
    (void)fd;
    (void)digest;
    return Fail(Code::kUnimplemented, "this blob store cannot adopt files");
  }
  // Continues an upload whose first `size` bytes were checkpointed with `resume_state`. Bytes past
  // `size` (written after the last checkpoint) are discarded. kNotFound (BLOB_UPLOAD_UNKNOWN)
  // when the upload was deleted meanwhile; Commit reports the same if it is deleted mid-way.
  virtual Result<std::unique_ptr<BlobWriter>> ResumeWriter(std::string_view upload_id,
                                                           uint64_t size,
                                                           std::string_view resume_state) = 0;
  // Discards an unfinished upload. Deleting an absent upload succeeds.
  virtual Status DeleteUpload(std::string_view upload_id) = 0;
  // Up to `limit` unfinished uploads that hold data, in no particular order, with the time
  // (epoch seconds) they were last written; for sweeping data whose session is gone.
  struct UploadData {
    std::string id;
    int64_t written_at = 0;
  };
  virtual Result<std::vector<UploadData>> ListUploads(size_t limit) = 0;
  // Deleting an absent blob succeeds, so a retried garbage-collection step is harmless.
  virtual Status Delete(const oci::Digest& digest) = 0;

  // Moves a blob's bytes to the store's cheaper archive place (the fs store's --archive-dir)
  // and back. The blob stays readable throughout and after (Open looks in both places), so a
  // move racing a read or a crash mid-move loses nothing. No-ops where there is no such place.
  virtual Status MoveToArchive(const oci::Digest& digest) {
    (void)digest;
    return {};
  }
  virtual Status MoveFromArchive(const oci::Digest& digest) {
    (void)digest;
    return {};
  }
};

}  // namespace berth::blob
