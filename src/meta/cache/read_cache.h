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
// 200 bytes besides its value. Serves nothing until Reset(true).
//
// Eviction is CLOCK, an approximation of least-recently-used: a hit only marks its entry, and
// the hand that looks for room passes over marked entries once, unmarking them. An LRU list
// moved every hit to its front, writing to the entry's two neighbours and the head: at 100,000
// repositories those were random places in a gigabyte, three per request.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "meta/metadata_store.h"

namespace berth::meta::cache {

class ReadCache {
 public:
  // Large values are shared, so a hit copies a pointer under the lock, not a manifest.
  using Value = std::variant<int64_t, std::shared_ptr<const ManifestRecord>,
                             std::shared_ptr<const RepositoryAccess>>;

  explicit ReadCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  struct Ticket {
    bool enabled = false;
    uint64_t epoch = 0;
    uint64_t generation = 0;
  };
  Ticket Begin(RepositoryId repo);
  std::optional<Value> Get(std::string_view key, RepositoryId repo);
  void Put(std::string key, RepositoryId repo, Value value, const Ticket& ticket);

  void Changed(RepositoryId repo);
  // Drops everything; `enabled` says whether to serve from now on.
  void Reset(bool enabled);

  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }
  size_t bytes() const;
  size_t entries() const;

 private:
  struct Entry {
    std::string key;
    RepositoryId repo = 0;
    Value value;
    uint64_t epoch = 0;
    uint64_t generation = 0;
    size_t bytes = 0;  // 0: a free slot
    bool referenced = false;
  };
  static size_t CostOf(const std::string& key, const Value& value);
  uint64_t GenerationLocked(RepositoryId repo) const;
  void EraseLocked(uint32_t slot);
  void EvictLocked();

  // Past this many repositories with a generation, they are forgotten together with every entry
  // (a new epoch), so the generations of a registry with millions of repositories stay bounded.
  static constexpr size_t kMaxGenerations = 1 << 20;

  const size_t max_bytes_;
  mutable std::mutex mu_;
  bool enabled_ = false;                                  // guarded by mu_
  uint64_t epoch_ = 0;                                    // guarded by mu_
  std::unordered_map<RepositoryId, uint64_t> generation_;  // guarded by mu_
  // The slots and the clock's hand; a deque, so entries never move once placed.
  std::deque<Entry> slots_;                               // guarded by mu_
  std::vector<uint32_t> free_;                            // free slots; guarded by mu_
  size_t hand_ = 0;                                       // guarded by mu_
  // Keys point into their entries' own `key`.
  std::unordered_map<std::string_view, uint32_t> index_;  // guarded by mu_
  size_t bytes_ = 0;                                      // guarded by mu_
  std::atomic<uint64_t> hits_{0}, misses_{0};
};

}  // namespace berth::meta::cache
