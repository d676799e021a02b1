// cache/blob_fetches.h
//
// Blobs the pull-through cache is downloading from an upstream, one download per digest however
// many pulls want it. A download runs on a thread of its own: it reads the upstream's bytes into
// an 8 MiB ring in memory, hashing them, and wakes the pulls waiting on it, which stream at their
// own pace (so the first pull gets the bytes as fast as the upstream sends them). A second thread
// writes the ring to an unlinked spool file a 1 MiB chunk at a time with O_DIRECT (copying into
// the page cache cost more CPU than everything else a download does on the machines measured,
// and a write in the reading thread would stall the socket). Pulls that keep up read the ring;
// one that falls behind reads the spool; the download waits for the spool when the ring is full.
// Once every byte is in and the digest checks, the spool becomes the blob (the fs store links
// the file into place; others get a copy) and is committed to every repository that asked, as a
// push would be; pulls that come later read the blob store.
//
// Across nodes, a lease per digest ("blob-fetch:<hex>") makes one node download: the others
// wait until the blob is in their repository (then their pulls read the store), or take the
// lease over when its holder is gone.
//
// Thread-safe.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"
#include "blob/blob_store.h"
#include "http/client.h"
#include "http/message.h"
#include "meta/metadata_store.h"
#include "oci/digest.h"

namespace berth::cache {

// Memory for downloads, kept for the next one: fresh pages cost a fault each on first touch,
// which on the virtual machines measured cost more than the bytes copied into them.
class BufferPool {
 public:
  std::vector<char> Take(size_t size);
  void Give(std::vector<char> buffer);

 private:
  std::mutex mu_;
  std::vector<std::vector<char>> free_;
};

// One download, shared by the pulls that wait on it.
class BlobFetch {
 public:
  struct State {
    bool started = false;   // the size is known
    uint64_t size = 0;
    uint64_t written = 0;   // bytes in the spool
    bool finished = false;  // in the blob store, linked to the repositories that asked
    bool elsewhere = false; // another node fetched it: read the blob store instead
    std::optional<Error> error;
  };

  BlobFetch(oci::Digest digest, std::shared_ptr<BufferPool> pool) : digest_(std::move(digest)), pool_(std::move(pool)) {}
  ~BlobFetch();

  const oci::Digest& digest() const { return digest_; }
  State state() const;
  // Completes (on the caller's executor) once `until(state)` holds; re-checked as the download
  // moves on.
  http::Task<void> Wait(std::function<bool(const State&)> until);
  // Blocks until the download ends; its error if it failed.
  Status WaitFinished();
  // Reads spool bytes already written.
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) const;

 private:
  friend class BlobFetches;
  void Update(const std::function<void(State&)>& change);
  struct Waiter;
  static void Wake(std::vector<std::shared_ptr<Waiter>> waiters);

  static constexpr size_t kChunk = 1 << 20;
  static constexpr size_t kRingBytes = 8 * kChunk;

  char* Ring() const;

  const oci::Digest digest_;
  const std::shared_ptr<BufferPool> pool_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::condition_variable spool_changed_;
  State state_;
  int spool_fd_ = -1;         // reads, and the buffered tail
  int spool_direct_fd_ = -1;  // whole chunks; -1 where the file system has no O_DIRECT
  uint64_t spooled_ = 0;      // bytes in the spool file
  bool read_all_ = false;     // the download has every byte in the ring or the spool
  std::optional<Error> spool_error_;
  // Byte i of the blob is at Ring()[i % kRingBytes] from when it is read until it is spooled and
  // the ring comes round; pulls read it there while i >= written - (kRingBytes - kChunk), which
  // keeps them clear of the chunk the download is reading into. Block-aligned for O_DIRECT.
  std::vector<char> ring_memory_;
  std::set<meta::RepositoryId> repositories_;  // to link the blob to
  std::vector<std::shared_ptr<Waiter>> waiters_;
};

// A response body streamed from a download in progress.
std::unique_ptr<http::StreamBody> SpoolBody(std::shared_ptr<BlobFetch> fetch);

struct BlobFetchesOptions {
  std::string spool_dir;  // where unlinked spool files live (the data directory)
  std::string node_id;
  // Nodes share the store (PostgreSQL): a lease per digest makes one of them download.
  bool shared_store = false;
  size_t max_parallel = 16;
};

class BlobFetches {
 public:
  using Opener = std::function<Result<std::unique_ptr<http::ClientResponse>>()>;

  BlobFetches(meta::MetadataStore& meta, blob::BlobStore& blobs, BlobFetchesOptions options,
              std::function<int64_t()> clock);
  ~BlobFetches();

  // The download of `digest` for `repo`: the one in progress, or a new one that calls `open`
  // on its own thread for the upstream's answer.
  std::shared_ptr<BlobFetch> Join(meta::RepositoryId repo, const oci::Digest& digest, Opener open);

  // Makes downloads in progress fail at their next read, for a quick shutdown.
  void Stop() { stopping_ = true; }

  uint64_t downloads() const { return downloads_; }
  uint64_t bytes() const { return bytes_; }

 private:
  void Run(const std::shared_ptr<BlobFetch>& fetch, const Opener& open);
  Status Download(BlobFetch& fetch, const Opener& open, const std::string& lease);
  // The spool thread's loop: writes whole chunks from the ring, then the tail.
  static Status Spool(BlobFetch& fetch);
  Status Store(BlobFetch& fetch);

  meta::MetadataStore& meta_;
  blob::BlobStore& blobs_;
  const BlobFetchesOptions options_;
  std::function<int64_t()> clock_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<BlobFetch>> active_;  // by digest
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> downloads_{0};
  std::atomic<uint64_t> bytes_{0};
  std::shared_ptr<BufferPool> buffers_ = std::make_shared<BufferPool>();
  boost::asio::thread_pool pool_;
};

}  // namespace berth::cache
