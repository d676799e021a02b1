// cache/pull_through.h
//
// The pull-through cache: what a pull of a repository under a rule's prefix does when the
// registry lacks what it asks for. The APIs (/v2/ and BatchGetImage) ask it, after their own
// lookup and their authorization:
//   - a manifest missing here is fetched from the upstream (one upstream request however many
//     pulls ask at once) and served from those bytes at once, while an import stores it: its
//     blobs first (an index's child manifests and theirs too), then the manifest and its tag,
//     as a push would, so the registry's invariants (no manifest without its blobs) hold;
//   - a tag is asked of the upstream again (HEAD) when it was last checked longer ago than
//     the tag TTL; when it moved, the new manifest is served and imported; when the upstream
//     cannot answer, what is cached is served;
//   - a missing blob joins or starts its download (cache/blob_fetches.h).
// Repositories it creates get the PULL_THROUGH_CACHE creation template.
//
// Rules are read from the metadata store and kept for two seconds (RulesChanged() drops them at
// once on the node that changed them). Thread-safe; the methods marked blocking run on a
// blocking thread.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "blob/blob_store.h"
#include "cache/blob_fetches.h"
#include "cache/rule.h"
#include "cache/upstream.h"
#include "meta/metadata_store.h"
#include "oci/manifest.h"
#include "secrets/vault.h"

namespace berth::cache {

inline constexpr std::string_view kRuleKind = "pull-through-cache-rule";
inline constexpr size_t kMaxRules = 50;  // ECR's quota
// When a cached tag was last asked of its upstream, and where it pointed, shared by the nodes:
// "<repo id>/<tag>" -> "<unix seconds> <digest>".
inline constexpr std::string_view kTagCheckKind = "pull-through-tag-check";

struct PullThroughOptions {
  std::chrono::seconds tag_ttl{24 * 3600};  // ECR's figure
  std::string spool_dir;
  std::string node_id;
  bool shared_store = false;  // nodes share the metadata store (PostgreSQL)
  std::string ca_file;  // extra CAs for upstreams with private certificates
  std::chrono::seconds timeout{30};
  std::chrono::seconds check_timeout{5};
  size_t max_imports = 4;
  // Told of every image an import stored (scan on push); runs on the import's thread.
  std::function<void(const meta::PushedImage&)> on_image_stored;
};

class PullThrough {
 public:
  PullThrough(meta::MetadataStore& meta, blob::BlobStore& blobs, secrets::Vault& vault, PullThroughOptions options,
              std::function<int64_t()> clock);
  ~PullThrough();

  // The rule `repository` is under, if any.
  std::optional<Rule> RuleFor(std::string_view repository);
  void RulesChanged();
  Result<std::vector<Rule>> Rules();  // blocking

  // Blocking. The repository `name`, created (with the PULL_THROUGH_CACHE template) if missing.
  Result<meta::RepositoryId> Repository(std::string_view name);
  // Blocking. The upstream's manifest `reference` (a tag or a digest) for `repository`, whose
  // import into `repo` starts in the background.
  Result<UpstreamManifest> FetchManifest(const Rule& rule, meta::RepositoryId repo, std::string_view repository,
                                         std::string_view reference);
  // The manifest a tag moved to upstream while its import is still running (the store's tag
  // still names the old one until the import ends). Cheap.
  std::optional<UpstreamManifest> Importing(meta::RepositoryId repo, std::string_view tag);
  // Whether the tag's last check is older than the TTL, as far as this node knows. Cheap; the
  // cluster's answer (in the store) is read by Refresh.
  bool TagDue(meta::RepositoryId repo, std::string_view tag);
  // Blocking. Asks the upstream where the tag points: the new manifest when it moved (its import
  // started), nullopt when it has not or the upstream cannot say (then the cache is served).
  std::optional<UpstreamManifest> Refresh(const Rule& rule, meta::RepositoryId repo, std::string_view repository,
                                          std::string_view tag, const oci::Digest& cached);
  // The download of a blob missing from `repo`.
  std::shared_ptr<BlobFetch> FetchBlob(const Rule& rule, meta::RepositoryId repo, std::string_view repository,
                                       const oci::Digest& digest);

  // Blocking. ECR's checks of a rule's credentials: the secret exists (SecretNotFoundException)
  // and holds {"username", "accessToken"} (UnableToDecryptSecretValueException).
  Result<std::optional<Credentials>> CredentialsOf(const Rule& rule);
  // Blocking. Whether the upstream answers and takes the credentials; the reason when not.
  Status Validate(const Rule& rule);

  uint64_t manifests_fetched() const { return manifests_fetched_; }
  uint64_t images_imported() const { return images_imported_; }
  uint64_t tag_checks() const { return tag_checks_; }
  const BlobFetches& blob_fetches() const { return fetches_; }

 private:
  Result<std::shared_ptr<Upstream>> UpstreamFor(const Rule& rule);
  void StartImport(const Rule& rule, meta::RepositoryId repo, std::string repository, UpstreamManifest manifest,
                   std::optional<std::string> tag);
  Status Import(const Rule& rule, meta::RepositoryId repo, const std::string& repository,
                const UpstreamManifest& manifest, const std::string* tag, int depth);
  // Records that the tag was asked of the upstream now, here and in the store.
  void MarkChecked(meta::RepositoryId repo, std::string_view tag, const std::optional<oci::Digest>& digest);
  void Remember(meta::RepositoryId repo, std::string_view tag, int64_t at);
  // When the tag was last checked, cluster-wide, and the digest it pointed at ("" if unknown).
  std::optional<std::pair<int64_t, std::string>> CheckedInStore(meta::RepositoryId repo, std::string_view tag);

  meta::MetadataStore& meta_;
  blob::BlobStore& blobs_;
  secrets::Vault& vault_;
  const PullThroughOptions options_;
  std::function<int64_t()> clock_;
  http::Client data_client_;
  http::Client quick_client_;
  BlobFetches fetches_;

  std::atomic<std::shared_ptr<const std::vector<Rule>>> rules_;
  std::atomic<int64_t> rules_read_at_{-1000};  // kRulesUnread
  std::mutex rules_refresh_;

  std::mutex mu_;
  struct CachedUpstream {
    int64_t made_at;
    std::string key;
    std::shared_ptr<Upstream> upstream;
  };
  std::map<std::string, CachedUpstream> upstreams_;  // by rule prefix
  std::map<std::string, std::shared_future<Result<UpstreamManifest>>> manifest_fetches_;
  std::set<std::string> imports_;  // "repo@digest:tag" in progress
  std::map<std::pair<meta::RepositoryId, std::string>, UpstreamManifest> importing_tags_;
  std::map<std::pair<meta::RepositoryId, std::string>, int64_t> checked_;  // tag -> last upstream check

  std::atomic<uint64_t> manifests_fetched_{0};
  std::atomic<uint64_t> images_imported_{0};
  std::atomic<uint64_t> tag_checks_{0};
  boost::asio::thread_pool imports_pool_;
};

}  // namespace berth::cache
