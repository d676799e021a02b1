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
// with the allocator's bookkeeping of each entry, not only its payload (least recently used
// entries go first): an entry costs about 250 bytes besides its value. Serves nothing until Reset(true).
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

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
    RepositoryId repo;
    Value value;
    uint64_t epoch;
    uint64_t generation;
    size_t bytes;
  };
  static size_t CostOf(const std::string& key, const Value& value);
  uint64_t GenerationLocked(RepositoryId repo) const;
  void EraseLocked(std::list<Entry>::iterator it);

  // Past this many repositories with a generation, they are forgotten together with every entry
  // (a new epoch), so the generations of a registry with millions of repositories stay bounded.
  static constexpr size_t kMaxGenerations = 1 << 20;

  const size_t max_bytes_;
  mutable std::mutex mu_;
  bool enabled_ = false;                                  // guarded by mu_
  uint64_t epoch_ = 0;                                    // guarded by mu_
  std::unordered_map<RepositoryId, uint64_t> generation_;  // guarded by mu_
  std::list<Entry> lru_;                                  // front: most recent; guarded by mu_
  // Keys point into their entries' own `key` (list nodes do not move).
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // guarded by mu_
  size_t bytes_ = 0;                                      // guarded by mu_
  std::atomic<uint64_t> hits_{0}, misses_{0};
};

}  // namespace berth::meta::cache
