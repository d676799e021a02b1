#include "meta/cache/read_cache.h"

namespace berth::meta::cache {

uint64_t ReadCache::GenerationLocked(RepositoryId repo) const {
  auto it = generation_.find(repo);
  return it == generation_.end() ? 0 : it->second;
}

ReadCache::Ticket ReadCache::Begin(RepositoryId repo) {
  std::lock_guard lock(mu_);
  return Ticket{.enabled = enabled_, .epoch = epoch_, .generation = GenerationLocked(repo)};
}

std::optional<ReadCache::Value> ReadCache::Get(const std::string& key, RepositoryId repo) {
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

void ReadCache::Put(const std::string& key, RepositoryId repo, Value value, const Ticket& ticket) {
  std::lock_guard lock(mu_);
  if (!ticket.enabled || !enabled_ || ticket.epoch != epoch_ || ticket.generation != GenerationLocked(repo)) {
    return;  // something changed while the store was read: the answer may be stale
  }
  size_t bytes = key.size() + sizeof(Entry);
  if (const ManifestRecord* m = std::get_if<ManifestRecord>(&value)) bytes += m->payload.size() + m->media_type.size();
  if (const RepositoryAccess* a = std::get_if<RepositoryAccess>(&value)) {
    bytes += a->policy.size();
    for (const auto& [k, v] : a->tags) bytes += k.size() + v.size() + 64;
  }
  if (bytes > max_bytes_ / 8) return;  // one entry never crowds out the rest
  if (auto old = index_.find(key); old != index_.end()) EraseLocked(old->second);
  lru_.push_front(Entry{key, repo, std::move(value), epoch_, ticket.generation, bytes});
  index_[key] = lru_.begin();
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

}  // namespace berth::meta::cache
