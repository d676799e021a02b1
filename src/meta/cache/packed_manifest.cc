#include "meta/cache/packed_manifest.h"

#include <cstring>

namespace berth::meta::cache {

PackedManifest::PackedManifest(const ManifestRecord& record) {
  const std::string& digest = record.digest.str();
  const Header header{.digest = static_cast<uint32_t>(digest.size()),
                      .media_type = static_cast<uint32_t>(record.media_type.size()),
                      .payload = static_cast<uint32_t>(record.payload.size()),
                      .archived = record.archived};
  // make_shared of an array: the reference count and the characters in one allocation.
  std::shared_ptr<char[]> block =
      std::make_shared<char[]>(sizeof(Header) + digest.size() + record.media_type.size() + record.payload.size());
  std::memcpy(block.get(), &header, sizeof(header));
  char* out = block.get() + sizeof(Header);
  std::memcpy(out, digest.data(), digest.size());
  out += digest.size();
  std::memcpy(out, record.media_type.data(), record.media_type.size());
  out += record.media_type.size();
  std::memcpy(out, record.payload.data(), record.payload.size());
  block_ = std::move(block);
}

std::string_view PackedManifest::payload() const {
  const Header h = header();
  return {chars() + h.digest + h.media_type, h.payload};
}

ManifestRecord PackedManifest::Unpack() const {
  const Header h = header();
  const char* at = chars();
  return ManifestRecord{.digest = oci::Digest::FromCanonical(std::string(at, h.digest)),
                        .media_type = std::string(at + h.digest, h.media_type),
                        .payload = std::string(at + h.digest + h.media_type, h.payload),
                        .archived = h.archived};
}

}  // namespace berth::meta::cache
