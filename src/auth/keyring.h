// auth/keyring.h
//
// The server's master secret, kept in <data>/secret.key (32 random bytes, mode 0600), apart from
// the metadata database: access-key secrets in the database are sealed with a key derived from
// it, so a stolen database file alone reveals no secret. Registry tokens and presigned download
// URLs are signed with other derived keys, so any node holding the file can verify them without
// a lookup.
//
// Immutable after Load; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace berth::auth {

class KeyRing {
 public:
  // Reads <data_dir>/secret.key, creating it on first start.
  static Result<KeyRing> Load(const std::string& data_dir);
  // For tests.
  static KeyRing FromMaster(std::string master) { return KeyRing(std::move(master)); }

  // A 32-byte key for one purpose ("access-keys", "registry-token", "download-url").
  std::string Derive(std::string_view purpose) const;

  // Seals an access-key secret for storage: "enc1:" + base64(AES-256-GCM box), bound to the id.
  std::string SealSecret(std::string_view access_key_id, std::string_view secret) const;
  // Opens what SealSecret produced. kInternal if it does not open (wrong key file, tampering).
  Result<std::string> OpenSecret(std::string_view access_key_id, std::string_view stored) const;

 private:
  explicit KeyRing(std::string master) : master_(std::move(master)) {}
  std::string master_;
};

}  // namespace berth::auth
