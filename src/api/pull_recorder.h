// api/pull_recorder.h
//
// Collects image pulls in memory and writes them to the metadata store in batches (ECR's
// lastRecordedPullTime), so a manifest GET never waits for a write. As ECR does, a pull time is
// recorded at most about once a day per image: this node remembers which images it wrote today
// (from when it hands them to the store, so pulls during a slow write are not written again)
// (a lossy table of 2^21 fingerprints in buckets of 8, one cache line each, 16 MB once used:
// a million images fit with none forgotten; a forgotten one costs a check in the store, which
// ignores a time within a day of the last anyway), and
// pulls by principals on the pull-time update exclusion list (RegisterPullTimeUpdateExclusion:
// scanners, replicators, backups) are not recorded, so they do not keep images alive for
// sinceImagePulled rules. The list is read at each flush.
//
// A flush hands the store everything pending at once (kMaxPending is the store's
// kMaxPullsPerBatch), which writes it in order of its rows and in short steps, so a burst of
// pulls of any size writes few pages and a push waits behind one step. Bounded: past
// kMaxPending distinct images between flushes, further pulls are dropped until the next flush
// (a pull time is a hint, refreshed on the next pull).
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "meta/metadata_store.h"

namespace berth::api {

class PullRecorder {
 public:
  static constexpr size_t kMaxPending = meta::ImageCatalog::kMaxPullsPerBatch;
  static constexpr size_t kWrittenSlots = size_t{1} << 21;
  static constexpr size_t kWrittenWays = 8;  // slots per bucket: 64 bytes, one cache line
  static constexpr int64_t kRecordEvery = 86400;

  void Record(meta::RepositoryId repo, const berth::oci::Digest& digest, int64_t now, std::string_view principal_arn);
  // Starts loading what Record will read of the image: a caller that knows the image before it
  // records the pull overlaps that cache miss with its own work. Changes nothing.
  void Prefetch(meta::RepositoryId repo, const berth::oci::Digest& digest) const;

  // Writes what was recorded since the last flush. Blocking. Returns how many images' pull
  // times changed.
  Result<int64_t> Flush(meta::ImageCatalog& catalog);

  size_t pending() const;

 private:
  // An image by its repository and a 64-bit hash of its digest: compact, and a collision
  // only costs one of the two images its pull time until it is pulled again.
  struct Key {
    meta::RepositoryId repo;
    uint64_t digest_hash;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return k.digest_hash ^ (static_cast<uint64_t>(k.repo) * 0x9E3779B97F4A7C15ULL); }
  };
  // A slot of the written table: the key's hash above, the day (since the epoch, 16 bits) below.
  static uint64_t WrittenEntry(const Key& key, int64_t when);
  // The first of the key's bucket's slots.
  static size_t WrittenBucket(const Key& key);
  bool WrittenToday(const Key& key, int64_t now) const;  // REQUIRES: mu_ held
  // Takes the key's own slot, else one not written today, else one by the key's hash: an image
  // is forgotten only when 8 others of its bucket were written the same day.
  void RememberWritten(const Key& key, int64_t when);  // REQUIRES: mu_ held, written_ set
  // Undoes RememberWritten(key, when), for a write that failed.
  void ForgetWritten(const Key& key, int64_t when);  // REQUIRES: mu_ held, written_ set
  struct Unmap {
    void operator()(uint64_t* table) const;
  };
  struct Pull {
    berth::oci::Digest digest;
    int64_t when = 0;
    bool anyone = false;                  // pulled by someone who is never excluded
    std::vector<std::string> principals;  // otherwise: who pulled
  };
  static Key KeyOf(meta::RepositoryId repo, const berth::oci::Digest& digest);

  mutable std::mutex mu_;
  std::unordered_map<Key, Pull, KeyHash> pending_;        // guarded by mu_
  // Guarded by mu_: what this node wrote, by day; mapped on the first flush, page-aligned (so
  // a bucket is one cache line), its pages zero until used.
  std::unique_ptr<uint64_t[], Unmap> written_;
  // The same table for Prefetch, which takes no lock: set once, when it is mapped.
  std::atomic<const uint64_t*> written_unlocked_{nullptr};
};

}  // namespace berth::api
