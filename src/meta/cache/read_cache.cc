#include "meta/cache/read_cache.h"

namespace berth::meta::cache {
namespace {

// What the allocator hands out for a string's characters beyond the inline buffer, and for
// one node of the index (glibc: 16-byte chunks with 8 bytes of header).
size_t HeapOf(const std::string& s) { return s.size() > 15 ? (s.size() + 1 + 8 + 15) / 16 * 16 : 0; }
constexpr size_t kIndexNode = 48 + 8;  // key view, slot, next, hash; plus its bucket
constexpr size_t kFreeSlot = 4;        // its place in the free list once erased

}  // namespace

size_t ReadCache::CostOf(const std::string& key, const Value& value) {
  size_t bytes = sizeof(Entry) + kIndexNode + kFreeSlot + HeapOf(key);
  if (const auto* m = std::get_if<std::shared_ptr<const ManifestRecord>>(&value)) {
    // make_shared: one block with the control block; the strings' characters apart.
    bytes += sizeof(ManifestRecord) + 32 + HeapOf((*m)->digest.str()) + HeapOf((*m)->media_type) +
             HeapOf((*m)->payload);
  }
  if (const auto* a = std::get_if<std::shared_ptr<const RepositoryAccess>>(&value)) {
    bytes += sizeof(RepositoryAccess) + 32 + HeapOf((*a)->policy);
    for (const auto& [k, v] : (*a)->tags) bytes += 96 + HeapOf(k) + HeapOf(v);
  }
  return bytes;
}

uint64_t ReadCache::GenerationLocked(RepositoryId repo) const {
  auto it = generation_.find(repo);
  return it == generation_.end() ? 0 : it->second;
}

ReadCache::Ticket ReadCache::Begin(RepositoryId repo) {
  std::lock_guard lock(mu_);
  return Ticket{.enabled = enabled_, .epoch = epoch_, .generation = GenerationLocked(repo)};
}

std::optional<ReadCache::Value> ReadCache::Get(std::string_view key, RepositoryId repo) {
  std::lock_guard lock(mu_);
  auto it = enabled_ ? index_.find(key) : index_.end();
  if (it == index_.end()) {
    ++misses_;
    return std::nullopt;
  }
  Entry& e = slots_[it->second];
  if (e.epoch != epoch_ || e.generation != GenerationLocked(repo)) {
    EraseLocked(it->second);
    ++misses_;
    return std::nullopt;
  }
  e.referenced = true;
  ++hits_;
  return e.value;
}

void ReadCache::Put(std::string key, RepositoryId repo, Value value, const Ticket& ticket) {
  const size_t bytes = CostOf(key, value);
  std::lock_guard lock(mu_);
  if (!ticket.enabled || !enabled_ || ticket.epoch != epoch_ || ticket.generation != GenerationLocked(repo)) {
    return;  // something changed while the store was read: the answer may be stale
  }
  if (bytes > max_bytes_ / 8) return;  // one entry never crowds out the rest
  if (auto old = index_.find(key); old != index_.end()) EraseLocked(old->second);
  bytes_ += bytes;
  EvictLocked();
  uint32_t slot;
  if (free_.empty()) {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_.back();
    free_.pop_back();
  }
  // A new entry starts unmarked: one read is not yet a reason to keep it over older ones.
  slots_[slot] = Entry{std::move(key), repo, std::move(value), epoch_, ticket.generation, bytes, false};
  index_.emplace(slots_[slot].key, slot);
}

// Makes room for what bytes_ already counts: the hand frees unmarked entries (and entries of a
// past epoch, which can never be served) and unmarks marked ones, so two turns over the slots
// (free ones included) at most.
void ReadCache::EvictLocked() {
  const size_t turns = 2 * slots_.size();
  for (size_t step = 0; bytes_ > max_bytes_ && step < turns; ++step) {
    if (hand_ >= slots_.size()) hand_ = 0;
    const uint32_t slot = static_cast<uint32_t>(hand_++);
    Entry& e = slots_[slot];
    if (e.bytes == 0) continue;
    if (e.referenced && e.epoch == epoch_) {
      e.referenced = false;
      continue;
    }
    EraseLocked(slot);
  }
}

void ReadCache::EraseLocked(uint32_t slot) {
  Entry& e = slots_[slot];
  bytes_ -= e.bytes;
  index_.erase(e.key);
  e = Entry{};  // releases the value now, not when the slot is next used
  free_.push_back(slot);
}

void ReadCache::Changed(RepositoryId repo) {
  std::lock_guard lock(mu_);
  if (repo == kAllRepositories) {
    ++epoch_;
    return;
  }
  if (generation_.size() >= kMaxGenerations && !generation_.contains(repo)) {
    generation_.clear();
    ++epoch_;  // entries and tickets of the forgotten generations are stale by their epoch
  }
  ++generation_[repo];
}

void ReadCache::Reset(bool enabled) {
  std::lock_guard lock(mu_);
  ++epoch_;
  enabled_ = enabled;
  index_.clear();
  slots_.clear();
  free_.clear();
  hand_ = 0;
  bytes_ = 0;
}

size_t ReadCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

size_t ReadCache::entries() const {
  std::lock_guard lock(mu_);
  return slots_.size() - free_.size();
}

}  // namespace berth::meta::cache
