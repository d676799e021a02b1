// crypto/aead.h
//
// Symmetric primitives built on OpenSSL: AES-256-GCM sealing for secrets at rest, and
// HMAC-SHA256 for tokens. Keys are 32 bytes. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace berth::crypto {

inline constexpr size_t kKeyBytes = 32;

// nonce (12) | ciphertext | tag (16). REQUIRES: key.size() == kKeyBytes.
std::string Seal(std::string_view key, std::string_view plaintext, std::string_view associated_data);
// nullopt if the box was tampered with, or sealed under another key or associated data.
std::optional<std::string> Open(std::string_view key, std::string_view box,
                                std::string_view associated_data);

// Raw 32-byte HMAC-SHA256.
std::string HmacSha256(std::string_view key, std::string_view data);
// `bytes` random bytes.
std::string RandomBytes(size_t bytes);

}  // namespace berth::crypto
