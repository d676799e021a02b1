#include "meta/cache/packed_manifest.h"

#include <cstring>
#include <new>
#include <string>

namespace berth::meta::cache {

PackedManifest::Block* PackedManifest::Allocate(std::string_view key, std::string_view digest,
                                                std::string_view media_type, std::string_view payload,
                                                bool archived) {
  const size_t chars = key.size() + digest.size() + media_type.size() + payload.size();
  Block* b = new (::operator new(sizeof(Block) + chars)) Block;
  b->key = static_cast<uint32_t>(key.size());
  b->digest = static_cast<uint32_t>(digest.size());
  b->media_type = static_cast<uint32_t>(media_type.size());
  b->payload = static_cast<uint32_t>(payload.size());
  b->archived = archived;
  char* out = reinterpret_cast<char*>(b + 1);
  for (std::string_view part : {key, digest, media_type, payload}) {
    if (!part.empty()) std::memcpy(out, part.data(), part.size());
    out += part.size();
  }
  return b;
}

PackedManifest::PackedManifest(const ManifestRecord& record, std::string_view key)
    : block_(Allocate(key, record.digest.str(), record.media_type, record.payload, record.archived)) {}

PackedManifest::PackedManifest(const PackedManifest& other, std::string_view key) : block_(nullptr) {
  const Block* o = other.block_;
  const char* at = CharsOf(o) + o->key;
  block_ = Allocate(key, {at, o->digest}, {at + o->digest, o->media_type},
                    {at + o->digest + o->media_type, o->payload}, o->archived);
}

PackedManifest::PackedManifest(const PackedManifest& other) noexcept : block_(other.block_) {
  block_->refs.fetch_add(1, std::memory_order_relaxed);
}

PackedManifest& PackedManifest::operator=(const PackedManifest& other) noexcept {
  if (this != &other) {
    other.block_->refs.fetch_add(1, std::memory_order_relaxed);
    Release();
    block_ = other.block_;
  }
  return *this;
}

PackedManifest& PackedManifest::operator=(PackedManifest&& other) noexcept {
  if (this != &other) {
    Release();
    block_ = other.block_;
    other.block_ = nullptr;
  }
  return *this;
}

void PackedManifest::Release() noexcept {
  if (block_ != nullptr && block_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    const size_t bytes = size();
    block_->~Block();
    ::operator delete(block_, bytes);
  }
  block_ = nullptr;
}

size_t PackedManifest::size() const {
  return sizeof(Block) + block_->key + block_->digest + block_->media_type + block_->payload;
}

std::string_view PackedManifest::KeyAt(const void* address) {
  const Block* b = static_cast<const Block*>(address);
  return {CharsOf(b), b->key};
}

PackedManifest::CacheStamp& PackedManifest::StampAt(const void* address) {
  return const_cast<Block*>(static_cast<const Block*>(address))->stamp;
}

PackedManifest PackedManifest::ShareAt(const void* address) {
  Block* b = const_cast<Block*>(static_cast<const Block*>(address));
  b->refs.fetch_add(1, std::memory_order_relaxed);
  return PackedManifest(b);
}

std::string_view PackedManifest::payload() const {
  const char* at = CharsOf(block_) + block_->key + block_->digest + block_->media_type;
  return {at, block_->payload};
}

ManifestRecord PackedManifest::Unpack() const {
  const Block* b = block_;
  const char* at = CharsOf(b) + b->key;
  return ManifestRecord{.digest = oci::Digest::FromCanonical(std::string(at, b->digest)),
                        .media_type = std::string(at + b->digest, b->media_type),
                        .payload = std::string(at + b->digest + b->media_type, b->payload),
                        .archived = b->archived};
}

}  // namespace berth::meta::cache
