// secrets/vault.h
//
// The secrets of Secrets Manager's API, kept as named documents of kind "secret" in the
// metadata store (so every node sees the same ones) with each value sealed by the key ring,
// bound to the secret's ARN and version: a stolen database reveals no value, and a box moved to
// another secret or version does not open. Used by the Secrets Manager API and by the features
// that need credentials for other registries (the pull-through cache, replication).
//
// A secret scheduled for deletion is removed by the first lookup after its deletion date.
//
// Thread-safe; every method blocks on the metadata store.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/keyring.h"
#include "meta/metadata_store.h"
#include "secrets/secret.h"

namespace berth::secrets {

inline constexpr size_t kMaxSecrets = 5000;

struct StoredSecret {
  Secret secret;
  int64_t revision = 0;
};

class Vault {
 public:
  Vault(meta::NamedDocuments& store, const auth::KeyRing& keys, std::string region, std::string account_id,
        std::function<int64_t()> clock);

  const std::string& region() const { return region_; }
  const std::string& account_id() const { return account_id_; }

  // The secret a SecretId (name, full or partial ARN) names. kNotFound with reason
  // ResourceNotFoundException when there is none.
  Result<StoredSecret> Find(std::string_view id);
  // Stores a new secret. kAlreadyExists (ResourceExistsException) when the name is taken,
  // InvalidRequestException when the name's secret is scheduled for deletion, LimitExceeded past
  // kMaxSecrets.
  Status Create(const Secret& secret);
  // Applies `change` to the secret `id` names and stores the result; when another change came
  // first, reads again and applies it again (a few times). Returns the secret as stored.
  Result<Secret> Update(std::string_view id, const std::function<Status(Secret&)>& change);
  // Removes the secret for good.
  Status Remove(const StoredSecret& found);
  // Secrets by name after `after`, at most `limit` (those past their deletion date left out).
  Result<std::vector<Secret>> List(std::string_view after, size_t limit);

  std::string Seal(const Secret& secret, std::string_view version_id, std::string_view value) const;
  Result<std::string> Open(const Secret& secret, const SecretVersion& version) const;

  // The AWSCURRENT value of the secret `id`, as text; what another feature's credentials come
  // from. ResourceNotFoundException when there is none (or it is scheduled for deletion).
  Result<std::string> CurrentString(std::string_view id);

 private:
  bool Expired(const Secret& s) const { return s.deleted_at != 0 && s.deletion_at <= clock_(); }

  meta::NamedDocuments& store_;
  const auth::KeyRing& keys_;
  const std::string region_;
  const std::string account_id_;
  std::function<int64_t()> clock_;
};

}  // namespace berth::secrets
