// blob/s3/s3_blob_store.h
//
// BlobStore on an S3 bucket (AWS S3 or any S3-compatible store), under the location's prefix:
//   <prefix>blobs/sha256/<hex>            published blobs, written once under their digest
//   <prefix>uploads/<id>/object           a multipart upload's assembled bytes, until copied
//   <prefix>uploads/<id>/tail-<size>      the bytes past the last whole part, at a checkpoint
//
// Uploads are hashed as they arrive and sent as S3 multipart parts (8 MiB, larger for very big
// blobs, never whole in memory). A checkpoint also stores the bytes that do not yet make a part
// as a tail object, and the part list goes into the resume state that the metadata store keeps,
// so any node can continue the upload. Commit verifies the digest first, then publishes: a
// blob that was never split is PUT straight to its key with the digest as the signed payload
// hash (the store re-checks it); a multipart upload is completed and copied server-side into
// the digest's key. An object appears under a digest only whole (S3 writes are atomic), so
// metadata, which is written after Commit, never names a partial blob.
#pragma once

#include <memory>
#include <string>

#include "blob/blob_store.h"
#include "s3/client.h"

namespace berth::blob::s3 {

struct S3StoreOptions {
  size_t part_bytes = 8 << 20;  // at least 5 MiB, S3's minimum part
  // Commits copy a multipart upload into the digest's key with one CopyObject up to this size
  // (S3's limit), in UploadPartCopy ranges of copy_part_bytes beyond it.
  uint64_t max_single_copy_bytes = 5ull << 30;
  uint64_t copy_part_bytes = 1ull << 30;
};

// Checks that the bucket answers (kInvalidArgument when it does not exist or the credentials
// are refused, kUnavailable when the store cannot be reached).
Result<std::unique_ptr<BlobStore>> OpenS3BlobStore(berth::s3::Settings settings, S3StoreOptions options = {});

}  // namespace berth::blob::s3
