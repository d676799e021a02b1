// blob/fs/fs_backup.h
//
// Copies published blobs from one file-system blob store into another, for `berth backup`.
// Blobs are immutable once published, so a blob may be copied while a Berth serves the source.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "oci/digest.h"

namespace berth::blob::fs {

enum class CopyMode : uint8_t {
  kLinkWherePossible,  // a hard link where both stores share a file system, a copy elsewhere
  kCopy,               // always independent bytes
};

struct CopyStats {
  uint64_t linked = 0;        // blobs hard-linked: no bytes written
  uint64_t copied = 0;        // blobs copied
  uint64_t bytes_copied = 0;
};

// Puts each of `digests` at its place under `to_root` (a new store's root) from `from_root`,
// fsyncing every file and directory it creates, so a crash afterwards loses none of them.
// A digest whose blob is absent from the source is kNotFound naming it; nothing is skipped.
// Blocks; not for an I/O thread.
Result<CopyStats> CopyBlobs(const std::string& from_root, const std::string& to_root,
                            const std::vector<oci::Digest>& digests, CopyMode mode);

}  // namespace berth::blob::fs
