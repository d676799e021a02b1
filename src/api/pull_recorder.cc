#include "api/pull_recorder.h"

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

size_t PullRecorder::WrittenSlot(const Key& key) { return KeyHash{}(key) % kWrittenSlots; }

bool PullRecorder::WrittenToday(const Key& key, int64_t now) const {
  return written_ && written_[WrittenSlot(key)] == WrittenEntry(key, now);
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
    BERTH_ASSIGN(int64_t n, catalog.RecordPulls(chunk));
    changed += n;
    std::lock_guard lock(mu_);
    if (!written_) written_.reset(static_cast<uint64_t*>(std::calloc(kWrittenSlots, sizeof(uint64_t))));
    // Without memory to remember, the store still refuses repeats within the day.
    if (written_) {
      for (const auto& [key, when] : chunk_keys) written_[WrittenSlot(key)] = WrittenEntry(key, when);
    }
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
