#include "meta/cache/read_cache.h"

#include <algorithm>
#include <bit>
#include <functional>

namespace berth::meta::cache {
namespace {

// What the allocator (jemalloc: telemetry/allocator.h) hands out for `n` bytes: multiples of 16
// up to 128, then four size classes per doubling.
size_t AllocatedFor(size_t n) {
  if (n <= 128) return (n + 15) / 16 * 16;
  const size_t step = std::bit_floor(n - 1) / 4;
  return (n + step - 1) / step * step;
}
// A string's characters beyond its inline buffer.
size_t HeapOf(const std::string& s) { return s.size() > 15 ? AllocatedFor(s.size() + 1) : 0; }
constexpr size_t kSharedCount = 16;  // a shared block's reference counts, before its object
constexpr size_t kFreeSlot = 4;  // its place in the free list once erased
constexpr size_t kShardBytes = size_t{16} << 20;
constexpr size_t kMaxShards = 16;

size_t ShardsFor(size_t max_bytes) { return std::clamp<size_t>(max_bytes / kShardBytes, 1, kMaxShards); }

}  // namespace

size_t ReadCache::CostOf(const std::string& key, const Value& value) {
  size_t bytes = sizeof(Entry) + SlotIndex::kBytesPerEntry + kFreeSlot + HeapOf(key);
  if (const PackedBlock* p = PackedOf(value)) bytes += AllocatedFor(p->size());
  auto access_bytes = [](const RepositoryAccess& a) {
    size_t n = HeapOf(a.policy);
    for (const auto& [k, v] : a.tags) n += 96 + HeapOf(k) + HeapOf(v);
    return n;
  };
  if (const auto* a = std::get_if<std::shared_ptr<const RepositoryAccess>>(&value)) {
    bytes += AllocatedFor(kSharedCount + sizeof(RepositoryAccess)) + access_bytes(**a);
  }
  return bytes;
}

ReadCache::ReadCache(size_t max_bytes)
    : shard_bytes_(max_bytes / ShardsFor(max_bytes)),
      generations_(new std::atomic<uint64_t>[kGenerationBuckets]()) {
  for (size_t i = 0; i < ShardsFor(max_bytes); ++i) shards_.push_back(std::make_unique<Shard>());
}

std::atomic<uint64_t>& ReadCache::GenerationOf(RepositoryId repo) const {
  return generations_[static_cast<uint64_t>(repo) % kGenerationBuckets];
}

uint64_t ReadCache::HashOf(std::string_view key) { return std::hash<std::string_view>{}(key); }

// The shard by the hash's low bits; the index within it uses the high half.
ReadCache::Shard& ReadCache::ShardOf(uint64_t hash) { return *shards_[hash % shards_.size()]; }

uint32_t ReadCache::FindLocked(const Shard& shard, uint64_t hash, std::string_view key, const void** packed) {
  return shard.index.Find(hash, [&](uint32_t slot, const void* hint) {
    if (hint == nullptr) return shard.slots[slot].key == key;
    if (PackedBlock::KeyAt(hint) != key) return false;
    *packed = hint;
    return true;
  });
}

const PackedBlock* ReadCache::PackedOf(const Value& value) {
  if (const auto* m = std::get_if<PackedManifest>(&value)) return m;
  if (const auto* r = std::get_if<PackedRepository>(&value)) return r;
  return nullptr;
}

PackedBlock* ReadCache::PackedOf(Value& value) {
  return const_cast<PackedBlock*>(PackedOf(static_cast<const Value&>(value)));
}

bool& ReadCache::ReferencedOf(Entry& e) {
  if (const PackedBlock* p = PackedOf(e.value)) return PackedBlock::StampAt(p->address()).referenced;
  return e.referenced;
}

ReadCache::Ticket ReadCache::Begin(RepositoryId repo) const {
  return Ticket{.enabled = enabled_.load(), .epoch = epoch_.load(), .generation = GenerationOf(repo).load()};
}

std::optional<ReadCache::Value> ReadCache::Get(std::string_view key) {
  const uint64_t hash = HashOf(key);
  Shard& shard = ShardOf(hash);
  std::lock_guard lock(shard.mu);
  const void* packed = nullptr;
  const uint32_t slot = enabled_.load() ? FindLocked(shard, hash, key, &packed) : SlotIndex::kNone;
  if (slot == SlotIndex::kNone) {
    ++shard.misses;
    return std::nullopt;
  }
  // A packed value answers from its own block: the entry is not read (read_cache.h).
  if (packed != nullptr) {
    PackedBlock::CacheStamp& stamp = PackedBlock::StampAt(packed);
    if (stamp.epoch != epoch_.load() || stamp.generation != GenerationOf(stamp.repo).load()) {
      EraseLocked(shard, slot);
      ++shard.misses;
      return std::nullopt;
    }
    if (!stamp.referenced) stamp.referenced = true;  // no write, so no line taken, when already marked
    ++shard.hits;
    if (PackedBlock::KindAt(packed) == PackedBlock::Kind::kRepository) return PackedRepository::ShareAt(packed);
    return PackedManifest::ShareAt(packed);
  }
  Entry& e = shard.slots[slot];
  if (e.epoch != epoch_.load() || e.generation != GenerationOf(e.repo).load()) {
    EraseLocked(shard, slot);
    ++shard.misses;
    return std::nullopt;
  }
  e.referenced = true;
  ++shard.hits;
  return e.value;
}

void ReadCache::Put(std::string key, RepositoryId repo, Value value, const Ticket& ticket) {
  // A packed value holds its key and stamp in its block, which must then be this entry's alone.
  PackedBlock* packed = PackedOf(value);
  if (packed != nullptr) packed->OwnUnder(key);
  const size_t bytes = CostOf(packed != nullptr ? std::string() : key, value);
  if (bytes > shard_bytes_ / 8) return;  // one entry never crowds out the rest
  const uint64_t hash = HashOf(key);
  Shard& shard = ShardOf(hash);
  std::lock_guard lock(shard.mu);
  // A change after this check leaves the entry behind its generation: Get drops it unserved.
  if (!ticket.enabled || !enabled_.load() || ticket.epoch != epoch_.load() ||
      ticket.generation != GenerationOf(repo).load()) {
    return;  // something changed while the store was read: the answer may be stale
  }
  const void* old_packed = nullptr;
  if (const uint32_t old = FindLocked(shard, hash, key, &old_packed); old != SlotIndex::kNone) EraseLocked(shard, old);
  shard.bytes += bytes;
  EvictLocked(shard);
  uint32_t slot;
  if (shard.free.empty()) {
    slot = static_cast<uint32_t>(shard.slots.size());
    shard.slots.emplace_back();
  } else {
    slot = shard.free.back();
    shard.free.pop_back();
  }
  // A new entry starts unmarked: one read is not yet a reason to keep it over older ones.
  const void* hint = nullptr;
  if (packed != nullptr) {
    hint = packed->address();
    PackedBlock::StampAt(hint) = {.repo = repo, .epoch = ticket.epoch, .generation = ticket.generation, .referenced = false};
    key.clear();  // the block holds it
  }
  shard.slots[slot] = Entry{std::move(key), hash, repo, std::move(value), ticket.epoch, ticket.generation, bytes, false};
  shard.index.Insert(hash, slot, hint);
}

// Makes room for what shard.bytes already counts: the hand frees unmarked entries (and entries
// of a past epoch, which can never be served) and unmarks marked ones, so two turns over the
// slots (free ones included) at most.
void ReadCache::EvictLocked(Shard& shard) {
  const size_t turns = 2 * shard.slots.size();
  const uint64_t epoch = epoch_.load();
  for (size_t step = 0; shard.bytes > shard_bytes_ && step < turns; ++step) {
    if (shard.hand >= shard.slots.size()) shard.hand = 0;
    const uint32_t slot = static_cast<uint32_t>(shard.hand++);
    Entry& e = shard.slots[slot];
    if (e.bytes == 0) continue;
    if (bool& referenced = ReferencedOf(e); referenced && e.epoch == epoch) {
      referenced = false;
      continue;
    }
    EraseLocked(shard, slot);
  }
}

void ReadCache::EraseLocked(Shard& shard, uint32_t slot) {
  Entry& e = shard.slots[slot];
  shard.bytes -= e.bytes;
  shard.index.Erase(e.hash, slot);
  e = Entry{};  // releases the value now, not when the slot is next used
  shard.free.push_back(slot);
}

void ReadCache::Changed(RepositoryId repo) {
  if (repo == kAllRepositories) {
    ++epoch_;
    return;
  }
  ++GenerationOf(repo);
}

void ReadCache::Reset(bool enabled) {
  enabled_ = enabled;
  ++epoch_;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mu);
    shard->index.Clear();
    shard->slots.clear();
    shard->free.clear();
    shard->hand = 0;
    shard->bytes = 0;
  }
}

template <class F>
size_t ReadCache::SumOverShards(F&& of) const {
  size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mu);
    n += of(*shard);
  }
  return n;
}

uint64_t ReadCache::hits() const { return SumOverShards([](const Shard& s) { return s.hits; }); }
uint64_t ReadCache::misses() const { return SumOverShards([](const Shard& s) { return s.misses; }); }
size_t ReadCache::bytes() const { return SumOverShards([](const Shard& s) { return s.bytes; }); }
size_t ReadCache::entries() const {
  return SumOverShards([](const Shard& s) { return s.slots.size() - s.free.size(); });
}

}  // namespace berth::meta::cache
