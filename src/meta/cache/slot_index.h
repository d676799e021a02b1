// meta/cache/slot_index.h
//
// The read cache's index from a key's hash to the slot of its entry: open addressing with
// linear probing over one array of 16-byte cells, each holding the top half of a key's hash,
// its slot, and a hint: the address of the value itself where the cache keeps the key there
// (a packed manifest), so that a hit reads the cell and then the value, and not the entry
// between them. A lookup reads one cell (now and then the next) and then what it names.
// std::unordered_map read a bucket, then a node, then the entry: with a million random keys
// each of those is a cache miss, and the node was one more allocation per entry.
//
// Keys live in the entries, not here: Find asks the caller whether a slot holds the key
// sought. A cell's position comes from the half of the hash it keeps, so growing and erasing
// need nothing but the cells. Kept at most half full, so probe sequences stay short; erasing
// shifts the cells behind it back rather than leaving a tombstone, so a table that churns for
// days probes as briefly as a fresh one.
//
// Not thread-safe: each of the cache's shards guards its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace berth::meta::cache {

class SlotIndex {
 public:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  struct Cell {
    uint64_t key = 0;  // 0: empty; else Tag(hash) | (slot + 1)
    const void* hint = nullptr;
  };
  // Index memory per entry at worst (a quarter full, just after growing).
  static constexpr size_t kBytesPerEntry = 4 * sizeof(Cell);

  // The slot of the key whose hash is `hash`, as `holds(slot, hint)` confirms; kNone if none
  // does. The hint is the one inserted with the slot.
  template <class Holds>
  uint32_t Find(uint64_t hash, Holds&& holds) const {
    if (cells_.empty()) return kNone;
    const uint64_t tag = Tag(hash);
    for (size_t i = Home(tag);; i = (i + 1) & mask_) {
      const Cell& cell = cells_[i];
      if (cell.key == 0) return kNone;
      if ((cell.key & kTagBits) == tag && holds(SlotOf(cell.key), cell.hint)) return SlotOf(cell.key);
    }
  }

  // REQUIRES: slot < kNone, and no cell holds this key yet.
  void Insert(uint64_t hash, uint32_t slot, const void* hint = nullptr);
  // Removes the cell of (hash, slot); nothing if there is none.
  void Erase(uint64_t hash, uint32_t slot);
  void Clear();

  size_t size() const { return size_; }
  size_t capacity() const { return cells_.size(); }

 private:
  static constexpr uint64_t kTagBits = ~uint64_t{0} << 32;
  static uint64_t Tag(uint64_t hash) { return hash & kTagBits; }
  static uint32_t SlotOf(uint64_t cell) { return static_cast<uint32_t>(cell) - 1; }
  // Fibonacci hashing of the kept half: its well-mixed top bits pick the cell.
  size_t Home(uint64_t tag) const { return static_cast<size_t>(((tag >> 32) * 0x9E3779B97F4A7C15ULL) >> shift_); }
  void Place(const Cell& cell);
  void Grow();

  std::vector<Cell> cells_;
  size_t mask_ = 0;
  int shift_ = 64;
  size_t size_ = 0;
};

}  // namespace berth::meta::cache
