#include "meta/cache/read_cache.h"

namespace berth::meta::cache {
namespace {

// What the allocator hands out for a string's characters beyond the inline buffer, and for
// one node of the list and of the index (glibc: 16-byte chunks with 8 bytes of header).
size_t HeapOf(const std::string& s) { return s.size() > 15 ? (s.size() + 1 + 8 + 15) / 16 * 16 : 0; }
constexpr size_t kNodeOverhead = 16 + 8;  // list links, chunk header
constexpr size_t kIndexNode = 48 + 8;     // key view, iterator, next, hash; plus its bucket

}  // namespace

size_t ReadCache::CostOf(const std::string& key, const Value& value) {
  size_t bytes = sizeof(Entry) + kNodeOverhead + kIndexNode + HeapOf(key);
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
  const Entry& e = *it->second;
  if (e.epoch != epoch_ || e.generation != GenerationLocked(repo)) {
    EraseLocked(it->second);
    ++misses_;
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
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
  lru_.push_front(Entry{std::move(key), repo, std::move(value), epoch_, ticket.generation, bytes});
  index_.emplace(lru_.front().key, lru_.begin());
  bytes_ += bytes;
  while (bytes_ > max_bytes_ && !lru_.empty()) EraseLocked(std::prev(lru_.end()));
}

void ReadCache::EraseLocked(std::list<Entry>::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(it->key);
  lru_.erase(it);
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
  lru_.clear();
  index_.clear();
  bytes_ = 0;
}

size_t ReadCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

size_t ReadCache::entries() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

}  // namespace berth::meta::cache
