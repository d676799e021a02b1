// meta/cache/cached_store.h
//
// A MetadataStore in front of the real one that answers the hot reads from this node's memory: a
// warm manifest GET, blob HEAD or GET asks the database nothing. In front of PostgreSQL it
// listens for other nodes' changes; in front of SQLite this process is the only writer. Cached:
// repository IDs by name, blob sizes, manifests by digest and by tag (only what exists: an
// absent answer is always asked again), repository policies and tags, by ID and (with the ID) by
// name. Every write that changes them notifies the other nodes through PostgreSQL
// (meta/postgres/change_feed.h), which drop what they hold of that repository within about a
// millisecond; this node drops it before its own write returns, so it always reads its own
// writes. While the feed is not listening nothing is served from the cache. Everything else
// goes straight to the store.
//
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "meta/cache/read_cache.h"
#include "meta/metadata_store.h"
#include "meta/postgres/change_feed.h"

namespace berth::meta::cache {

class CachedStore final : public MetadataStore, public postgres::ChangeListener {
 public:
  // Listens for changes on its own connection to `uri` (the store's). With an empty `uri` the
  // store has no other writer (SQLite, owned by this process): there is nothing to listen for.
  CachedStore(std::unique_ptr<MetadataStore> store, const std::string& uri, size_t max_bytes = 256 << 20);
  ~CachedStore() override;

  const ReadCache& cache() const { return cache_; }

  // Called (from the feed's thread) when another node changed the IAM document, with true, and
  // when the feed lost or regained its connection, with whether changes arrive now. Set once,
  // before requests are served.
  void OnIamChange(std::function<void(bool listening)> observer) { iam_observer_ = std::move(observer); }

  // Hands over the notifications that have arrived (see ChangeFeed::Drain).
  void DrainChanges() {
    if (feed_) feed_->Drain();
  }

  // ChangeListener
  void OnChange(RepositoryId repo) override;
  void OnReset(bool listening) override;

  // Cached reads.
  Result<std::optional<RepositoryId>> FindRepository(std::string_view name) override;
  Result<std::optional<uint64_t>> FindBlob(RepositoryId repo, const oci::Digest& digest) override;
  Result<std::optional<ManifestRecord>> GetManifest(RepositoryId repo, const oci::Digest* digest,
                                                    const std::string* tag) override;

  // Writes that change cached reads.
  Result<bool> UnlinkBlob(RepositoryId repo, const oci::Digest& digest) override;
  Result<PutManifestOutcome> PutManifest(RepositoryId repo, const NewManifest& m, const std::string* tag,
                                         UnixSeconds now) override;
  Result<bool> DeleteManifest(RepositoryId repo, const oci::Digest& digest) override;
  Result<bool> DeleteTag(RepositoryId repo, std::string_view tag) override;
  Result<std::vector<std::string>> DeleteRepository(RepositoryId repo, bool force) override;
  Result<ExpireOutcome> ExpireImage(RepositoryId repo, const oci::Digest& digest,
                                    const std::vector<std::string>& tags) override;
  Result<int64_t> ExpireUnusedLinks(UnixSeconds cutoff, size_t limit) override;

  // The rest, as the store answers them.
  Result<RepositoryId> CreateRepositoryIfMissing(std::string_view name, UnixSeconds now) override {
    return store_->CreateRepositoryIfMissing(name, now);
  }
  Result<std::vector<std::string>> ListRepositories(std::string_view after, size_t limit) override {
    return store_->ListRepositories(after, limit);
  }
  Result<bool> MountBlob(RepositoryId repo, RepositoryId from, const oci::Digest& digest, UnixSeconds now) override {
    return store_->MountBlob(repo, from, digest, now);
  }
  Status CommitUpload(std::string_view upload_id, const oci::Digest& digest, uint64_t size, UnixSeconds now,
                      const std::function<Status()>& bytes_present) override {
    return store_->CommitUpload(upload_id, digest, size, now, bytes_present);
  }
  Result<std::vector<std::string>> ListTags(RepositoryId repo, std::string_view after, size_t limit) override {
    return store_->ListTags(repo, after, limit);
  }
  Result<std::vector<Referrer>> ListReferrers(RepositoryId repo, const oci::Digest& subject,
                                              std::string_view artifact_type, std::string_view after,
                                              size_t limit) override {
    return store_->ListReferrers(repo, subject, artifact_type, after, limit);
  }
  Status CreateUpload(const UploadRecord& upload) override { return store_->CreateUpload(upload); }
  Result<std::optional<UploadRecord>> GetUpload(std::string_view id) override { return store_->GetUpload(id); }
  Status SaveUploadProgress(std::string_view id, uint64_t from_size, uint64_t size, std::string_view state,
                            UnixSeconds now) override {
    return store_->SaveUploadProgress(id, from_size, size, state, now);
  }
  Result<bool> DeleteUpload(std::string_view id) override { return store_->DeleteUpload(id); }
  Result<std::vector<std::string>> IdleUploads(UnixSeconds cutoff, size_t limit) override {
    return store_->IdleUploads(cutoff, limit);
  }
  Result<int64_t> CountUploads() override { return store_->CountUploads(); }
  Result<std::vector<AccessKey>> ListAccessKeys() override { return store_->ListAccessKeys(); }
  Status CreateAccessKey(const AccessKey& key, UnixSeconds now) override { return store_->CreateAccessKey(key, now); }
  Result<std::optional<RepositoryRecord>> GetRepository(std::string_view name) override {
    return store_->GetRepository(name);
  }
  Result<RepositoryRecord> CreateRepository(RepositoryRecord record, const ResourceTags& tags, std::string_view policy,
                                            std::string_view lifecycle_policy) override {
    return store_->CreateRepository(std::move(record), tags, policy, lifecycle_policy);
  }
  Result<std::vector<RepositoryRecord>> ListRepositoryRecords(std::string_view after, size_t limit) override {
    return store_->ListRepositoryRecords(after, limit);
  }
  Status UpdateRepository(const RepositoryRecord& record) override { return store_->UpdateRepository(record); }
  Result<ResourceTags> GetResourceTags(RepositoryId repo) override { return store_->GetResourceTags(repo); }
  Status TagResource(RepositoryId repo, const ResourceTags& tags, size_t max_tags) override;
  Status UntagResource(RepositoryId repo, const std::vector<std::string>& keys) override;
  Result<std::optional<RepositoryAccess>> GetRepositoryAccess(RepositoryId repo) override;
  Result<std::optional<FoundRepository>> FindRepositoryAccess(std::string_view name) override;
  Status SetRepositoryPolicy(RepositoryId repo, std::string_view policy) override;
  Result<IamDocument> LoadIam() override { return store_->LoadIam(); }
  Result<int64_t> IamVersion() override { return store_->IamVersion(); }
  Status SaveIam(int64_t expected, std::string_view json) override { return store_->SaveIam(expected, json); }
  Result<std::vector<ImageRecord>> ListImages(RepositoryId repo, std::string_view after, size_t limit) override {
    return store_->ListImages(repo, after, limit);
  }
  Result<std::optional<ImageRecord>> FindImage(RepositoryId repo, const oci::Digest& digest) override {
    return store_->FindImage(repo, digest);
  }
  Result<bool> IsReferencedByIndex(RepositoryId repo, const oci::Digest& digest) override {
    return store_->IsReferencedByIndex(repo, digest);
  }
  Result<std::vector<RepositoryUsage>> ListRepositoryUsage(std::string_view after, size_t limit) override {
    return store_->ListRepositoryUsage(after, limit);
  }
  Result<bool> RecordUsageSample(UnixSeconds taken_at, UnixSeconds keep_after) override {
    return store_->RecordUsageSample(taken_at, keep_after);
  }
  Result<std::vector<UsageSample>> ListUsageSamples(UnixSeconds since, size_t limit) override {
    return store_->ListUsageSamples(since, limit);
  }
  // Pull times are not among the cached reads.
  Result<int64_t> RecordPulls(std::span<const PulledImage> pulls) override { return store_->RecordPulls(pulls); }
  Result<bool> SetStorageClass(RepositoryId repo, const oci::Digest& digest, bool archive, UnixSeconds now) override;
  Result<std::vector<oci::Digest>> ImageBlobs(RepositoryId repo, const oci::Digest& digest,
                                              bool only_archived_use) override {
    return store_->ImageBlobs(repo, digest, only_archived_use);
  }
  Status AddPullTimeExclusion(std::string_view principal_arn, UnixSeconds now, size_t max) override {
    return store_->AddPullTimeExclusion(principal_arn, now, max);
  }
  Result<bool> RemovePullTimeExclusion(std::string_view principal_arn) override {
    return store_->RemovePullTimeExclusion(principal_arn);
  }
  Result<std::vector<std::pair<std::string, UnixSeconds>>> ListPullTimeExclusions() override {
    return store_->ListPullTimeExclusions();
  }
  Result<std::optional<std::string>> GetSetting(std::string_view name) override { return store_->GetSetting(name); }
  Status PutSetting(std::string_view name, std::string_view value) override { return store_->PutSetting(name, value); }
  // The vulnerability database changes by imports, rarely; it is read once per scan.
  Result<int64_t> PutAdvisories(const std::vector<AdvisoryRow>& rows, int64_t version, UnixSeconds now) override {
    return store_->PutAdvisories(rows, version, now);
  }
  Result<VulnDbState> GetVulnDbState() override { return store_->GetVulnDbState(); }
  Result<std::vector<std::pair<std::string, std::string>>> FindAdvisories(
      const std::vector<std::pair<std::string, std::string>>& packages) override {
    return store_->FindAdvisories(packages);
  }
  // Scans are written by one node's scanner and read by DescribeImageScanFindings: not cached.
  Result<bool> RequestScan(RepositoryId repo, const oci::Digest& digest, std::string_view scan_type,
                           UnixSeconds now) override {
    return store_->RequestScan(repo, digest, scan_type, now);
  }
  Result<std::optional<ScanRecord>> GetScan(RepositoryId repo, const oci::Digest& digest) override {
    return store_->GetScan(repo, digest);
  }
  Result<std::optional<ScanRecord>> GetScanSummary(RepositoryId repo, const oci::Digest& digest) override {
    return store_->GetScanSummary(repo, digest);
  }
  Result<std::vector<ScanTarget>> PendingScans(size_t limit) override { return store_->PendingScans(limit); }
  Result<bool> SaveScan(const ScanTarget& target, const ScanRecord& result) override {
    return store_->SaveScan(target, result);
  }
  Result<std::vector<std::pair<ScanTarget, ScanRecord>>> StaleScans(int64_t version, size_t limit) override {
    return store_->StaleScans(version, limit);
  }
  Result<std::vector<PushedImage>> UnscannedImages(UnixSeconds since, size_t limit) override {
    return store_->UnscannedImages(since, limit);
  }
  // Templates are read when a push creates a repository: rarely, and never on a hot path.
  Status PutCreationTemplate(const CreationTemplate& t, bool create, size_t max) override {
    return store_->PutCreationTemplate(t, create, max);
  }
  Result<std::vector<CreationTemplate>> ListCreationTemplates() override { return store_->ListCreationTemplates(); }
  Result<std::optional<NamedDocument>> GetDocument(std::string_view kind, std::string_view name) override {
    return store_->GetDocument(kind, name);
  }
  Result<std::vector<NamedDocument>> ListDocuments(std::string_view kind, std::string_view after,
                                                   size_t limit) override {
    return store_->ListDocuments(kind, after, limit);
  }
  Result<int64_t> PutDocument(std::string_view kind, std::string_view name, std::string_view document,
                              int64_t expected_revision, size_t max) override {
    return store_->PutDocument(kind, name, document, expected_revision, max);
  }
  Result<bool> DeleteDocument(std::string_view kind, std::string_view name, int64_t expected_revision) override {
    return store_->DeleteDocument(kind, name, expected_revision);
  }
  Result<std::optional<CreationTemplate>> DeleteCreationTemplate(std::string_view prefix) override {
    return store_->DeleteCreationTemplate(prefix);
  }
  // Events and replication jobs are read by background workers, never cached.
  Result<std::vector<EventRecord>> ReadEvents(int64_t after, size_t limit) override {
    return store_->ReadEvents(after, limit);
  }
  Status AppendEvent(const EventRecord& event) override { return store_->AppendEvent(event); }
  Result<int64_t> PruneEvents(int64_t through, UnixSeconds before) override {
    return store_->PruneEvents(through, before);
  }
  Result<int64_t> ReadPosition(std::string_view reader) override { return store_->ReadPosition(reader); }
  Status SavePosition(std::string_view reader, int64_t seq) override { return store_->SavePosition(reader, seq); }
  Result<bool> EnqueueReplication(RepositoryId repo, const oci::Digest& digest,
                                  const std::vector<std::string>& destinations, const std::vector<std::string>& tags,
                                  UnixSeconds now) override {
    return store_->EnqueueReplication(repo, digest, destinations, tags, now);
  }
  Result<std::vector<ReplicationJob>> DueReplications(UnixSeconds now, size_t limit) override {
    return store_->DueReplications(now, limit);
  }
  Result<bool> FinishReplication(const ReplicationJob& job, std::string_view status, std::string_view failure_code,
                                 UnixSeconds due_at, UnixSeconds now, const EventRecord* event) override {
    return store_->FinishReplication(job, status, failure_code, due_at, now, event);
  }
  Result<std::vector<ReplicationStatus>> ReplicationStatuses(RepositoryId repo, const oci::Digest& digest) override {
    return store_->ReplicationStatuses(repo, digest);
  }
  Result<bool> TryLease(std::string_view name, std::string_view holder, UnixSeconds now, int64_t ttl) override {
    return store_->TryLease(name, holder, now, ttl);
  }
  Status ReleaseLease(std::string_view name, std::string_view holder) override {
    return store_->ReleaseLease(name, holder);
  }
  Result<std::optional<LifecyclePolicyRecord>> GetLifecyclePolicy(RepositoryId repo) override {
    return store_->GetLifecyclePolicy(repo);
  }
  Status SetLifecyclePolicy(RepositoryId repo, std::string_view text) override {
    return store_->SetLifecyclePolicy(repo, text);
  }
  Status MarkLifecycleEvaluated(RepositoryId repo, UnixSeconds now) override {
    return store_->MarkLifecycleEvaluated(repo, now);
  }
  Result<std::vector<LifecycleTarget>> ListLifecyclePolicies(RepositoryId after, size_t limit) override {
    return store_->ListLifecyclePolicies(after, limit);
  }
  Status SaveLifecyclePreview(RepositoryId repo, const LifecyclePreviewRecord& preview) override {
    return store_->SaveLifecyclePreview(repo, preview);
  }
  Result<std::optional<LifecyclePreviewRecord>> GetLifecyclePreview(RepositoryId repo) override {
    return store_->GetLifecyclePreview(repo);
  }
  Result<std::vector<std::pair<oci::Digest, oci::Digest>>> ListIndexChildren(RepositoryId repo) override {
    return store_->ListIndexChildren(repo);
  }
  Result<int64_t> MarkUnreferencedBlobs(UnixSeconds now, size_t limit) override {
    return store_->MarkUnreferencedBlobs(now, limit);
  }
  Result<std::vector<StoredBlob>> BeginBlobDeletion(UnixSeconds cutoff, size_t limit) override {
    return store_->BeginBlobDeletion(cutoff, limit);
  }
  Result<std::vector<StoredBlob>> PendingBlobDeletions(size_t limit) override {
    return store_->PendingBlobDeletions(limit);
  }
  Status EndBlobDeletion(const std::vector<oci::Digest>& digests) override {
    return store_->EndBlobDeletion(digests);
  }
  Result<GarbageEstimate> EstimateGarbage(UnixSeconds link_cutoff) override {
    return store_->EstimateGarbage(link_cutoff);
  }
  Result<std::vector<StoredBlob>> ListBlobRows(std::string_view after, size_t limit) override {
    return store_->ListBlobRows(after, limit);
  }

 private:
  std::unique_ptr<MetadataStore> store_;
  ReadCache cache_;
  std::function<void(bool)> iam_observer_;
  std::unique_ptr<postgres::ChangeFeed> feed_;  // last: stops before the cache goes
};

}  // namespace berth::meta::cache
