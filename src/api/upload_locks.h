// api/upload_locks.h
//
// At most one request writes an upload session at a time, whichever API it came through (/v2/
// PATCH and PUT, ECR's UploadLayerPart and CompleteLayerUpload) and the idle-upload purge. A
// second writer is refused rather than queued: clients send an upload's chunks in order, so a
// concurrent one is a client error.
//
// Thread-safe. Single-node; a cluster needs a row lock in the metadata store instead.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>

namespace berth::api {

class UploadLocks {
 public:
  // Holds the lock on one upload until destroyed.
  class Guard {
   public:
    Guard(UploadLocks& locks, std::string id) : locks_(&locks), id_(std::move(id)) {}
    Guard(Guard&& other) noexcept : locks_(std::exchange(other.locks_, nullptr)), id_(std::move(other.id_)) {}
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    Guard& operator=(Guard&&) = delete;
    ~Guard() {
      if (locks_ == nullptr) return;
      std::lock_guard lock(locks_->mu_);
      locks_->busy_.erase(id_);
    }

   private:
    UploadLocks* locks_;
    std::string id_;
  };

  // nullopt if another request holds the upload.
  std::optional<Guard> TryLock(const std::string& id) {
    std::lock_guard lock(mu_);
    if (!busy_.insert(id).second) return std::nullopt;
    return std::optional<Guard>(std::in_place, *this, id);
  }

 private:
  std::mutex mu_;
  std::unordered_set<std::string> busy_;  // guarded by mu_
};

}  // namespace berth::api
