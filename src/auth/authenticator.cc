#include "auth/authenticator.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "base/files.h"
#include "base/strings.h"
#include "crypto/aead.h"
#include "crypto/random.h"

namespace berth::auth {
namespace {

std::unexpected<Error> Unauthenticated(std::string message) {
  return Fail(Code::kUnauthenticated, std::move(message), "UNAUTHORIZED");
}

std::string PresignPayload(std::string_view repository, std::string_view digest,
                           std::string_view key_id, int64_t expires_at) {
  return std::string(repository) + "\n" + std::string(digest) + "\n" + std::string(key_id) + "\n" +
         std::to_string(expires_at);
}

std::optional<std::string_view> Param(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.size() > key.size() && pair.substr(0, key.size()) == key && pair[key.size()] == '=') {
      return pair.substr(key.size() + 1);
    }
  }
  return std::nullopt;
}

constexpr std::string_view kTokenPrefix = "berth1.";

}  // namespace

Result<std::unique_ptr<Authenticator>> Authenticator::Create(meta::AccessKeys& keys, KeyRing keyring,
                                                             bool anonymous, iam::Directory* users,
                                                             std::string account_id) {
  BERTH_ASSIGN(std::vector<meta::AccessKey> all, keys.ListAccessKeys());
  std::unordered_map<std::string, meta::AccessKey> opened;
  for (meta::AccessKey& k : all) {
    BERTH_ASSIGN(k.secret, keyring.OpenSecret(k.id, k.secret));
    std::string id = k.id;
    opened.emplace(std::move(id), std::move(k));
  }
  return std::unique_ptr<Authenticator>(
      new Authenticator(std::move(opened), std::move(keyring), anonymous, users, std::move(account_id)));
}

Authenticator::Authenticator(std::unordered_map<std::string, meta::AccessKey> keys, KeyRing keyring,
                             bool anonymous, iam::Directory* users, std::string account_id)
    : keys_(std::move(keys)), users_(users), account_id_(std::move(account_id)), keyring_(std::move(keyring)),
      token_key_(keyring_.Derive("registry-token")), bearer_key_(keyring_.Derive("bearer-token")),
      url_key_(keyring_.Derive("download-url")),
      anonymous_(anonymous) {}

Principal Authenticator::Root(const std::string& access_key_id) const {
  return Principal{.kind = Principal::Kind::kRoot, .name = "admin", .access_key_id = access_key_id,
                   .arn = "arn:aws:iam::" + account_id_ + ":root", .user_id = account_id_};
}

Principal Authenticator::Anonymous() const {
  if (anonymous_) return Principal{.kind = Principal::Kind::kEveryone, .name = "anonymous", .access_key_id = "",
                                   .arn = "arn:aws:iam::" + account_id_ + ":root", .user_id = account_id_};
  return Principal{.kind = Principal::Kind::kAnonymous, .name = "anonymous", .access_key_id = "", .arn = "",
                   .user_id = "anonymous"};
}

Result<Authenticator::KeyCredentials> Authenticator::Credentials(std::string_view access_key_id) const {
  if (auto it = keys_.find(std::string(access_key_id)); it != keys_.end()) {
    return KeyCredentials{Root(it->second.id), it->second.secret};
  }
  if (users_ == nullptr) return Unauthenticated("unknown access key");
  BERTH_ASSIGN(std::shared_ptr<const iam::Snapshot> snapshot, users_->Current());
  iam::Snapshot::KeyOwner owner = snapshot->FindKey(access_key_id);
  if (owner.user == nullptr) return Unauthenticated("unknown access key");
  if (!owner.key->active) return Unauthenticated("access key " + owner.key->id + " is inactive");
  KeyCredentials holder{.principal = Principal{.kind = Principal::Kind::kUser, .name = owner.user->name,
                                          .access_key_id = owner.key->id,
                                          .arn = "arn:aws:iam::" + account_id_ + ":user" + owner.user->path +
                                                 owner.user->name,
                                          .user_id = owner.user->id},
                   .secret = {}};
  {
    std::lock_guard lock(opened_mu_);
    if (auto it = opened_.find(owner.key->id); it != opened_.end() && it->second.first == owner.key->sealed_secret) {
      holder.secret = it->second.second;
      return holder;
    }
  }
  BERTH_ASSIGN(holder.secret, keyring_.OpenSecret(owner.key->id, owner.key->sealed_secret));
  std::lock_guard lock(opened_mu_);
  if (opened_.size() > 100000) opened_.clear();
  opened_[owner.key->id] = {owner.key->sealed_secret, holder.secret};
  return holder;
}

Result<Principal> Authenticator::PrincipalFor(std::string_view access_key_id) const {
  BERTH_ASSIGN(KeyCredentials holder, Credentials(access_key_id));
  return std::move(holder.principal);
}

std::string Authenticator::IssueToken(const Principal& principal, int64_t expires_at) const {
  std::string payload = principal.access_key_id + "\n" + std::to_string(expires_at);
  return std::string(kTokenPrefix) + crypto::Base64UrlEncode(payload) + "." +
         crypto::Base64UrlEncode(crypto::HmacSha256(token_key_, payload));
}

Result<Principal> Authenticator::VerifyToken(std::string_view password, int64_t now) const {
  BERTH_ASSIGN(VerifiedToken token, VerifyRegistryToken(password, now));
  return std::move(token.principal);
}

Result<Authenticator::VerifiedToken> Authenticator::VerifyRegistryToken(std::string_view password, int64_t now) const {
  if (!password.starts_with(kTokenPrefix)) return Unauthenticated("not a registry token");
  password.remove_prefix(kTokenPrefix.size());
  size_t dot = password.find('.');
  if (dot == std::string_view::npos) return Unauthenticated("malformed registry token");
  std::optional<std::string> payload = crypto::Base64UrlDecode(password.substr(0, dot));
  // Compared as text, not as decoded bytes: the last base64 character carries unused bits, so
  // several spellings decode to the same MAC and a changed character could otherwise still pass.
  if (!payload ||
      !crypto::ConstantTimeEquals(password.substr(dot + 1), crypto::Base64UrlEncode(crypto::HmacSha256(token_key_, *payload)))) {
    return Unauthenticated("invalid registry token");
  }
  size_t nl = payload->find('\n');
  std::optional<uint64_t> expires = ParseUint64(std::string_view(*payload).substr(nl + 1));
  if (nl == std::string::npos || !expires) return Unauthenticated("malformed registry token");
  if (static_cast<int64_t>(*expires) <= now) {
    return Unauthenticated("registry token expired; run aws ecr get-login-password again");
  }
  // A token dies with its access key.
  BERTH_ASSIGN(Principal who, PrincipalFor(std::string_view(*payload).substr(0, nl)));
  return VerifiedToken{.principal = std::move(who), .expires_at = static_cast<int64_t>(*expires)};
}

std::string Authenticator::PresignBlob(std::string_view repository, std::string_view digest,
                                       const Principal& principal, int64_t expires_at) const {
  const std::string& key_id = principal.access_key_id;
  return "X-Berth-Credential=" + key_id + "&X-Berth-Expires=" + std::to_string(expires_at) +
         "&X-Berth-Signature=" +
         crypto::HexEncode(crypto::HmacSha256(url_key_, PresignPayload(repository, digest, key_id, expires_at)));
}

Result<Principal> Authenticator::VerifyPresignedBlob(std::string_view repository,
                                                     std::string_view digest,
                                                     std::string_view query, int64_t now) const {
  std::optional<std::string_view> key_id = Param(query, "X-Berth-Credential");
  std::optional<std::string_view> expires_text = Param(query, "X-Berth-Expires");
  std::optional<std::string_view> signature = Param(query, "X-Berth-Signature");
  if (!key_id || !expires_text || !signature) return Unauthenticated("authentication required");
  std::optional<uint64_t> expires = ParseUint64(*expires_text);
  if (!expires) return Unauthenticated("malformed presigned URL");
  std::string expected = crypto::HexEncode(crypto::HmacSha256(
      url_key_, PresignPayload(repository, digest, *key_id, static_cast<int64_t>(*expires))));
  if (!crypto::ConstantTimeEquals(expected, *signature)) return Unauthenticated("invalid presigned URL");
  if (static_cast<int64_t>(*expires) <= now) return Unauthenticated("presigned URL expired");
  if (anonymous_) return Anonymous();
  return PrincipalFor(*key_id);
}

std::string Authenticator::IssueBearerToken(const Principal& principal, std::vector<Grant> access, int64_t now,
                                            int64_t ttl_seconds) const {
  return IssueBearer(bearer_key_, BearerClaims{.subject = principal.access_key_id, .audience = bearer_service_,
                                               .access = std::move(access), .issued_at = now,
                                               .expires_at = now + ttl_seconds});
}

bool Authenticator::HasCredentials(std::optional<std::string_view> authorization) {
  if (!authorization) return false;
  std::string_view value = Trim(*authorization);
  if (value.size() < 6 || !IEquals(value.substr(0, 6), "basic ")) return true;
  std::optional<std::string> decoded = crypto::Base64Decode(Trim(value.substr(6)));
  return !decoded || *decoded != ":";
}

Result<Principal> Authenticator::Authenticate(std::optional<std::string_view> authorization,
                                              int64_t now) const {
  if (anonymous_) return Anonymous();
  if (!authorization) return Unauthenticated("authentication required");
  std::string_view value = Trim(*authorization);
  if (!bearer_service_.empty() && value.size() > 7 && IEquals(value.substr(0, 7), "bearer ")) {
    BERTH_ASSIGN(BearerClaims claims, VerifyBearer(bearer_key_, Trim(value.substr(7)), bearer_service_, now));
    // The token names its access key: a key deleted or made inactive takes its tokens with it.
    Principal who = Anonymous();
    if (!claims.subject.empty()) {
      BERTH_ASSIGN(who, PrincipalFor(claims.subject));
    }
    who.bearer_access = std::make_shared<const std::vector<Grant>>(std::move(claims.access));
    return who;
  }
  if (value.size() < 6 || !IEquals(value.substr(0, 6), "basic ")) {
    return Unauthenticated("only Basic authentication is supported");
  }
  std::optional<std::string> decoded = crypto::Base64Decode(Trim(value.substr(6)));
  if (!decoded) return Unauthenticated("malformed Basic credentials");
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return Unauthenticated("malformed Basic credentials");
  std::string_view user = std::string_view(*decoded).substr(0, colon);
  std::string_view password = std::string_view(*decoded).substr(colon + 1);
  if (user == "AWS") return VerifyToken(password, now);
  return VerifySecret(user, password);
}

Result<Principal> Authenticator::VerifySecret(std::string_view access_key_id, std::string_view secret) const {
  Result<KeyCredentials> holder = Credentials(access_key_id);
  // Compare against something even for an unknown key, so timing does not reveal which keys exist.
  static const std::string kDummy(40, 'x');
  bool ok = crypto::ConstantTimeEquals(holder ? holder->secret : kDummy, secret);
  if (!holder && holder.error().code() != Code::kUnauthenticated) return std::unexpected(std::move(holder).error());
  // Whether the key is unknown, inactive or the secret wrong, the caller learns only that.
  if (!holder || !ok) return Unauthenticated("invalid access key or secret");
  return std::move(holder->principal);
}

Result<BootstrapResult> BootstrapAdmin(meta::AccessKeys& keys, const KeyRing& keyring,
                                       const std::string& data_dir, int64_t now) {
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
    BERTH_TRY(WriteFileAtomically(result.credentials_file, text, 0600));
  }
  meta::AccessKey sealed = key;
  sealed.secret = keyring.SealSecret(key.id, key.secret);
  BERTH_TRY(keys.CreateAccessKey(sealed, now));
  result.access_key_id = key.id;
  result.created = true;
  return result;
}

}  // namespace berth::auth
