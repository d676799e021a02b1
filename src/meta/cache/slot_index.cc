#include "meta/cache/slot_index.h"

#include <bit>

namespace berth::meta::cache {

void SlotIndex::Insert(uint64_t hash, uint32_t slot, const void* hint) {
  if (2 * (size_ + 1) > cells_.size()) Grow();
  Place(Cell{.key = Tag(hash) | (uint64_t{slot} + 1), .hint = hint});
  ++size_;
}

void SlotIndex::Place(const Cell& cell) {
  size_t i = Home(cell.key & kTagBits);
  while (cells_[i].key != 0) i = (i + 1) & mask_;
  cells_[i] = cell;
}

void SlotIndex::Grow() {
  std::vector<Cell> old = std::move(cells_);
  const size_t capacity = old.empty() ? 16 : 2 * old.size();
  cells_.assign(capacity, Cell{});
  mask_ = capacity - 1;
  shift_ = 64 - std::countr_zero(capacity);
  for (const Cell& cell : old) {
    if (cell.key != 0) Place(cell);
  }
}

void SlotIndex::Erase(uint64_t hash, uint32_t slot) {
  if (cells_.empty()) return;
  const uint64_t wanted = Tag(hash) | (uint64_t{slot} + 1);
  size_t hole = Home(Tag(hash));
  while (cells_[hole].key != wanted) {
    if (cells_[hole].key == 0) return;
    hole = (hole + 1) & mask_;
  }
  // Each later cell of the run moves into the hole unless its home lies after the hole (then
  // a probe for it never passes the hole): linear probing's deletion without tombstones.
  for (size_t next = (hole + 1) & mask_; cells_[next].key != 0; next = (next + 1) & mask_) {
    const size_t home = Home(cells_[next].key & kTagBits);
    const bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (stays) continue;
    cells_[hole] = cells_[next];
    hole = next;
  }
  cells_[hole] = Cell{};
  --size_;
}

void SlotIndex::Clear() {
  cells_.clear();
  cells_.shrink_to_fit();
  mask_ = 0;
  shift_ = 64;
  size_ = 0;
}

}  // namespace berth::meta::cache
