#include "auth/keyring.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/files.h"
#include "crypto/aead.h"
#include "crypto/random.h"
#include "meta/metadata_store.h"

namespace berth::auth {
namespace {
constexpr std::string_view kSealedPrefix = "enc1:";
constexpr std::string_view kRingSetting = "key_ring";
constexpr std::string_view kRingPurpose = "key-ring";
}  // namespace

Result<KeyRing> KeyRing::Join(const KeyRing& node, meta::ImageCatalog& settings) {
  BERTH_ASSIGN(std::optional<std::string> stored, settings.GetSetting(kRingSetting));
  if (!stored) {
    // Nodes starting together store the same ring (the file's secret); the last write wins.
    const std::string sealed =
        std::string(kSealedPrefix) + crypto::Base64Encode(crypto::Seal(node.Derive(kRingPurpose), node.master_, kRingSetting));
    BERTH_TRY(settings.PutSetting(kRingSetting, sealed));
    BERTH_ASSIGN(stored, settings.GetSetting(kRingSetting));
    if (!stored) return Fail(Code::kInternal, "the key ring was stored but cannot be read back");
  }
  std::optional<std::string> box;
  if (stored->starts_with(kSealedPrefix)) box = crypto::Base64Decode(stored->substr(kSealedPrefix.size()));
  std::optional<std::string> master;
  if (box) master = crypto::Open(node.Derive(kRingPurpose), *box, kRingSetting);
  if (!master || master->size() != crypto::kKeyBytes) {
    return Fail(Code::kFailedPrecondition,
                "the cluster's key ring (in the metadata store) does not open with this node's secret key "
                "file: every node needs the same file (copy it from the first node, or point "
                "--secret-key-file at a shared copy)");
  }
  return KeyRing(*std::move(master));
}

Result<KeyRing> KeyRing::LoadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    std::string key(crypto::kKeyBytes + 1, '\0');
    ssize_t n = ::read(fd, key.data(), key.size());
    ::close(fd);
    if (n != static_cast<ssize_t>(crypto::kKeyBytes)) {
      return Fail(Code::kInternal, path + " is not a 32-byte key file");
    }
    key.resize(crypto::kKeyBytes);
    return KeyRing(std::move(key));
  }
  if (errno != ENOENT) return FailErrno("open " + path, errno);
  std::string key = crypto::RandomBytes(crypto::kKeyBytes);
  BERTH_TRY(WriteFileAtomically(path, key, 0600));
  return KeyRing(std::move(key));
}

std::string KeyRing::Derive(std::string_view purpose) const {
  return crypto::HmacSha256(master_, "berth/" + std::string(purpose));
}

std::string KeyRing::Seal(std::string_view purpose, std::string_view binding, std::string_view plaintext) const {
  return std::string(kSealedPrefix) + crypto::Base64Encode(crypto::Seal(Derive(purpose), plaintext, binding));
}

Result<std::string> KeyRing::Open(std::string_view purpose, std::string_view binding, std::string_view stored) const {
  if (!stored.starts_with(kSealedPrefix)) return Fail(Code::kInternal, std::string(binding) + " is not sealed");
  std::optional<std::string> box = crypto::Base64Decode(stored.substr(kSealedPrefix.size()));
  if (!box) return Fail(Code::kInternal, std::string(binding) + " is corrupt");
  std::optional<std::string> plaintext = crypto::Open(Derive(purpose), *box, binding);
  if (!plaintext) return Fail(Code::kInternal, std::string(binding) + " does not open with this secret.key");
  return *plaintext;
}

std::string KeyRing::SealSecret(std::string_view access_key_id, std::string_view secret) const {
  return Seal("access-keys", access_key_id, secret);
}

Result<std::string> KeyRing::OpenSecret(std::string_view access_key_id, std::string_view stored) const {
  return Open("access-keys", access_key_id, stored);
}

}  // namespace berth::auth
