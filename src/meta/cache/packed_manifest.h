// meta/cache/packed_manifest.h
//
// A manifest as the read cache keeps it: one allocation holding its reference count, the read
// cache's key and bookkeeping (CacheStamp), then its digest, media type and payload. A
// ManifestRecord behind a shared pointer is four allocations (the record with its count, and
// three strings, each where the allocator's size class put it): under random reads at a
// million manifests each was a cache miss, and a hit now reads one run of memory.
//
// The key and the stamp are in the block so that the cache's index can name the block itself:
// a hit then goes from the index's cell to the block, and the cache's entry for it is not read
// at all (meta/cache/read_cache.h). The reference count is the block's own, not a
// shared_ptr's, so the cache can share a block it reaches by its address.
//
// Immutable but for the stamp, which belongs to the one read cache holding the block and is
// guarded by that cache's lock. Copies share the block; thread-safe as a shared pointer is.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "meta/metadata_store.h"

namespace berth::meta::cache {

class PackedManifest {
 public:
  // What the read cache keeps of an entry, where a hit reads it.
  struct CacheStamp {
    RepositoryId repo = 0;
    uint64_t epoch = 0;
    uint64_t generation = 0;
    bool referenced = false;
  };

  explicit PackedManifest(const ManifestRecord& record, std::string_view key = {});
  // The same manifest in a new block of its own, under `key`.
  PackedManifest(const PackedManifest& other, std::string_view key);
  PackedManifest(const PackedManifest& other) noexcept;
  PackedManifest(PackedManifest&& other) noexcept : block_(other.block_) { other.block_ = nullptr; }
  PackedManifest& operator=(const PackedManifest& other) noexcept;
  PackedManifest& operator=(PackedManifest&& other) noexcept;
  ~PackedManifest() { Release(); }

  ManifestRecord Unpack() const;
  std::string_view payload() const;
  std::string_view key() const { return KeyAt(block_); }
  // Bytes asked of the allocator for the block.
  size_t size() const;
  // Whether another copy shares the block.
  bool shared() const { return block_->refs.load(std::memory_order_acquire) > 1; }

  // The block's address, for the cache's index, and what can be read there while a copy lives.
  const void* address() const { return block_; }
  static std::string_view KeyAt(const void* address);
  static CacheStamp& StampAt(const void* address);
  // Another copy of the block at `address`. REQUIRES: a copy of it lives until this returns.
  static PackedManifest ShareAt(const void* address);

 private:
  struct Block {
    std::atomic<uint32_t> refs{1};
    uint32_t key = 0;  // bytes of each part, in this order after the block's header
    uint32_t digest = 0;
    uint32_t media_type = 0;
    uint32_t payload = 0;
    bool archived = false;
    CacheStamp stamp;
  };
  explicit PackedManifest(Block* block) : block_(block) {}
  static Block* Allocate(std::string_view key, std::string_view digest, std::string_view media_type,
                         std::string_view payload, bool archived);
  static const char* CharsOf(const Block* b) { return reinterpret_cast<const char*>(b + 1); }
  void Release() noexcept;

  Block* block_;  // null only once moved from
};

}  // namespace berth::meta::cache
