// meta/cache/read_cache.h
//
// The per-node cache of metadata reads that a node serves from memory: repository IDs by name,
// blob sizes, manifests by tag and by digest, repository policies and tags.
// Pure bookkeeping, no I/O.
//
// Entries are invalidated by repository: Changed(repo) drops what the cache holds of it,
// Changed(kAllRepositories) and Reset() drop everything. A read that misses takes a Ticket before asking
// the store and may Put its answer only if nothing of its repository changed in between, so
// an answer read before a change is never kept after it. Bounded by the bytes it holds, counted
// with the allocator's bookkeeping of each entry, not only its payload: an entry costs about
// 170 bytes besides its value (meta/cache/slot_index.h says why its index is not a node map).
// Serves nothing until Reset(true).
//
// A packed value's entry (a manifest, a repository found by name) keeps its key, repository,
// ticket and CLOCK mark in the value's block (meta/cache/packed_value.h), and the index's
// cell names the block: such a hit reads the cell and the block, two cache misses where it was
// three with the entry between (at a million manifests the entry's was half of
// ReadCache::Get's time). The entry still exists for the hand and for erasing.
//
// Eviction is CLOCK, an approximation of least-recently-used: a hit only marks its entry, and
// the hand that looks for room passes over marked entries once, unmarking them. An LRU list
// moved every hit to its front, writing to the entry's two neighbours and the head: at 100,000
// repositories those were random places in a gigabyte, three per request.
//
// A large cache is split by key into shards (up to 16, one per 16 MiB), each with its own lock,
// entries, hand and share of the bytes, so requests on different cores rarely wait for each
// other. A change is not a shard's business: generations live in a fixed table of counters,
// one per bucket of repositories (repository ID modulo kGenerationBuckets), read and bumped
// without a lock. A change to one repository also drops the entries of the others in its
// bucket: a miss, never a stale answer. 16,384 buckets (128 KB) stay in a core's own cache
// under random reads; 65,536 (512 KB) did not, one more miss per hit at 100,000 repositories.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "meta/cache/packed_value.h"
#include "meta/cache/slot_index.h"
#include "meta/metadata_store.h"

namespace berth::meta::cache {

class ReadCache {
 public:
  // Large values are shared, so a hit copies a pointer under the lock, not a manifest.
  using Value = std::variant<int64_t, PackedManifest,
                             std::shared_ptr<const RepositoryAccess>, PackedRepository>;
  static constexpr size_t kGenerationBuckets = size_t{1} << 14;

  explicit ReadCache(size_t max_bytes);

  struct Ticket {
    bool enabled = false;
    uint64_t epoch = 0;
    uint64_t generation = 0;
  };
  Ticket Begin(RepositoryId repo) const;
  // An entry answers only while nothing changed in the repository it was Put under.
  std::optional<Value> Get(std::string_view key);
  void Put(std::string key, RepositoryId repo, Value value, const Ticket& ticket);

  void Changed(RepositoryId repo);
  // Drops everything; `enabled` says whether to serve from now on.
  void Reset(bool enabled);

  uint64_t hits() const;
  uint64_t misses() const;
  size_t bytes() const;
  size_t entries() const;

 private:
  struct Entry {
    std::string key;
    uint64_t hash = 0;  // of key
    RepositoryId repo = 0;
    Value value;
    uint64_t epoch = 0;
    uint64_t generation = 0;
    size_t bytes = 0;  // 0: a free slot
    bool referenced = false;
  };
  // The entries, in chunks that never move, so an entry stays where its slot says. A deque did
  // the same with four entries to a block: at a million entries its map of blocks took 2 MB,
  // one more cache miss per lookup (a fifth of ReadCache::Get's time under random reads); this
  // table of chunks is a few kilobytes.
  class Slots {
   public:
    Entry& operator[](uint32_t slot) { return chunks_[slot / kChunk][slot % kChunk]; }
    const Entry& operator[](uint32_t slot) const { return chunks_[slot / kChunk][slot % kChunk]; }
    size_t size() const { return size_; }
    void emplace_back() {
      if (size_ % kChunk == 0) chunks_.push_back(std::make_unique<Entry[]>(kChunk));
      ++size_;
    }
    void clear() {
      chunks_.clear();
      size_ = 0;
    }

   private:
    static constexpr size_t kChunk = 256;
    std::vector<std::unique_ptr<Entry[]>> chunks_;
    size_t size_ = 0;
  };
  struct Shard {
    mutable std::mutex mu;
    Slots slots;                                          // guarded by mu
    std::vector<uint32_t> free;                           // free slots; guarded by mu
    size_t hand = 0;                                      // guarded by mu
    SlotIndex index;                                      // guarded by mu
    size_t bytes = 0;                                     // guarded by mu
    uint64_t hits = 0, misses = 0;                        // guarded by mu
  };
  static size_t CostOf(const std::string& key, const Value& value);
  std::atomic<uint64_t>& GenerationOf(RepositoryId repo) const;
  static uint64_t HashOf(std::string_view key);
  Shard& ShardOf(uint64_t hash);
  // The slot holding `key` in `shard`, or SlotIndex::kNone; `*packed` is set to the block of a
  // packed value found. REQUIRES: shard.mu held.
  static uint32_t FindLocked(const Shard& shard, uint64_t hash, std::string_view key, const void** packed);
  // The packed value an entry holds (a manifest, a repository), or null.
  static const PackedBlock* PackedOf(const Value& value);
  static PackedBlock* PackedOf(Value& value);
  // The mark of CLOCK: a packed value's is in its block, where a hit sets it.
  static bool& ReferencedOf(Entry& e);
  void EraseLocked(Shard& shard, uint32_t slot);
  void EvictLocked(Shard& shard);
  template <class F>
  size_t SumOverShards(F&& of) const;

  const size_t shard_bytes_;  // each shard's share of the bound given to the constructor
  std::atomic<bool> enabled_{false};
  std::atomic<uint64_t> epoch_{0};
  std::unique_ptr<std::atomic<uint64_t>[]> generations_;  // kGenerationBuckets
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace berth::meta::cache
