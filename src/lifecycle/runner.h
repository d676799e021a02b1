// lifecycle/runner.h
//
// Lifecycle policies carried out on the metadata store: a preview (what a policy would do now)
// and a run (doing it). Both load the repository's images and their relations and call the
// pure Plan(); a run then expires image by image, each only if it is still as evaluated
// (meta::LifecycleStore::ExpireImage), so a tag pushed meanwhile saves its image. Every action
// is logged. A transition moves the image to the archive storage class (lifecycle/archive.h).
//
// Thread-safe; blocking (run it on the blocking pool).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/error.h"
#include "blob/blob_store.h"
#include "lifecycle/plan.h"
#include "meta/metadata_store.h"

namespace berth::lifecycle {

struct PlannedImage {
  std::string digest;
  std::vector<std::string> tags;
  int64_t pushed_at = 0;
  StorageClass storage = StorageClass::kStandard;
  int64_t rule_priority = 0;
  ActionType action = ActionType::kExpire;
  bool follows = false;
};

struct RunReport {
  size_t planned = 0;
  size_t expired = 0;
  size_t archived = 0;
  size_t skipped = 0;  // changed since evaluated, or gone
};

class Runner {
 public:
  // More images than this in one repository are not evaluated (the run fails, logged).
  static constexpr size_t kMaxImages = 200000;

  Runner(meta::MetadataStore& store, blob::BlobStore& blobs, std::function<int64_t()> clock);

  Result<std::vector<PlannedImage>> Preview(meta::RepositoryId repo, const Policy& policy);
  // Carries out the repository's stored policy, if it has one.
  Result<RunReport> Run(meta::RepositoryId repo, std::string_view repo_name);
  // Runs every repository's policy; a failing repository is logged and the others still run.
  RunReport RunAll();

  uint64_t images_expired() const { return images_expired_; }
  uint64_t images_archived() const { return images_archived_; }
  uint64_t runs() const { return runs_; }

 private:
  meta::MetadataStore& store_;
  blob::BlobStore& blobs_;
  std::function<int64_t()> clock_;
  std::atomic<uint64_t> images_expired_{0};
  std::atomic<uint64_t> images_archived_{0};
  std::atomic<uint64_t> runs_{0};
};

}  // namespace berth::lifecycle
