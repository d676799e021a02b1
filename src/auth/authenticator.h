// auth/authenticator.h
//
// Decides who is calling from the Authorization header. For now: HTTP Basic with an access key
// ID as user name and its secret as password; later issues add ECR login tokens and SigV4.
// Secrets are compared in constant time. Keys are loaded once from the metadata store.
//
// Thread-safe after construction.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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
  static Result<std::unique_ptr<Authenticator>> Create(meta::AccessKeys& keys, bool anonymous);

  // kUnauthenticated (reason UNAUTHORIZED) when the header is missing, malformed or wrong.
  Result<Principal> Authenticate(std::optional<std::string_view> authorization) const;

  // The WWW-Authenticate challenge to send with a 401.
  static constexpr std::string_view kChallenge = "Basic realm=\"berth\", charset=\"UTF-8\"";

 private:
  Authenticator(std::vector<meta::AccessKey> keys, bool anonymous);
  std::unordered_map<std::string, meta::AccessKey> keys_;
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
Result<BootstrapResult> BootstrapAdmin(meta::AccessKeys& keys, const std::string& data_dir,
                                       int64_t now);

}  // namespace berth::auth
