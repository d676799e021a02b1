#include "meta/cache/cached_store.h"

namespace berth::meta::cache {
namespace {

std::string RepoKey(char kind, RepositoryId repo, std::string_view name) {
  std::string key;
  key.reserve(24 + name.size());
  key += kind;
  key += std::to_string(repo);
  key += '/';
  key += name;
  return key;
}

}  // namespace

CachedStore::CachedStore(std::unique_ptr<MetadataStore> store, const std::string& uri, size_t max_bytes)
    : store_(std::move(store)), cache_(max_bytes) {
  if (uri.empty()) {
    cache_.Reset(true);  // every writer is this process: nothing to listen for
  } else {
    feed_ = std::make_unique<postgres::ChangeFeed>(uri, *this);
  }
}

CachedStore::~CachedStore() { feed_.reset(); }

Result<std::optional<RepositoryId>> CachedStore::FindRepository(std::string_view name) {
  if (feed_) feed_->Drain();
  std::string key = "r" + std::string(name);
  if (std::optional<ReadCache::Value> v = cache_.Get(key)) return std::get<int64_t>(*v);
  const ReadCache::Ticket ticket = cache_.Begin(kAllRepositories);
  BERTH_ASSIGN(std::optional<RepositoryId> id, store_->FindRepository(name));
  if (id) cache_.Put(std::move(key), kAllRepositories, *id, ticket);
  return id;
}

void CachedStore::OnChange(RepositoryId repo) {
  if (repo != kIamChanged) {
    cache_.Changed(repo);
  } else if (iam_observer_) {
    iam_observer_(true);
  }
}

void CachedStore::OnReset(bool listening) {
  cache_.Reset(listening);
  if (iam_observer_) iam_observer_(listening);
}

Result<std::optional<RepositoryAccess>> CachedStore::GetRepositoryAccess(RepositoryId repo) {
  if (feed_) feed_->Drain();
  std::string key = RepoKey('p', repo, "");
  if (std::optional<ReadCache::Value> v = cache_.Get(key)) {
    return *std::get<std::shared_ptr<const RepositoryAccess>>(*v);
  }
  const ReadCache::Ticket ticket = cache_.Begin(repo);
  BERTH_ASSIGN(std::optional<RepositoryAccess> access, store_->GetRepositoryAccess(repo));
  if (access) cache_.Put(std::move(key), repo, std::make_shared<const RepositoryAccess>(*access), ticket);
  return access;
}

// Held under the repository it names, so any change to it drops the entry. The ticket is that
// repository's as this node knows it; an answer naming another (the name was deleted and taken
// again meanwhile) is returned but not kept.
Result<std::optional<FoundRepository>> CachedStore::FindRepositoryAccess(std::string_view name) {
  if (feed_) feed_->Drain();
  std::string key = "a" + std::string(name);
  if (std::optional<ReadCache::Value> v = cache_.Get(key)) return std::get<PackedRepository>(*v).Unpack();
  BERTH_ASSIGN(std::optional<RepositoryId> id, FindRepository(name));
  if (!id) return std::nullopt;
  const ReadCache::Ticket ticket = cache_.Begin(*id);
  BERTH_ASSIGN(std::optional<FoundRepository> found, store_->FindRepositoryAccess(name));
  if (found && found->id == *id) {
    PackedRepository packed(*found, key);
    cache_.Put(std::move(key), *id, std::move(packed), ticket);
  }
  return found;
}

Result<std::optional<uint64_t>> CachedStore::FindBlob(RepositoryId repo, const oci::Digest& digest) {
  if (feed_) feed_->Drain();
  std::string key = RepoKey('b', repo, digest.hex());
  if (std::optional<ReadCache::Value> v = cache_.Get(key)) {
    return static_cast<uint64_t>(std::get<int64_t>(*v));
  }
  const ReadCache::Ticket ticket = cache_.Begin(repo);
  BERTH_ASSIGN(std::optional<uint64_t> size, store_->FindBlob(repo, digest));
  if (size) cache_.Put(std::move(key), repo, static_cast<int64_t>(*size), ticket);
  return size;
}

// A tag's entry holds its manifest, so a pull by tag is one lookup; a pull by digest has its
// own entry. An image pulled both ways is held twice, and counted twice.
Result<std::optional<ManifestRecord>> CachedStore::GetManifest(RepositoryId repo, const oci::Digest* digest,
                                                               const std::string* tag) {
  if (feed_) feed_->Drain();
  std::string key = tag != nullptr ? RepoKey('t', repo, *tag) : RepoKey('m', repo, digest->hex());
  if (std::optional<ReadCache::Value> v = cache_.Get(key)) return std::get<PackedManifest>(*v).Unpack();
  const ReadCache::Ticket ticket = cache_.Begin(repo);
  BERTH_ASSIGN(std::optional<ManifestRecord> m, store_->GetManifest(repo, digest, tag));
  if (m) {
    PackedManifest packed(*m, key);
    cache_.Put(std::move(key), repo, std::move(packed), ticket);
  }
  return m;
}

// A write drops what this node holds of the repository before it returns (the notification
// reaches the other nodes), whether or not it succeeded: a failed write changed nothing, and
// dropping is always safe.
Result<bool> CachedStore::UnlinkBlob(RepositoryId repo, const oci::Digest& digest) {
  Result<bool> r = store_->UnlinkBlob(repo, digest);
  cache_.Changed(repo);
  return r;
}

Result<bool> CachedStore::SetStorageClass(RepositoryId repo, const oci::Digest& digest, bool archive,
                                          UnixSeconds now) {
  Result<bool> r = store_->SetStorageClass(repo, digest, archive, now);
  cache_.Changed(repo);
  return r;
}

Result<ExpireOutcome> CachedStore::ExpireImage(RepositoryId repo, const oci::Digest& digest,
                                               const std::vector<std::string>& tags) {
  Result<ExpireOutcome> r = store_->ExpireImage(repo, digest, tags);
  cache_.Changed(repo);
  return r;
}

// Links of any repository may have gone: every cached blob size is dropped, unless none did
// (a collection that found nothing must not empty the cache).
Result<int64_t> CachedStore::ExpireUnusedLinks(UnixSeconds cutoff, size_t limit) {
  Result<int64_t> r = store_->ExpireUnusedLinks(cutoff, limit);
  if (!r || *r > 0) cache_.Changed(kAllRepositories);
  return r;
}

Result<PutManifestOutcome> CachedStore::PutManifest(RepositoryId repo, const NewManifest& m, const std::string* tag,
                                                    UnixSeconds now) {
  Result<PutManifestOutcome> r = store_->PutManifest(repo, m, tag, now);
  cache_.Changed(repo);
  return r;
}

Result<bool> CachedStore::DeleteManifest(RepositoryId repo, const oci::Digest& digest) {
  Result<bool> r = store_->DeleteManifest(repo, digest);
  cache_.Changed(repo);
  return r;
}

Result<bool> CachedStore::DeleteTag(RepositoryId repo, std::string_view tag) {
  Result<bool> r = store_->DeleteTag(repo, tag);
  cache_.Changed(repo);
  return r;
}

Result<std::vector<std::string>> CachedStore::DeleteRepository(RepositoryId repo, bool force) {
  Result<std::vector<std::string>> r = store_->DeleteRepository(repo, force);
  cache_.Changed(kAllRepositories);
  return r;
}

Status CachedStore::TagResource(RepositoryId repo, const ResourceTags& tags, size_t max_tags) {
  Status r = store_->TagResource(repo, tags, max_tags);
  cache_.Changed(repo);
  return r;
}

Status CachedStore::UntagResource(RepositoryId repo, const std::vector<std::string>& keys) {
  Status r = store_->UntagResource(repo, keys);
  cache_.Changed(repo);
  return r;
}

Status CachedStore::SetRepositoryPolicy(RepositoryId repo, std::string_view policy) {
  Status r = store_->SetRepositoryPolicy(repo, policy);
  cache_.Changed(repo);
  return r;
}

}  // namespace berth::meta::cache
