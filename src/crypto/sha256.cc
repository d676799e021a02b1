// The low-level SHA256_* API is deprecated in OpenSSL 3, but it is the only one whose state is a
// plain struct that can be saved and restored; EVP_MD_CTX cannot be serialized.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/sha256.h"

#include <openssl/sha.h>

#include <cstring>

#include "crypto/random.h"

namespace berth::crypto {
namespace {

static_assert(sizeof(SHA256_CTX) <= 112, "Sha256::ctx_ too small for SHA256_CTX");
constexpr std::string_view kStateTag = "berth-sha256-v1:";

SHA256_CTX* Ctx(std::array<unsigned char, 112>& raw) { return reinterpret_cast<SHA256_CTX*>(raw.data()); }

}  // namespace

Sha256::Sha256() { SHA256_Init(Ctx(ctx_)); }

void Sha256::Update(const void* data, size_t size) {
  SHA256_Update(Ctx(ctx_), data, size);
}

std::string Sha256::FinishHex() const {
  std::array<unsigned char, 112> copy = ctx_;
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256_Final(out, Ctx(copy));
  return HexEncode(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

std::string Sha256::SaveState() const {
  std::string state(kStateTag);
  state.append(reinterpret_cast<const char*>(ctx_.data()), sizeof(SHA256_CTX));
  return state;
}

std::optional<Sha256> Sha256::RestoreState(std::string_view state) {
  if (state.size() != kStateTag.size() + sizeof(SHA256_CTX) || !state.starts_with(kStateTag)) {
    return std::nullopt;
  }
  Sha256 h;
  std::memcpy(h.ctx_.data(), state.data() + kStateTag.size(), sizeof(SHA256_CTX));
  if (Ctx(h.ctx_)->num >= SHA256_CBLOCK || Ctx(h.ctx_)->md_len != SHA256_DIGEST_LENGTH) {
    return std::nullopt;
  }
  return h;
}

std::string Sha256::HexOf(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.FinishHex();
}

}  // namespace berth::crypto
