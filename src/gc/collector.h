// gc/collector.h
//
// Online garbage collection of blob bytes. The metadata store knows what is garbage
// (meta::BlobCollector): a collection finishes deletions a stopped collector left, drops links
// older than the grace period that no manifest of their repository uses, records when each
// unused blob became garbage, and deletes the bytes of those unused for longer than the grace
// period, after the metadata transaction that removed their rows committed. The registry serves
// and takes pushes throughout; no listing of the blob store is needed.
//
// Thread-safe; blocking (run it on the blocking pool). On a cluster one node collects at a time
// (server/background.h holds the "gc" lease).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "base/error.h"
#include "blob/blob_store.h"
#include "meta/metadata_store.h"

namespace berth::gc {

struct CollectReport {
  int64_t links_dropped = 0;
  int64_t blobs_marked = 0;
  int64_t blobs_deleted = 0;
  int64_t bytes_reclaimed = 0;
  int64_t failures = 0;  // bytes that could not be deleted: their tombstones stay, retried next time
};

class Collector {
 public:
  // At most this many links dropped and blobs marked per collection; the next one goes on.
  static constexpr size_t kScanLimit = 200000;

  Collector(meta::MetadataStore& meta, blob::BlobStore& blobs, std::chrono::seconds grace,
            std::function<int64_t()> clock);

  // Runs on a thread of its own, niced (kNice): blocks the caller until done.
  Result<CollectReport> Collect();
  // What a collection now would reclaim if every blob unused now had been so for the grace period.
  Result<meta::GarbageEstimate> Estimate();

  // Totals since start, for /metrics.
  uint64_t runs() const { return runs_; }
  uint64_t blobs_deleted() const { return blobs_deleted_; }
  uint64_t bytes_reclaimed() const { return bytes_reclaimed_; }
  uint64_t links_dropped() const { return links_dropped_; }

 private:
  static constexpr int kNice = 10;

  Result<CollectReport> CollectNow();
  // Deletes the bytes of tombstoned blobs and ends the deletion of those that went.
  Status DeleteBytes(const std::vector<meta::StoredBlob>& doomed, CollectReport& report);

  meta::MetadataStore& meta_;
  blob::BlobStore& blobs_;
  const std::chrono::seconds grace_;
  std::function<int64_t()> clock_;
  std::atomic<uint64_t> runs_{0};
  std::atomic<uint64_t> blobs_deleted_{0};
  std::atomic<uint64_t> bytes_reclaimed_{0};
  std::atomic<uint64_t> links_dropped_{0};
};

}  // namespace berth::gc
