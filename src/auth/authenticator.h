// auth/authenticator.h
//
// Decides who is calling. On /v2/: HTTP Basic with an access key ID and its secret, or with user
// "AWS" and a registry token from GetAuthorizationToken (`aws ecr get-login-password`), or a
// presigned blob URL from GetDownloadUrlForLayer. On the JSON API the caller's SigV4 signature is
// checked by aws/sigv4 with SecretFor() as the key lookup. Secrets are compared in constant time.
//
// Access keys are loaded once from the metadata store, where their secrets are sealed with the
// KeyRing. Tokens and presigned URLs carry their principal and expiry and are verified with an
// HMAC key derived from the KeyRing, without a lookup.
//
// Thread-safe after construction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/keyring.h"
#include "base/error.h"
#include "meta/metadata_store.h"

namespace berth::auth {

struct Principal {
  std::string name;  // "admin" for the bootstrap identity, "anonymous" when auth is off
  std::string access_key_id;
};

class Authenticator {
 public:
  // anonymous: authentication is off and everyone is the admin (local experiments only).
  static Result<std::unique_ptr<Authenticator>> Create(meta::AccessKeys& keys, KeyRing keyring,
                                                       bool anonymous);

  // /v2/ credentials. kUnauthenticated (reason UNAUTHORIZED) when missing, malformed, wrong or
  // expired.
  Result<Principal> Authenticate(std::optional<std::string_view> authorization, int64_t now) const;

  // The secret of an access key, for SigV4; nullopt if unknown.
  std::optional<std::string> SecretFor(std::string_view access_key_id) const;
  Result<Principal> PrincipalFor(std::string_view access_key_id) const;

  // The password of a registry login for `principal`, valid until `expires_at` (unix seconds).
  std::string IssueToken(const Principal& principal, int64_t expires_at) const;

  // Query parameters that let anyone GET one blob of one repository until `expires_at`.
  std::string PresignBlob(std::string_view repository, std::string_view digest,
                          const Principal& principal, int64_t expires_at) const;
  // Checks a presigned query for that repository and digest.
  Result<Principal> VerifyPresignedBlob(std::string_view repository, std::string_view digest,
                                        std::string_view query, int64_t now) const;

  bool anonymous() const { return anonymous_; }

  // The WWW-Authenticate challenge to send with a 401.
  static constexpr std::string_view kChallenge = "Basic realm=\"berth\", charset=\"UTF-8\"";

 private:
  Authenticator(std::unordered_map<std::string, meta::AccessKey> keys, KeyRing keyring, bool anonymous);
  Result<Principal> VerifyToken(std::string_view password, int64_t now) const;

  std::unordered_map<std::string, meta::AccessKey> keys_;  // secrets opened
  KeyRing keyring_;
  std::string token_key_;
  std::string url_key_;
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
