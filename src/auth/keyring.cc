#include "auth/keyring.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "crypto/aead.h"
#include "crypto/random.h"

namespace berth::auth {
namespace {
constexpr std::string_view kSealedPrefix = "enc1:";
}

Result<KeyRing> KeyRing::Load(const std::string& data_dir) {
  const std::string path = data_dir + "/secret.key";
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
  const std::string tmp = path + ".tmp";
  fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return FailErrno("create " + tmp, errno);
  bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return FailErrno("write " + path, errno);
  return KeyRing(std::move(key));
}

std::string KeyRing::Derive(std::string_view purpose) const {
  return crypto::HmacSha256(master_, "berth/" + std::string(purpose));
}

std::string KeyRing::SealSecret(std::string_view access_key_id, std::string_view secret) const {
  return std::string(kSealedPrefix) +
         crypto::Base64Encode(crypto::Seal(Derive("access-keys"), secret, access_key_id));
}

Result<std::string> KeyRing::OpenSecret(std::string_view access_key_id, std::string_view stored) const {
  if (!stored.starts_with(kSealedPrefix)) {
    return Fail(Code::kInternal, "access key " + std::string(access_key_id) + " is not sealed");
  }
  std::optional<std::string> box = crypto::Base64Decode(stored.substr(kSealedPrefix.size()));
  if (!box) return Fail(Code::kInternal, "access key secret is corrupt");
  std::optional<std::string> secret = crypto::Open(Derive("access-keys"), *box, access_key_id);
  if (!secret) {
    return Fail(Code::kInternal, "access key " + std::string(access_key_id) +
                                     " does not open with this secret.key");
  }
  return *secret;
}

}  // namespace berth::auth
