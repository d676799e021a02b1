// cache/blob_fetches.h
//
// Blobs the pull-through cache is downloading from an upstream, one download per digest however
// many pulls want it. A download runs on a thread of its own: it writes the bytes to an unlinked
// spool file as they arrive, hashing them, and wakes the pulls waiting on it, which stream from
// the spool at their own pace (so the first pull gets the bytes as fast as the upstream sends
// them). Once every byte is in and the digest checks, the spool is copied into the blob store as
// an upload and committed to every repository that asked, exactly as a push would; pulls that
// come later read the blob store.
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

  explicit BlobFetch(oci::Digest digest) : digest_(std::move(digest)) {}
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

  const oci::Digest digest_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  State state_;
  int spool_fd_ = -1;
  std::set<meta::RepositoryId> repositories_;  // to link the blob to
  struct Waiter;
  std::vector<std::shared_ptr<Waiter>> waiters_;
};

// A response body streamed from a download in progress.
std::unique_ptr<http::StreamBody> SpoolBody(std::shared_ptr<BlobFetch> fetch);

struct BlobFetchesOptions {
  std::string spool_dir;  // where unlinked spool files live (the data directory)
  std::string node_id;
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

  uint64_t downloads() const { return downloads_; }
  uint64_t bytes() const { return bytes_; }

 private:
  void Run(const std::shared_ptr<BlobFetch>& fetch, const Opener& open);
  Status Download(BlobFetch& fetch, const Opener& open, const std::string& lease);
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
  boost::asio::thread_pool pool_;
};

}  // namespace berth::cache
