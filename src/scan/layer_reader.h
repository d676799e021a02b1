// scan/layer_reader.h
//
// Reads one image layer as stored (tar, gzip- or zstd-compressed or plain) straight from the
// blob store through libarchive, front to back, without writing anything to disk. The visitor
// sees every entry with a normalised path (relative to the image root, `..` clamped at the
// root: a hostile path can only name a file inside the image) and asks for the content of the
// few it wants, which arrives in pieces. Nothing on the host is ever resolved or opened.
//
// Hostile layers end in an error, never a crash or a hang: the uncompressed size, the ratio of
// uncompressed to compressed bytes, the number of entries, the path length and the size of a
// wanted file are all bounded (Limits), and a broken stream is kInvalidArgument naming what broke.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "blob/blob_store.h"

namespace berth::scan {

struct LayerLimits {
  uint64_t max_uncompressed_bytes = 32ULL << 30;
  // Past the first max_ratio_free bytes, uncompressed/compressed may not exceed this.
  uint64_t max_ratio = 1000;
  uint64_t max_ratio_free = 256ULL << 20;
  uint64_t max_entries = 2'000'000;
  size_t max_path_bytes = 4096;
};

enum class EntryType { kFile, kDirectory, kSymlink, kHardlink, kOther };

struct LayerEntry {
  std::string path;  // "etc/os-release": no leading "/" or "./", no "." or ".." components
  EntryType type = EntryType::kOther;
  uint64_t size = 0;
  uint32_t mode = 0;
  std::string link_target;  // a symlink's text as stored; a hard link's normalised path
};

class LayerVisitor {
 public:
  virtual ~LayerVisitor() = default;
  // Return true to receive this regular file's content through Content.
  virtual bool Entry(const LayerEntry& entry) = 0;
  // Consecutive pieces of the wanted file; `last` on the final one (also for an empty file).
  // An error stops the walk and is returned by ReadLayer.
  virtual Status Content(const LayerEntry& entry, std::string_view piece, bool last) = 0;
};

// Walks the whole layer. kInvalidArgument: not a readable tar stream, or a limit exceeded.
Status ReadLayer(blob::BlobReader& blob, const LayerLimits& limits, LayerVisitor& visitor);
// The same over bytes in memory (tests, nested archives).
Status ReadLayerBytes(std::string_view bytes, const LayerLimits& limits, LayerVisitor& visitor);

// "./a/../b//c/" -> "b/c"; ".." above the root stays at the root.
std::string NormalizePath(std::string_view path);

}  // namespace berth::scan
