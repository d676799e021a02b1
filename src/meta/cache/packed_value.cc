#include "meta/cache/packed_value.h"

#include <cstring>
#include <new>
#include <string>

namespace berth::meta::cache {

PackedBlock::Block* PackedBlock::Allocate(Kind kind, std::string_view key,
                                          std::initializer_list<std::string_view> parts, bool flag) {
  size_t chars = key.size();
  for (std::string_view part : parts) chars += part.size();
  Block* b = new (::operator new(sizeof(Block) + chars)) Block;
  b->kind = kind;
  b->flag = flag;
  b->key = static_cast<uint32_t>(key.size());
  char* out = reinterpret_cast<char*>(b + 1);
  if (!key.empty()) std::memcpy(out, key.data(), key.size());
  out += key.size();
  size_t i = 0;
  for (std::string_view part : parts) {
    b->parts[i++] = static_cast<uint32_t>(part.size());
    if (!part.empty()) std::memcpy(out, part.data(), part.size());
    out += part.size();
  }
  return b;
}

PackedBlock::PackedBlock(Kind kind, std::string_view key, std::initializer_list<std::string_view> parts, bool flag)
    : block_(Allocate(kind, key, parts, flag)) {}

void PackedBlock::OwnUnder(std::string_view key) {
  if (this->key() == key && !shared()) return;
  Block* own = Allocate(block_->kind, key, {part(0), part(1), part(2)}, block_->flag);
  Release();
  block_ = own;
}

PackedBlock::PackedBlock(const void* address) : block_(const_cast<Block*>(static_cast<const Block*>(address))) {
  block_->refs.fetch_add(1, std::memory_order_relaxed);
}

PackedBlock::PackedBlock(const PackedBlock& other) noexcept : block_(other.block_) {
  block_->refs.fetch_add(1, std::memory_order_relaxed);
}

PackedBlock& PackedBlock::operator=(const PackedBlock& other) noexcept {
  if (this != &other) {
    other.block_->refs.fetch_add(1, std::memory_order_relaxed);
    Release();
    block_ = other.block_;
  }
  return *this;
}

PackedBlock& PackedBlock::operator=(PackedBlock&& other) noexcept {
  if (this != &other) {
    Release();
    block_ = other.block_;
    other.block_ = nullptr;
  }
  return *this;
}

void PackedBlock::Release() noexcept {
  if (block_ != nullptr && block_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    const size_t bytes = size();
    block_->~Block();
    ::operator delete(block_, bytes);
  }
  block_ = nullptr;
}

size_t PackedBlock::size() const {
  size_t n = sizeof(Block) + block_->key;
  for (uint32_t part : block_->parts) n += part;
  return n;
}

std::string_view PackedBlock::KeyAt(const void* address) {
  const Block* b = static_cast<const Block*>(address);
  return {CharsOf(b), b->key};
}

PackedBlock::CacheStamp& PackedBlock::StampAt(const void* address) {
  return const_cast<Block*>(static_cast<const Block*>(address))->stamp;
}

std::string_view PackedBlock::part(size_t i) const {
  const char* at = CharsOf(block_) + block_->key;
  for (size_t p = 0; p < i; ++p) at += block_->parts[p];
  return {at, block_->parts[i]};
}

PackedManifest::PackedManifest(const ManifestRecord& record, std::string_view key)
    : PackedBlock(Kind::kManifest, key, {record.digest.str(), record.media_type, record.payload}, record.archived) {}

ManifestRecord PackedManifest::Unpack() const {
  return ManifestRecord{.digest = oci::Digest::FromCanonical(std::string(part(0))),
                        .media_type = std::string(part(1)),
                        .payload = std::string(part(2)),
                        .archived = flag()};
}

namespace {

// A repository's tags as one part: each key and value after its length (4 bytes, host order).
std::string PackTags(const ResourceTags& tags) {
  std::string out;
  auto put = [&](std::string_view s) {
    const auto n = static_cast<uint32_t>(s.size());
    out.append(reinterpret_cast<const char*>(&n), sizeof(n));
    out.append(s);
  };
  for (const auto& [k, v] : tags) {
    put(k);
    put(v);
  }
  return out;
}

ResourceTags UnpackTags(std::string_view in) {
  ResourceTags tags;
  auto take = [&] {
    uint32_t n = 0;
    std::memcpy(&n, in.data(), sizeof(n));
    std::string s(in.substr(sizeof(n), n));
    in.remove_prefix(sizeof(n) + n);
    return s;
  };
  while (!in.empty()) {
    std::string k = take();
    tags.emplace_back(std::move(k), take());
  }
  return tags;
}

}  // namespace

PackedRepository::PackedRepository(const FoundRepository& found, std::string_view key)
    : PackedBlock(Kind::kRepository, key,
                  {std::string_view(reinterpret_cast<const char*>(&found.id), sizeof(found.id)), found.access.policy,
                   PackTags(found.access.tags)},
                  false) {}

FoundRepository PackedRepository::Unpack() const {
  FoundRepository found;
  std::memcpy(&found.id, part(0).data(), sizeof(found.id));
  found.access.policy = std::string(part(1));
  found.access.tags = UnpackTags(part(2));
  return found;
}

}  // namespace berth::meta::cache
