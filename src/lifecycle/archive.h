// lifecycle/archive.h
//
// Moving an image to the archive storage class and back, for UpdateImageStorageClass and
// lifecycle transitions: the metadata first (the image stops or starts being served), then the
// bytes of the blobs only archived images use go to the blob store's archive place, or come
// back (blob::BlobStore::MoveToArchive). A crash between the two leaves bytes where they were,
// still readable: the next change of the image's class moves them. Blocking.
#pragma once

#include "base/error.h"
#include "blob/blob_store.h"
#include "meta/metadata_store.h"

namespace berth::lifecycle {

// False if the image does not exist.
Result<bool> SetStorageClass(meta::MetadataStore& meta, blob::BlobStore& blobs, meta::RepositoryId repo,
                             const oci::Digest& digest, bool archive, int64_t now);

}  // namespace berth::lifecycle
