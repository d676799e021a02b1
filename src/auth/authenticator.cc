#include "auth/authenticator.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "base/strings.h"
#include "crypto/random.h"

namespace berth::auth {
namespace {

std::unexpected<Error> Unauthenticated(std::string message) {
  return Fail(Code::kUnauthenticated, std::move(message), "UNAUTHORIZED");
}

}  // namespace

Result<std::unique_ptr<Authenticator>> Authenticator::Create(meta::AccessKeys& keys,
                                                             bool anonymous) {
  BERTH_ASSIGN(std::vector<meta::AccessKey> all, keys.ListAccessKeys());
  return std::unique_ptr<Authenticator>(new Authenticator(std::move(all), anonymous));
}

Authenticator::Authenticator(std::vector<meta::AccessKey> keys, bool anonymous)
    : anonymous_(anonymous) {
  for (meta::AccessKey& k : keys) {
    std::string id = k.id;
    keys_.emplace(std::move(id), std::move(k));
  }
}

Result<Principal> Authenticator::Authenticate(std::optional<std::string_view> authorization) const {
  if (anonymous_) return Principal{.name = "anonymous", .access_key_id = ""};
  if (!authorization) return Unauthenticated("authentication required");
  std::string_view value = Trim(*authorization);
  if (value.size() < 6 || !IEquals(value.substr(0, 6), "basic ")) {
    return Unauthenticated("only Basic authentication is supported");
  }
  std::optional<std::string> decoded = crypto::Base64Decode(Trim(value.substr(6)));
  if (!decoded) return Unauthenticated("malformed Basic credentials");
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return Unauthenticated("malformed Basic credentials");
  std::string_view user = std::string_view(*decoded).substr(0, colon);
  std::string_view password = std::string_view(*decoded).substr(colon + 1);
  auto it = keys_.find(std::string(user));
  // Compare against something even for an unknown key, so timing does not reveal which keys exist.
  static const std::string kDummy(40, 'x');
  const std::string& secret = it != keys_.end() ? it->second.secret : kDummy;
  bool ok = crypto::ConstantTimeEquals(secret, password);
  if (it == keys_.end() || !ok) return Unauthenticated("invalid access key or secret");
  return Principal{.name = it->second.principal, .access_key_id = it->second.id};
}

Result<BootstrapResult> BootstrapAdmin(meta::AccessKeys& keys, const std::string& data_dir,
                                       int64_t now) {
  BERTH_ASSIGN(std::vector<meta::AccessKey> existing, keys.ListAccessKeys());
  BootstrapResult result;
  result.credentials_file = data_dir + "/admin-credentials";
  if (!existing.empty()) {
    result.access_key_id = existing.front().id;
    if (::access(result.credentials_file.c_str(), F_OK) != 0) result.credentials_file.clear();
    return result;
  }
  const char* env_id = std::getenv("BERTH_ADMIN_ACCESS_KEY_ID");
  const char* env_secret = std::getenv("BERTH_ADMIN_SECRET_ACCESS_KEY");
  meta::AccessKey key{.principal = "admin"};
  bool from_env = env_id != nullptr && env_secret != nullptr && *env_id != '\0' && *env_secret != '\0';
  if (from_env) {
    key.id = env_id;
    key.secret = env_secret;
    result.credentials_file.clear();
  } else {
    key.id = "AKIA" + crypto::RandomString(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    key.secret = crypto::RandomString(
        40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    std::string text = "[berth]\naws_access_key_id = " + key.id +
                       "\naws_secret_access_key = " + key.secret + "\n";
    std::string tmp = result.credentials_file + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return FailErrno("create " + tmp, errno);
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
              ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), result.credentials_file.c_str()) != 0) {
      return FailErrno("write " + result.credentials_file, errno);
    }
  }
  BERTH_TRY(keys.CreateAccessKey(key, now));
  result.access_key_id = key.id;
  result.created = true;
  return result;
}

}  // namespace berth::auth
