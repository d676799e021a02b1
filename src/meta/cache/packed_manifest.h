// meta/cache/packed_manifest.h
//
// A manifest as the read cache keeps it: its reference count, digest, media type and payload in
// one allocation. A ManifestRecord behind a shared pointer is four (the record with its count,
// and three strings, each where the allocator's size class put it): under random reads at a
// million manifests each was a cache miss, and a hit now reads one run of memory.
//
// Immutable; copies share the block. Thread-safe as a shared pointer is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "meta/metadata_store.h"

namespace berth::meta::cache {

class PackedManifest {
 public:
  explicit PackedManifest(const ManifestRecord& record);

  ManifestRecord Unpack() const;
  std::string_view payload() const;
  // The block's bytes: header and characters (not the reference count beside them).
  size_t size() const {
    const Header h = header();
    return sizeof(h) + h.digest + h.media_type + h.payload;
  }

 private:
  struct Header {
    uint32_t digest = 0;      // bytes of each part, in this order after the header
    uint32_t media_type = 0;
    uint32_t payload = 0;
    bool archived = false;
  };
  // Copied out: the array's storage is aligned for characters only.
  Header header() const {
    Header h;
    std::memcpy(&h, block_.get(), sizeof(h));
    return h;
  }
  const char* chars() const { return block_.get() + sizeof(Header); }

  std::shared_ptr<const char[]> block_;
};

}  // namespace berth::meta::cache
