// api/pull_recorder.h
//
// Collects image pulls in memory and writes them to the metadata store in batches (ECR's
// lastRecordedPullTime), so a manifest GET never waits for a write. As ECR does, a pull time is
// recorded at most about once a day per image (this node remembers what it wrote; the store
// ignores a time within a day of the last), and pulls by principals on the pull-time update
// exclusion list (RegisterPullTimeUpdateExclusion: scanners, replicators, backups) are not
// recorded, so they do not keep images alive for sinceImagePulled rules. The list is read at
// each flush. Bounded: past kMaxPending distinct images between flushes, further pulls are
// dropped until the next flush (a pull time is a hint, refreshed on the next pull).
//
// Thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "meta/metadata_store.h"

namespace berth::api {

class PullRecorder {
 public:
  static constexpr size_t kMaxPending = 100000;
  static constexpr int64_t kRecordEvery = 86400;

  void Record(meta::RepositoryId repo, const berth::oci::Digest& digest, int64_t now, std::string_view principal_arn) {
    std::lock_guard lock(mu_);
    Key key{repo, digest.str()};
    if (auto w = written_.find(key); w != written_.end() && w->second > now - kRecordEvery) return;
    if (pending_.size() >= kMaxPending) return;
    Pull& p = pending_[std::move(key)];
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

  // Writes what was recorded since the last flush. Blocking.
  Status Flush(meta::ImageCatalog& catalog) {
    std::map<Key, Pull> batch;
    {
      std::lock_guard lock(mu_);
      batch.swap(pending_);
    }
    if (batch.empty()) return {};
    BERTH_ASSIGN(auto exclusions, catalog.ListPullTimeExclusions());
    for (const auto& [key, pull] : batch) {
      const bool excluded = !pull.anyone && std::all_of(pull.principals.begin(), pull.principals.end(), [&](const std::string& who) {
        return std::any_of(exclusions.begin(), exclusions.end(), [&](const auto& e) { return e.first == who; });
      });
      if (excluded) continue;
      Result<berth::oci::Digest> digest = berth::oci::Digest::Parse(key.second);
      if (!digest) continue;
      BERTH_TRY(catalog.RecordPull(key.first, *digest, pull.when));
      std::lock_guard lock(mu_);
      if (written_.size() >= kMaxPending) written_.clear();
      written_[key] = pull.when;
    }
    return {};
  }

 private:
  using Key = std::pair<meta::RepositoryId, std::string>;
  struct Pull {
    int64_t when = 0;
    bool anyone = false;                  // pulled by someone who is never excluded
    std::vector<std::string> principals;  // otherwise: who pulled
  };
  std::mutex mu_;
  std::map<Key, Pull> pending_;     // guarded by mu_
  std::map<Key, int64_t> written_;  // guarded by mu_: what this node recorded, and when
};

}  // namespace berth::api
