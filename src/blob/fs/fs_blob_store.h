// blob/fs/fs_blob_store.h
//
// BlobStore on a local directory:
//   <root>/blobs/sha256/<first two hex>/<hex>   published blobs, read-only once renamed in
//   <root>/uploads/<upload id>                  unfinished uploads
//   <archive>/blobs/sha256/<2 hex>/<hex>        blobs moved to the archive place (optional)
// A blob appears only by rename() after fsync, and its directory is fsynced after the rename, so
// a crash never exposes a half-written blob and never loses a committed one.
#pragma once

#include <memory>
#include <string>

#include "blob/blob_store.h"
#include "oci/digest.h"

namespace berth::blob::fs {

// Creates the directories if needed. With `archive_root`, blobs only archived images use live
// under <archive_root>/blobs/sha256/... (another disk, typically) until their images are restored.
Result<std::unique_ptr<BlobStore>> OpenFsBlobStore(const std::string& root, const std::string& archive_root = "");

// Where a published blob lives, relative to the store's root: "blobs/sha256/<2 hex>/<hex>".
std::string BlobRelativePath(const oci::Digest& digest);

}  // namespace berth::blob::fs
