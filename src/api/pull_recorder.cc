#include "api/pull_recorder.h"

#include <sys/mman.h>

#include <algorithm>
#include <charconv>

namespace berth::api {

PullRecorder::Key PullRecorder::KeyOf(meta::RepositoryId repo, const berth::oci::Digest& digest) {
  // The digest is already a cryptographic hash: its first 16 hex digits are a good 64-bit one.
  const std::string_view hex = digest.hex();
  uint64_t h = 0;
  std::from_chars(hex.data(), hex.data() + std::min<size_t>(16, hex.size()), h, 16);
  return Key{repo, h};
}

uint64_t PullRecorder::WrittenEntry(const Key& key, int64_t when) {
  const uint64_t day = static_cast<uint64_t>(when / kRecordEvery) & 0xffff;
  return (KeyHash{}(key) & ~uint64_t{0x1ffff}) | (day << 1) | 1;  // never 0, the empty slot
}

// By the hash's low 18 bits; the entry keeps the bits from 17 up, which tell the keys of one bucket apart.
size_t PullRecorder::WrittenBucket(const Key& key) {
  return KeyHash{}(key) % (kWrittenSlots / kWrittenWays) * kWrittenWays;
}

bool PullRecorder::WrittenToday(const Key& key, int64_t now) const {
  if (!written_) return false;
  const uint64_t entry = WrittenEntry(key, now);
  const uint64_t* bucket = &written_[WrittenBucket(key)];
  return std::find(bucket, bucket + kWrittenWays, entry) != bucket + kWrittenWays;
}

void PullRecorder::RememberWritten(const Key& key, int64_t when) {
  constexpr uint64_t kDayBits = 0x1ffff;
  const uint64_t entry = WrittenEntry(key, when);
  uint64_t* bucket = &written_[WrittenBucket(key)];
  uint64_t* end = bucket + kWrittenWays;
  uint64_t* slot = std::find_if(bucket, end, [&](uint64_t e) { return (e & ~kDayBits) == (entry & ~kDayBits); });
  if (slot == end) slot = std::find_if(bucket, end, [&](uint64_t e) { return (e & kDayBits) != (entry & kDayBits); });
  if (slot == end) slot = bucket + (KeyHash{}(key) >> 61);
  *slot = entry;
}

void PullRecorder::ForgetWritten(const Key& key, int64_t when) {
  const uint64_t entry = WrittenEntry(key, when);
  uint64_t* bucket = &written_[WrittenBucket(key)];
  std::replace(bucket, bucket + kWrittenWays, entry, uint64_t{0});
}

void PullRecorder::Unmap::operator()(uint64_t* table) const { ::munmap(table, kWrittenSlots * sizeof(uint64_t)); }

void PullRecorder::Prefetch(meta::RepositoryId repo, const berth::oci::Digest& digest) const {
  if (const uint64_t* table = written_unlocked_.load(std::memory_order_acquire)) {
    __builtin_prefetch(&table[WrittenBucket(KeyOf(repo, digest))]);
  }
}

void PullRecorder::Record(meta::RepositoryId repo, const berth::oci::Digest& digest, int64_t now,
                          std::string_view principal_arn) {
  const Key key = KeyOf(repo, digest);
  std::lock_guard lock(mu_);
  if (WrittenToday(key, now)) return;
  auto it = pending_.find(key);
  if (it == pending_.end()) {
    if (pending_.size() >= kMaxPending) return;
    it = pending_.emplace(key, Pull{.digest = digest}).first;
  }
  Pull& p = it->second;
  p.when = now;
  // One pull by anyone not excluded is enough to record the image's pull: remember a few
  // distinct pullers (anonymous ones are never excluded), past that assume someone counts.
  if (p.anyone) return;
  if (principal_arn.empty() || p.principals.size() >= 4) {
    p.anyone = true;
  } else if (std::find(p.principals.begin(), p.principals.end(), principal_arn) == p.principals.end()) {
    p.principals.emplace_back(principal_arn);
  }
}

Result<int64_t> PullRecorder::Flush(meta::ImageCatalog& catalog) {
  std::unordered_map<Key, Pull, KeyHash> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(pending_);
  }
  if (batch.empty()) return 0;
  BERTH_ASSIGN(auto exclusions, catalog.ListPullTimeExclusions());
  auto excluded = [&](const Pull& pull) {
    return !pull.anyone && std::all_of(pull.principals.begin(), pull.principals.end(), [&](const std::string& who) {
      return std::any_of(exclusions.begin(), exclusions.end(), [&](const auto& e) { return e.first == who; });
    });
  };
  std::vector<meta::PulledImage> chunk;
  std::vector<std::pair<Key, int64_t>> chunk_keys;
  chunk.reserve(std::min(batch.size(), meta::ImageCatalog::kMaxPullsPerBatch));
  int64_t changed = 0;
  auto write = [&]() -> Status {
    // Remembered before the store writes them, not after: pulls of these images while it
    // writes (seconds, for a burst of new images) are then not kept to be written again.
    {
      std::lock_guard lock(mu_);
      if (!written_) {
        void* table = ::mmap(nullptr, kWrittenSlots * sizeof(uint64_t), PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (table != MAP_FAILED) {
          written_.reset(static_cast<uint64_t*>(table));
          written_unlocked_.store(written_.get(), std::memory_order_release);
        }
      }
      // Without memory to remember, the store still refuses repeats within the day.
      if (written_) {
        for (const auto& [key, when] : chunk_keys) RememberWritten(key, when);
      }
    }
    Result<int64_t> n = catalog.RecordPulls(chunk);
    if (!n) {
      // The batch is lost, as a pull over kMaxPending is: the images' next pulls record them.
      std::lock_guard lock(mu_);
      if (written_) {
        for (const auto& [key, when] : chunk_keys) ForgetWritten(key, when);
      }
      return std::unexpected(n.error());
    }
    changed += *n;
    chunk.clear();
    chunk_keys.clear();
    return {};
  };
  for (auto& [key, pull] : batch) {
    if (excluded(pull)) continue;
    chunk.push_back({.repo = key.repo, .digest = std::move(pull.digest), .when = pull.when});
    chunk_keys.emplace_back(key, pull.when);
    if (chunk.size() == meta::ImageCatalog::kMaxPullsPerBatch) BERTH_TRY(write());
  }
  if (!chunk.empty()) BERTH_TRY(write());
  return changed;
}

size_t PullRecorder::pending() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

}  // namespace berth::api
