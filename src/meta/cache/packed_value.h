// meta/cache/packed_value.h
//
// Values as the read cache keeps them, each in one allocation: its reference count, the read
// cache's key and bookkeeping (CacheStamp), then its parts. A ManifestRecord behind a shared
// pointer was four allocations (the record with its count, and three strings, each where the
// allocator's size class put it): under random reads at a million manifests each was a cache
// miss, and a hit now reads one run of memory.
//
// The key and the stamp are in the block so that the cache's index can name the block itself:
// a hit then goes from the index's cell to the block, and the cache's entry for it is not read
// at all (meta/cache/read_cache.h). The reference count is the block's own, not a
// shared_ptr's, so the cache can share a block it reaches by its address.
//
// PackedManifest holds a manifest (by tag or digest), PackedRepository what a pull needs of a
// repository found by name (its ID, policy and tags).
//
// Immutable but for the stamp, which belongs to the one read cache holding the block and is
// guarded by that cache's lock. Copies share the block; thread-safe as a shared pointer is.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "meta/metadata_store.h"

namespace berth::meta::cache {

class PackedBlock {
 public:
  // What the read cache keeps of an entry, where a hit reads it.
  struct CacheStamp {
    RepositoryId repo = 0;
    uint64_t epoch = 0;
    uint64_t generation = 0;
    bool referenced = false;
  };
  enum class Kind : uint8_t { kManifest, kRepository };

  PackedBlock(const PackedBlock& other) noexcept;
  PackedBlock(PackedBlock&& other) noexcept : block_(other.block_) { other.block_ = nullptr; }
  PackedBlock& operator=(const PackedBlock& other) noexcept;
  PackedBlock& operator=(PackedBlock&& other) noexcept;
  ~PackedBlock() { Release(); }

  std::string_view key() const { return KeyAt(block_); }
  // Bytes asked of the allocator for the block.
  size_t size() const;
  // Whether another copy shares the block.
  bool shared() const { return block_->refs.load(std::memory_order_acquire) > 1; }
  // Leaves this copy holding a block of its own packed under `key`: a block shared with another
  // copy, or packed under another key, is copied (same kind and parts) first, so the stamp a
  // cache then writes there is its entry's alone.
  void OwnUnder(std::string_view key);

  // The block's address, for the cache's index, and what can be read there while a copy lives.
  const void* address() const { return block_; }
  static std::string_view KeyAt(const void* address);
  static CacheStamp& StampAt(const void* address);
  static Kind KindAt(const void* address) { return static_cast<const Block*>(address)->kind; }

 protected:
  static constexpr size_t kParts = 3;
  PackedBlock(Kind kind, std::string_view key, std::initializer_list<std::string_view> parts, bool flag);
  // Another copy of the block at `address`. REQUIRES: a copy of it lives until this returns.
  explicit PackedBlock(const void* address);

  std::string_view part(size_t i) const;
  bool flag() const { return block_->flag; }

 private:
  struct Block {
    std::atomic<uint32_t> refs{1};
    Kind kind = Kind::kManifest;
    bool flag = false;
    uint32_t key = 0;           // bytes of the key, then of each part, in this order after the header
    uint32_t parts[kParts] = {};
    CacheStamp stamp;
  };
  static Block* Allocate(Kind kind, std::string_view key, std::initializer_list<std::string_view> parts, bool flag);
  static const char* CharsOf(const Block* b) { return reinterpret_cast<const char*>(b + 1); }
  void Release() noexcept;

  Block* block_;  // null only once moved from
};

class PackedManifest : public PackedBlock {
 public:
  explicit PackedManifest(const ManifestRecord& record, std::string_view key = {});
  // REQUIRES: KindAt(address) is kManifest, and a copy lives until this returns.
  static PackedManifest ShareAt(const void* address) { return PackedManifest(address); }

  ManifestRecord Unpack() const;
  std::string_view payload() const { return part(2); }

 private:
  explicit PackedManifest(const void* address) : PackedBlock(address) {}
};

class PackedRepository : public PackedBlock {
 public:
  explicit PackedRepository(const FoundRepository& found, std::string_view key = {});
  // REQUIRES: KindAt(address) is kRepository, and a copy lives until this returns.
  static PackedRepository ShareAt(const void* address) { return PackedRepository(address); }

  FoundRepository Unpack() const;

 private:
  explicit PackedRepository(const void* address) : PackedBlock(address) {}
};

}  // namespace berth::meta::cache
