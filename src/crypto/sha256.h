// crypto/sha256.h
//
// Incremental SHA-256 whose state can be saved as bytes and restored later, so an upload that
// spans many requests (or a restart) keeps hashing where it stopped instead of rereading the
// bytes. Backed by OpenSSL's SHA-256 (SHA-NI/AVX2 assembly where the CPU has it).
//
// Not thread-safe; one object per stream. Value type.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth::crypto {

class Sha256 {
 public:
  Sha256();

  void Update(const void* data, size_t size);
  void Update(std::string_view data) { Update(data.data(), data.size()); }

  // Lowercase hex of the digest of everything passed to Update. Leaves this object unchanged.
  std::string FinishHex() const;

  // Opaque bytes that RestoreState() turns back into this exact state.
  std::string SaveState() const;
  // nullopt if `state` did not come from SaveState() of this build.
  static std::optional<Sha256> RestoreState(std::string_view state);

  static std::string HexOf(std::string_view data);

 private:
  // Sized and aligned for OpenSSL's SHA256_CTX; checked in sha256.cc.
  alignas(8) std::array<unsigned char, 112> ctx_{};
};

}  // namespace berth::crypto
