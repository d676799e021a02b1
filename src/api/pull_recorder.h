// api/pull_recorder.h
//
// Collects image pulls in memory and writes them to the metadata store in batches (ECR's
// lastRecordedPullTime), so a manifest GET never waits for a write. Bounded: past kMaxPending
// distinct images between flushes, further pulls are dropped until the next flush (a pull time
// is a hint, refreshed on the next pull).
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "base/error.h"
#include "meta/metadata_store.h"

namespace berth::api {

class PullRecorder {
 public:
  static constexpr size_t kMaxPending = 100000;

  void Record(meta::RepositoryId repo, const berth::oci::Digest& digest, int64_t now) {
    std::lock_guard lock(mu_);
    if (pending_.size() >= kMaxPending) return;
    pending_[{repo, digest.str()}] = now;
  }

  // Writes what was recorded since the last flush. Blocking.
  Status Flush(meta::ImageCatalog& catalog) {
    std::map<std::pair<meta::RepositoryId, std::string>, int64_t> batch;
    {
      std::lock_guard lock(mu_);
      batch.swap(pending_);
    }
    for (const auto& [key, when] : batch) {
      Result<berth::oci::Digest> digest = berth::oci::Digest::Parse(key.second);
      if (!digest) continue;
      BERTH_TRY(catalog.RecordPull(key.first, *digest, when));
    }
    return {};
  }

 private:
  std::mutex mu_;
  std::map<std::pair<meta::RepositoryId, std::string>, int64_t> pending_;  // guarded by mu_
};

}  // namespace berth::api
