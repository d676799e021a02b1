// oci/digest.h
//
// Digest identifies content: "<algorithm>:<lowercase hex>". Parse, don't validate: the only way
// to make a Digest from untrusted text is Parse(), so code holding a Digest never checks it again.
// Berth computes SHA-256; SHA-512 digests parse (they are legal in manifests) but cannot be the
// target of an upload.
//
// Value type; cheap to copy; safe to share between threads.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "base/error.h"

namespace berth::oci {

enum class DigestAlgorithm : uint8_t { kSha256, kSha512 };

class Digest {
 public:
  // Accepts "sha256:" + 64 or "sha512:" + 128 lowercase hex digits. Anything else is
  // kInvalidArgument with reason "DIGEST_INVALID".
  static Result<Digest> Parse(std::string_view text);

  static Digest Sha256Of(std::string_view bytes);
  // REQUIRES: `hex` is 64 lowercase hex digits (as from crypto::Sha256::FinishHex).
  static Digest FromSha256Hex(std::string hex);
  // REQUIRES: `text` is the str() of a Digest (as kept by a cache): it is not checked again.
  static Digest FromCanonical(std::string text);

  DigestAlgorithm algorithm() const { return algorithm_; }
  std::string_view hex() const { return std::string_view(text_).substr(text_.find(':') + 1); }
  const std::string& str() const { return text_; }

  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;

 private:
  Digest(DigestAlgorithm algorithm, std::string text)
      : algorithm_(algorithm), text_(std::move(text)) {}

  DigestAlgorithm algorithm_;
  std::string text_;  // the canonical "algorithm:hex" form
};

}  // namespace berth::oci
