// crypto/random.h
//
// Cryptographically secure random strings (OpenSSL RAND_bytes). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace berth::crypto {

// `bytes` random bytes as lowercase hex.
std::string RandomHex(size_t bytes);
// A random (version 4 style) UUID in lowercase: upload session IDs.
std::string RandomUuid();
// Lowercase hex of arbitrary bytes.
std::string HexEncode(std::string_view bytes);
// `length` characters drawn uniformly from `alphabet` (size <= 256).
std::string RandomString(size_t length, std::string_view alphabet);

// Compares secrets in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

std::string Base64Encode(std::string_view data);
// nullopt for malformed input or more than 64 MiB of text.
std::optional<std::string> Base64Decode(std::string_view text);
// The URL-safe alphabet without padding (RFC 4648 section 5), as tokens and JWTs use it.
std::string Base64UrlEncode(std::string_view data);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace berth::crypto
