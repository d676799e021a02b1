// auth/keyring.h
//
// The key ring: the master secret that access-key secrets are sealed with and that registry
// tokens and presigned download URLs are signed with (each through its own derived key), so
// any node can verify them without a lookup.
//
// Two layers, so that every node of a cluster provably holds the same ring:
//   - the node's secret key file (<data>/secret.key or --secret-key-file: 32 random bytes,
//     mode 0600, created on a first start), kept apart from the metadata database so that a
//     stolen database alone reveals no secret;
//   - the ring itself, stored in the metadata store sealed (AES-256-GCM) under a key derived
//     from that file. The first node to start stores it; every later node must open it, and
//     refuses to start when its file differs, instead of minting tokens the others reject.
// A ring stored by an installation that predates it is the file's own secret, so existing
// sealed secrets and tokens stay valid.
//
// Immutable after Load; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace berth::meta {
class ImageCatalog;
}

namespace berth::auth {

class KeyRing {
 public:
  // Reads the node's secret key file, creating it on a first start.
  static Result<KeyRing> LoadFile(const std::string& path);
  // The cluster's ring from the metadata store's settings, stored there (sealed under `node`)
  // by the first node. kFailedPrecondition when it does not open with this node's file.
  static Result<KeyRing> Join(const KeyRing& node, meta::ImageCatalog& settings);
  // For tests.
  static KeyRing FromMaster(std::string master) { return KeyRing(std::move(master)); }

  // A 32-byte key for one purpose ("access-keys", "registry-token", "download-url").
  std::string Derive(std::string_view purpose) const;

  // Seals `plaintext` under the key derived for `purpose`, bound to `binding` (the box opens
  // only with the same binding): "enc1:" + base64(AES-256-GCM box).
  std::string Seal(std::string_view purpose, std::string_view binding, std::string_view plaintext) const;
  // Opens what Seal produced. kInternal if it does not open (wrong key file, tampering).
  Result<std::string> Open(std::string_view purpose, std::string_view binding, std::string_view stored) const;

  // Seals an access-key secret for storage: "enc1:" + base64(AES-256-GCM box), bound to the id.
  std::string SealSecret(std::string_view access_key_id, std::string_view secret) const;
  // Opens what SealSecret produced. kInternal if it does not open (wrong key file, tampering).
  Result<std::string> OpenSecret(std::string_view access_key_id, std::string_view stored) const;

 private:
  explicit KeyRing(std::string master) : master_(std::move(master)) {}
  std::string master_;
};

}  // namespace berth::auth
