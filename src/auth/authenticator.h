// auth/authenticator.h
//
// Decides who is calling. On /v2/: HTTP Basic with an access key ID and its secret, or with user
// "AWS" and a registry token from GetAuthorizationToken (`aws ecr get-login-password`), or a
// presigned blob URL from GetDownloadUrlForLayer. On the JSON API the caller's SigV4 signature is
// checked by aws/sigv4 with Credentials() as the key lookup. Secrets are compared in constant time.
//
// The account root's access keys (the bootstrap admin) are loaded once from the metadata store;
// IAM users' keys are looked up in the iam::Directory on every request, so a key deleted or made
// inactive stops working at once, with every token issued for it. Secrets are sealed with the
// KeyRing at rest. Tokens and presigned URLs carry their access key and expiry and are verified
// with an HMAC key derived from the KeyRing, then their key is looked up as above.
//
// Thread-safe after construction.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/bearer.h"
#include "auth/keyring.h"
#include "iam/directory.h"
#include "base/error.h"
#include "meta/metadata_store.h"

namespace berth::auth {

class ConsoleSessions;

struct Principal {
  enum class Kind : uint8_t {
    kRoot,       // the account root (the bootstrap admin): never denied
    kUser,       // an IAM user: its policies decide
    kAnonymous,  // no credentials: only a public repository's policy can allow (pulls)
    kEveryone,   // authentication is off (--anonymous): everything is allowed
  };
  Kind kind = Kind::kAnonymous;
  std::string name;  // "admin" for the root, the user's name, "anonymous"
  std::string access_key_id;
  std::string arn;      // arn:aws:iam::<account>:root or arn:aws:iam::<account>:user<path><name>
  std::string user_id;  // the account ID for the root, AIDA... for a user

  // Set when the caller presented a bearer token: what the token grants (auth/bearer.h), which
  // bounds the request before policies are asked.
  std::shared_ptr<const std::vector<Grant>> bearer_access;

  bool unrestricted() const { return kind == Kind::kRoot || kind == Kind::kEveryone; }
};

class Authenticator {
 public:
  // anonymous: authentication is off and everyone is the admin (local experiments only).
  // users: where IAM users' keys are found (none when null); must outlive the authenticator.
  static Result<std::unique_ptr<Authenticator>> Create(meta::AccessKeys& keys, KeyRing keyring,
                                                       bool anonymous, iam::Directory* users = nullptr,
                                                       std::string account_id = "000000000000");

  // Accept bearer tokens (auth/bearer.h) issued for `service` on /v2/ from now on. Call before
  // serving.
  void EnableBearer(std::string service) { bearer_service_ = std::move(service); }
  const std::string& bearer_service() const { return bearer_service_; }
  // A bearer token for `principal` granting `access`, valid for `ttl_seconds`.
  std::string IssueBearerToken(const Principal& principal, std::vector<Grant> access, int64_t now,
                               int64_t ttl_seconds) const;

  // /v2/ credentials: Basic (an access key, or "AWS" and a registry token) or, once enabled, a
  // bearer token. kUnauthenticated (reason UNAUTHORIZED) when missing, malformed, wrong or
  // expired.
  Result<Principal> Authenticate(std::optional<std::string_view> authorization, int64_t now) const;

  // Does the header carry credentials at all? Clients answer a Basic challenge they have no
  // credentials for with an empty user and password ("Basic Og=="): that is no credentials.
  static bool HasCredentials(std::optional<std::string_view> authorization);

  // An active key's principal and opened secret: what SigV4 verification needs, in one lookup.
  struct KeyCredentials {
    Principal principal;
    std::string secret;
  };
  // kUnauthenticated when the key is unknown or inactive.
  Result<KeyCredentials> Credentials(std::string_view access_key_id) const;
  Result<Principal> PrincipalFor(std::string_view access_key_id) const;
  // An active key's principal if `secret` is its secret (compared in constant time, unknown keys
  // too). kUnauthenticated otherwise, the same for every cause.
  Result<Principal> VerifySecret(std::string_view access_key_id, std::string_view secret) const;

  // The password of a registry login for `principal`, valid until `expires_at` (unix seconds).
  std::string IssueToken(const Principal& principal, int64_t expires_at) const;

  // A registry token's holder and expiry. kUnauthenticated when it is not one of ours, expired,
  // or its key is gone.
  struct VerifiedToken {
    Principal principal;
    int64_t expires_at = 0;
  };
  Result<VerifiedToken> VerifyRegistryToken(std::string_view token, int64_t now) const;

  // Query parameters that let anyone GET one blob of one repository until `expires_at`.
  std::string PresignBlob(std::string_view repository, std::string_view digest,
                          const Principal& principal, int64_t expires_at) const;
  // Checks a presigned query for that repository and digest.
  Result<Principal> VerifyPresignedBlob(std::string_view repository, std::string_view digest,
                                        std::string_view query, int64_t now) const;

  // The web console's sessions (auth/console_sessions.h), which the AWS APIs accept in place of
  // a signature; none until set. Call before serving; `sessions` must outlive this object.
  void EnableConsoleSessions(const ConsoleSessions* sessions) { console_sessions_ = sessions; }
  const ConsoleSessions* console_sessions() const { return console_sessions_; }

  bool anonymous() const { return anonymous_; }
  const KeyRing& keyring() const { return keyring_; }
  // Who calls without credentials.
  Principal Anonymous() const;

  // The WWW-Authenticate challenge to send with a 401.
  static constexpr std::string_view kChallenge = "Basic realm=\"berth\", charset=\"UTF-8\"";

 private:
  Authenticator(std::unordered_map<std::string, meta::AccessKey> keys, KeyRing keyring, bool anonymous,
                iam::Directory* users, std::string account_id);
  Result<Principal> VerifyToken(std::string_view password, int64_t now) const;
  Principal Root(const std::string& access_key_id) const;

  std::unordered_map<std::string, meta::AccessKey> keys_;  // the root's, secrets opened
  iam::Directory* users_;
  std::string account_id_;
  KeyRing keyring_;
  // Opened user secrets by key ID and sealed text, so a request does not decrypt again.
  mutable std::mutex opened_mu_;
  mutable std::unordered_map<std::string, std::pair<std::string, std::string>> opened_;
  std::string token_key_;
  std::string bearer_key_;
  std::string bearer_service_;
  std::string url_key_;
  const ConsoleSessions* console_sessions_ = nullptr;
  bool anonymous_;
};

struct BootstrapResult {
  std::string access_key_id;
  std::string credentials_file;  // empty when the keys came from the environment
  bool created = false;
};

// On first start (no access keys in the store) creates the admin key: from
// BERTH_ADMIN_ACCESS_KEY_ID / BERTH_ADMIN_SECRET_ACCESS_KEY if set, otherwise random, written to
// <data_dir>/admin-credentials (mode 0600, AWS shared-credentials format, profile "berth").
// The stored secret is sealed with `keyring`.
Result<BootstrapResult> BootstrapAdmin(meta::AccessKeys& keys, const KeyRing& keyring,
                                       const std::string& data_dir, int64_t now);

}  // namespace berth::auth
