// iam/directory.h
//
// This node's view of the IAM state: an immutable Snapshot (users by name and by access key,
// each user's identity policies parsed once) that requests read without locking, replaced
// whole when the state changes. Changes are made by Update(), a compare-and-swap on the
// metadata store's IAM document retried on conflict, so concurrent changes on any node all
// apply. Another node's change reaches this one through MarkStale() (the PostgreSQL change
// feed); while the feed is not listening every Current() asks the store for the version.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "iam/policy.h"
#include "iam/state.h"
#include "meta/metadata_store.h"

namespace berth::iam {

// Parsed policies by kind and text: parsing happens once per distinct document.
class PolicyCache {
 public:
  // The parsed policy, or its parse error.
  Result<std::shared_ptr<const Policy>> Get(std::string_view text, PolicyKind kind);

 private:
  // Looked up by string_view: a request that meets a repository policy copies nothing.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using ByText = std::unordered_map<std::string, std::shared_ptr<const Policy>, TextHash, std::equal_to<>>;

  std::mutex mu_;
  ByText identity_, resource_;  // guarded by mu_
};

class Snapshot {
 public:
  Snapshot(int64_t version, IamState state, std::string account_id, PolicyCache& cache);

  int64_t version() const { return version_; }
  const IamState& state() const { return state_; }

  struct KeyOwner {
    const User* user = nullptr;
    const AccessKeyEntry* key = nullptr;
  };
  // The user owning an access key (active or not); user null when no user has it.
  KeyOwner FindKey(std::string_view access_key_id) const;
  // Every identity policy that applies to a user: inline, attached, and those of its groups.
  const std::vector<std::shared_ptr<const Policy>>& PoliciesOf(const std::string& user) const;

 private:
  int64_t version_;
  IamState state_;
  std::unordered_map<std::string, KeyOwner> keys_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<const Policy>>> policies_;
};

// The ARN of a managed policy, customer (account) or AWS managed.
std::string ManagedPolicyArn(std::string_view account_id, const ManagedPolicy& p);
// The document of the managed policy an ARN names, or nullopt.
std::optional<std::string> ManagedPolicyDocument(const IamState& state, std::string_view account_id,
                                                 std::string_view arn);

class Directory {
 public:
  Directory(meta::IamDocuments& store, std::string account_id);

  const std::string& account_id() const { return account_id_; }
  PolicyCache& policies() { return cache_; }

  // The current snapshot; reloads first if another node changed the state.
  Result<std::shared_ptr<const Snapshot>> Current();
  // The state as stored now, whether or not the change feed has told this node yet: for the
  // IAM API's reads, so that a change made through another node is seen at once (a console
  // and a CLI behind one load balancer). Asks the store for the version; loads and parses the
  // document only when it is newer than this node's.
  Result<std::shared_ptr<const Snapshot>> Latest();

  // Called at the start of every Current(), to hand over notifications that have arrived but
  // not been read yet (ChangeFeed::Drain), so a change committed before a request began is seen
  // by it. Set once, before requests are served.
  void SyncWith(std::function<void()> drain) { drain_ = std::move(drain); }

  // Another node changed the state (listening = true), or the feed lost (false) or regained
  // (true) its connection. Called from the change feed's thread.
  void MarkStale(bool listening);

  // Applies `change` to the latest state and stores the result, retrying when another change
  // won the race. An error from `change` is returned and nothing is stored.
  Result<std::shared_ptr<const Snapshot>> Update(const std::function<Status(IamState&)>& change);

 private:
  Result<std::shared_ptr<const Snapshot>> Reload();
  void Publish(std::shared_ptr<const Snapshot> s);

  meta::IamDocuments& store_;
  const std::string account_id_;
  PolicyCache cache_;
  std::mutex mu_;  // serialises reloads and updates on this node
  std::shared_ptr<const Snapshot> current_;  // read with std::atomic_load
  std::atomic<uint64_t> stale_{1};          // bumped per MarkStale; reload when != loaded_
  std::atomic<uint64_t> loaded_{0};
  std::atomic<bool> listening_{true};
  std::function<void()> drain_;
};

}  // namespace berth::iam
