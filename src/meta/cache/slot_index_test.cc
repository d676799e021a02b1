#include "meta/cache/slot_index.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <vector>

namespace berth::meta::cache {
namespace {

// The index beside a plain map of what it should hold: slot -> hash of its key. Each slot's
// hint is an address made from the slot, so a hint that strayed from its slot while cells moved
// (growing, erasing) is caught.
class SlotIndexTest : public ::testing::Test {
 protected:
  static const void* HintOf(uint32_t slot) { return reinterpret_cast<const void*>((uintptr_t{slot} + 1) * 16); }
  uint32_t Find(uint64_t hash) const {
    return index_.Find(hash, [&](uint32_t slot, const void* hint) {
      auto it = held_.find(slot);
      EXPECT_EQ(hint, HintOf(slot));
      return it != held_.end() && it->second == hash;
    });
  }
  void Insert(uint64_t hash, uint32_t slot) {
    index_.Insert(hash, slot, HintOf(slot));
    held_[slot] = hash;
  }
  void Erase(uint32_t slot) {
    index_.Erase(held_.at(slot), slot);
    held_.erase(slot);
  }
  void ExpectAllFound() const {
    ASSERT_EQ(index_.size(), held_.size());
    for (const auto& [slot, hash] : held_) ASSERT_EQ(Find(hash), slot) << "hash " << hash;
  }

  SlotIndex index_;
  std::map<uint32_t, uint64_t> held_;
};

TEST_F(SlotIndexTest, AnEmptyIndexFindsNothingAndErasesNothing) {
  EXPECT_EQ(Find(42), SlotIndex::kNone);
  index_.Erase(42, 0);
  EXPECT_EQ(index_.size(), 0u);
}

TEST_F(SlotIndexTest, KeysWithTheSameKeptHalfAreToldApartByTheirEntries) {
  // Equal top halves land in one run of cells; only the entries can tell them apart.
  const uint64_t same = uint64_t{0xabcdef01} << 32;
  for (uint32_t slot = 0; slot < 40; ++slot) Insert(same | slot, slot);
  ExpectAllFound();
  for (uint32_t slot = 0; slot < 40; slot += 3) Erase(slot);
  ExpectAllFound();
  EXPECT_EQ(Find(same | 0), SlotIndex::kNone);
}

TEST_F(SlotIndexTest, StaysHalfFullAtMostAsItGrows) {
  for (uint32_t slot = 0; slot < 10000; ++slot) {
    Insert(std::hash<uint32_t>{}(slot) * 0xff51afd7ed558ccdULL, slot);
    ASSERT_LE(2 * index_.size(), index_.capacity());
  }
  ExpectAllFound();
}

// Inserts and erases at random for a long time, in a table kept small, so runs of cells wrap
// around its end and erasing shifts cells back across it: every key stays findable.
TEST_F(SlotIndexTest, ChurnKeepsEveryKeyFindableAndNoErasedOne) {
  std::mt19937_64 random(7);
  std::vector<uint32_t> live;
  uint32_t next_slot = 0;
  for (int step = 0; step < 200000; ++step) {
    if (live.size() < 200 && (live.empty() || random() % 2 == 0)) {
      // Few distinct kept halves: long runs of neighbours.
      const uint64_t hash = (random() % 64) << 32 | (random() & 0xffffffff);
      Insert(hash, next_slot);
      live.push_back(next_slot++);
    } else {
      const size_t pick = random() % live.size();
      const uint64_t hash = held_.at(live[pick]);
      Erase(live[pick]);
      ASSERT_EQ(Find(hash), SlotIndex::kNone);
      live[pick] = live.back();
      live.pop_back();
    }
    if (step % 997 == 0) ExpectAllFound();
  }
  ExpectAllFound();
}

TEST_F(SlotIndexTest, ClearForgetsEverything) {
  for (uint32_t slot = 0; slot < 100; ++slot) Insert(uint64_t{slot} << 40, slot);
  index_.Clear();
  EXPECT_EQ(index_.size(), 0u);
  EXPECT_EQ(index_.capacity(), 0u);
  EXPECT_EQ(index_.Find(uint64_t{5} << 40, [](uint32_t, const void*) { return true; }), SlotIndex::kNone);
  index_.Insert(7, 3);
  EXPECT_EQ(index_.Find(7, [](uint32_t slot, const void* hint) { return slot == 3 && hint == nullptr; }), 3u);
}

}  // namespace
}  // namespace berth::meta::cache
