#include "oci/digest.h"

#include "crypto/sha256.h"

namespace berth::oci {
namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Result<Digest> Digest::Parse(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    std::string shown(text.substr(0, 150));
    return Fail(Code::kInvalidArgument, "invalid digest \"" + shown + "\": " + std::string(why),
                "DIGEST_INVALID");
  };
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return invalid("expected <algorithm>:<hex>");
  std::string_view algorithm = text.substr(0, colon);
  std::string_view hex = text.substr(colon + 1);
  DigestAlgorithm alg;
  size_t want;
  if (algorithm == "sha256") {
    alg = DigestAlgorithm::kSha256;
    want = 64;
  } else if (algorithm == "sha512") {
    alg = DigestAlgorithm::kSha512;
    want = 128;
  } else {
    return invalid("unsupported algorithm (sha256 and sha512 are)");
  }
  if (hex.size() != want) return invalid("wrong length of hex part");
  if (!IsLowerHex(hex)) return invalid("hex part must be lowercase hexadecimal");
  return Digest(alg, std::string(text));
}

Digest Digest::Sha256Of(std::string_view bytes) {
  return FromSha256Hex(crypto::Sha256::HexOf(bytes));
}

Digest Digest::FromSha256Hex(std::string hex) {
  return Digest(DigestAlgorithm::kSha256, "sha256:" + hex);
}

Digest Digest::FromCanonical(std::string text) {
  const DigestAlgorithm algorithm = text.starts_with("sha512:") ? DigestAlgorithm::kSha512 : DigestAlgorithm::kSha256;
  return Digest(algorithm, std::move(text));
}

}  // namespace berth::oci
