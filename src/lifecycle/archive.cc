#include "lifecycle/archive.h"

namespace berth::lifecycle {

Result<bool> SetStorageClass(meta::MetadataStore& meta, blob::BlobStore& blobs, meta::RepositoryId repo,
                             const oci::Digest& digest, bool archive, int64_t now) {
  BERTH_ASSIGN(bool found, meta.SetStorageClass(repo, digest, archive, now));
  if (!found) return false;
  BERTH_ASSIGN(std::vector<oci::Digest> moving, meta.ImageBlobs(repo, digest, archive));
  for (const oci::Digest& blob : moving) {
    BERTH_TRY(archive ? blobs.MoveToArchive(blob) : blobs.MoveFromArchive(blob));
  }
  return true;
}

}  // namespace berth::lifecycle
