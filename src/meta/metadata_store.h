// meta/metadata_store.h
//
// The metadata store is the single source of truth for everything but blob bytes: repositories,
// which blobs each repository may serve, manifests (payload bytes included), tags, references
// (index -> child, referrer -> subject), upload sessions and access keys. Every method that
// changes anything is one transaction: it happens entirely or not at all, and once it returns
// success it survives a crash.
//
// It is not: a blob store (bytes live in blob/), or an authorizer.
//
// Implementations: meta/sql's SqlStore, run by meta/sqlite (embedded, WAL) and meta/postgres
// (shared by many nodes); both keep meta/metadata_store_contract.h.
//
// Thread safety: every method may be called concurrently from any thread. Methods block on disk
// I/O; writers (those returning Status or creating rows) may wait for fsync, so async callers run
// them on the blocking pool. Reads never wait behind a write.
//
// Errors: kNotFound, kFailedPrecondition and kAlreadyExists as documented per method; kInternal
// when the database fails; kUnavailable when it is busy past its timeout.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "oci/digest.h"

namespace berth::meta {

using RepositoryId = int64_t;
// Stands for every repository where one is named for a change (caches, notifications).
inline constexpr RepositoryId kAllRepositories = -1;
// Named for a change to the IAM document (users, groups, keys, policies): caches of identities
// and their policies drop what they hold.
inline constexpr RepositoryId kIamChanged = -2;
using UnixSeconds = int64_t;
// The manifest annotation marking an SBOM referrer the scanner made (scan/scanner.h).
inline constexpr std::string_view kSbomAnnotation = "dev.berth.sbom";

// Called by a store's Open function after each schema migration it applies, with the schema
// version the migration brought the database to.
using MigrationObserver = std::function<void(int version, std::string_view description)>;

// One image pulled at `when` (ImageCatalog::RecordPulls).
struct PulledImage {
  RepositoryId repo = 0;
  oci::Digest digest;
  UnixSeconds when = 0;
};

struct ManifestRecord {
  oci::Digest digest;
  std::string media_type;
  std::string payload;  // byte-exact, as pushed
  bool archived = false;  // in the archive storage class: not served until restored
};

// What a pushed manifest refers to, already parsed and validated by oci::ParseManifest.
struct NewManifest {
  oci::Digest digest;
  std::string media_type;
  std::string artifact_type;
  std::string annotations_json;
  std::optional<oci::Digest> subject;
  std::string payload;
  struct BlobRef {
    oci::Digest digest;
    int64_t size;
  };
  std::vector<BlobRef> blobs;            // must be linked to the repository with this size
  std::vector<oci::Digest> foreign_blobs;  // layers with urls: recorded, not required
  std::vector<oci::Digest> manifests;    // must be manifests of the repository
  // "region/registryId" of the registry that replicated it here; "" for a push of one's own.
  // Decides the event: ECR Replication Action, or ECR Image Action (PUSH).
  std::string replicated_from;
};

// What PutManifest did, for ECR's ImageAlreadyExistsException.
struct PutManifestOutcome {
  bool unchanged = false;  // the manifest was there and the tag (if any) already pointed at it
};

struct Referrer {
  oci::Digest digest;
  std::string media_type;
  std::string artifact_type;
  std::string annotations_json;
  int64_t size;
};

class RegistryIndex {
 public:
  RegistryIndex() = default;
  RegistryIndex(const RegistryIndex&) = delete;
  RegistryIndex& operator=(const RegistryIndex&) = delete;
  virtual ~RegistryIndex() = default;

  virtual Result<std::optional<RepositoryId>> FindRepository(std::string_view name) = 0;
  virtual Result<RepositoryId> CreateRepositoryIfMissing(std::string_view name, UnixSeconds now) = 0;
  // Names in byte order, strictly after `after`, at most `limit`.
  virtual Result<std::vector<std::string>> ListRepositories(std::string_view after,
                                                            size_t limit) = 0;

  // Size of the blob if `repo` may serve it.
  virtual Result<std::optional<uint64_t>> FindBlob(RepositoryId repo, const oci::Digest& digest) = 0;
  // Links a blob another repository holds into `repo` (a mount). Returns false if `from` does
  // not hold it.
  virtual Result<bool> MountBlob(RepositoryId repo, RepositoryId from, const oci::Digest& digest,
                                 UnixSeconds now) = 0;
  // Records stored bytes under `digest`, links them to the upload's repository and ends the
  // upload session, in one transaction. kNotFound if the session is gone. Garbage collection
  // may have deleted the bytes between their publication and this commit: when no repository
  // holds the blob, `bytes_present` is asked inside the transaction (where no collection can
  // start) and its error fails the commit; kUnavailable while a collection is deleting the
  // blob's bytes. Either way the client uploads again.
  virtual Status CommitUpload(std::string_view upload_id, const oci::Digest& digest, uint64_t size,
                              UnixSeconds now, const std::function<Status()>& bytes_present) = 0;
  // Returns false if the repository did not hold the blob.
  virtual Result<bool> UnlinkBlob(RepositoryId repo, const oci::Digest& digest) = 0;

  // By digest, or by tag when `tag` is set (then `digest` is ignored).
  virtual Result<std::optional<ManifestRecord>> GetManifest(RepositoryId repo,
                                                            const oci::Digest* digest,
                                                            const std::string* tag) = 0;
  // Stores the manifest (idempotent per digest) and points `tag` at it if given. Fails, changing
  // nothing, with kFailedPrecondition and reason MANIFEST_BLOB_UNKNOWN (a blob is missing) or
  // MANIFEST_CHILD_UNKNOWN (a child manifest is missing), naming it; kInvalidArgument
  // (MANIFEST_INVALID) when a descriptor's size is wrong; kAlreadyExists (IMAGE_TAG_IMMUTABLE)
  // when the repository's tag mutability forbids moving `tag`.
  virtual Result<PutManifestOutcome> PutManifest(RepositoryId repo, const NewManifest& manifest,
                                                 const std::string* tag, UnixSeconds now) = 0;
  // Removes the manifest and every tag pointing at it. Returns false if it was absent.
  // Also deletes the SBOM referrers Berth's scanner made for it (annotated kSbomAnnotation).
  virtual Result<bool> DeleteManifest(RepositoryId repo, const oci::Digest& digest) = 0;
  virtual Result<bool> DeleteTag(RepositoryId repo, std::string_view tag) = 0;
  virtual Result<std::vector<std::string>> ListTags(RepositoryId repo, std::string_view after,
                                                    size_t limit) = 0;
  // Manifests of `repo` whose subject is `subject`, in digest order after `after` (empty: from the
  // first), at most `limit`; only those of `artifact_type` if non-empty.
  virtual Result<std::vector<Referrer>> ListReferrers(RepositoryId repo, const oci::Digest& subject,
                                                      std::string_view artifact_type, std::string_view after,
                                                      size_t limit) = 0;
};

struct UploadRecord {
  std::string id;
  RepositoryId repository = 0;
  uint64_t size = 0;
  std::string hash_state;  // crypto::Sha256::SaveState() after `size` bytes
  UnixSeconds updated_at = 0;
};

// Upload sessions, so an upload survives a restart and belongs to one repository.
class UploadSessions {
 public:
  UploadSessions() = default;
  UploadSessions(const UploadSessions&) = delete;
  UploadSessions& operator=(const UploadSessions&) = delete;
  virtual ~UploadSessions() = default;

  virtual Status CreateUpload(const UploadRecord& upload) = 0;
  virtual Result<std::optional<UploadRecord>> GetUpload(std::string_view id) = 0;
  // Records progress from `from_size` (what the session held when the writer resumed) to
  // `size`. kNotFound if the session was cancelled or expired meanwhile; kFailedPrecondition
  // (RANGE_INVALID) if another request, on this node or another, recorded progress since: its
  // bytes and this one's cannot both be the upload.
  virtual Status SaveUploadProgress(std::string_view id, uint64_t from_size, uint64_t size,
                                    std::string_view hash_state, UnixSeconds now) = 0;
  virtual Result<bool> DeleteUpload(std::string_view id) = 0;
  // Sessions idle since before `cutoff`, at most `limit`.
  virtual Result<std::vector<std::string>> IdleUploads(UnixSeconds cutoff, size_t limit) = 0;
  virtual Result<int64_t> CountUploads() = 0;
};

struct AccessKey {
  std::string id;
  std::string secret;
  std::string principal;  // "admin" for the bootstrap identity
};

class AccessKeys {
 public:
  AccessKeys() = default;
  AccessKeys(const AccessKeys&) = delete;
  AccessKeys& operator=(const AccessKeys&) = delete;
  virtual ~AccessKeys() = default;

  virtual Result<std::vector<AccessKey>> ListAccessKeys() = 0;
  // kAlreadyExists if the id is taken.
  virtual Status CreateAccessKey(const AccessKey& key, UnixSeconds now) = 0;
};

// A repository's ECR settings.
struct RepositoryRecord {
  RepositoryId id = 0;
  std::string name;
  UnixSeconds created_at = 0;
  std::string tag_mutability = "MUTABLE";
  std::vector<std::string> mutability_filters;  // wildcard tag patterns
  bool scan_on_push = false;
  std::string encryption_type = "AES256";
  std::string kms_key;
};

using ResourceTags = std::vector<std::pair<std::string, std::string>>;

// What authorizing a request on a repository needs: its policy ("" for none) and its tags.
struct RepositoryAccess {
  std::string policy;
  ResourceTags tags;
};

struct FoundRepository {
  RepositoryId id = 0;
  RepositoryAccess access;
};

// The ECR control plane's view of repositories. Errors as above; CreateRepository returns
// kAlreadyExists for a taken name, DeleteRepository kFailedPrecondition for a repository with
// images unless forced.
class RepositoryAdmin {
 public:
  RepositoryAdmin() = default;
  RepositoryAdmin(const RepositoryAdmin&) = delete;
  RepositoryAdmin& operator=(const RepositoryAdmin&) = delete;
  virtual ~RepositoryAdmin() = default;

  virtual Result<std::optional<RepositoryRecord>> GetRepository(std::string_view name) = 0;
  // With the repository policy and lifecycle policy ("" for none) a creation template gives it,
  // all in one transaction.
  virtual Result<RepositoryRecord> CreateRepository(RepositoryRecord record, const ResourceTags& tags,
                                                    std::string_view policy = {},
                                                    std::string_view lifecycle_policy = {}) = 0;
  virtual Result<std::vector<RepositoryRecord>> ListRepositoryRecords(std::string_view after,
                                                                      size_t limit) = 0;
  // Returns the IDs of the upload sessions that ended with it, whose partial files the caller
  // removes from the blob store.
  virtual Result<std::vector<std::string>> DeleteRepository(RepositoryId repo, bool force) = 0;
  // Writes mutability, filters and scan_on_push of `record.id`.
  virtual Status UpdateRepository(const RepositoryRecord& record) = 0;
  virtual Result<ResourceTags> GetResourceTags(RepositoryId repo) = 0;
  // Adds or overwrites tags; kResourceExhausted if the result would exceed `max_tags`.
  virtual Status TagResource(RepositoryId repo, const ResourceTags& tags, size_t max_tags) = 0;
  virtual Status UntagResource(RepositoryId repo, const std::vector<std::string>& keys) = 0;
  // nullopt when the repository does not exist.
  virtual Result<std::optional<RepositoryAccess>> GetRepositoryAccess(RepositoryId repo) = 0;
  // FindRepository and GetRepositoryAccess in one read, for a request that needs both (a pull
  // checks the policy and the pull gate's tags): one lookup of a node's cache, not two.
  virtual Result<std::optional<FoundRepository>> FindRepositoryAccess(std::string_view name) = 0;
  // Sets the repository policy ("" removes it); kNotFound if the repository does not exist.
  virtual Status SetRepositoryPolicy(RepositoryId repo, std::string_view policy) = 0;
};

struct ImageRecord {
  oci::Digest digest;
  std::string media_type;
  std::string artifact_type;
  int64_t size = 0;  // bytes of the blobs it references; for an index, its largest child's
  UnixSeconds pushed_at = 0;
  std::optional<UnixSeconds> last_pulled_at;
  std::optional<oci::Digest> subject;
  std::vector<std::string> tags;  // sorted
  std::optional<UnixSeconds> archived_at;   // set while archived
  std::optional<UnixSeconds> activated_at;  // last restored from the archive
};

// What a repository holds, for the console's list.
struct RepositoryUsage {
  std::string name;
  UnixSeconds created_at = 0;
  int64_t images = 0;  // manifests that are neither an index's child nor a referrer
  int64_t bytes = 0;   // of the distinct blobs its manifests refer to: a layer shared is counted once
  UnixSeconds last_pushed_at = 0;  // 0 when it holds no manifest
};

// What the whole registry held at one time (ImageCatalog::RecordUsageSample).
struct UsageSample {
  UnixSeconds taken_at = 0;
  int64_t bytes = 0;  // of every blob stored, each counted once
  int64_t blobs = 0;
  int64_t repositories = 0;
  int64_t manifests = 0;
};

// Images (manifests with their tags) of a repository, and registry settings.
class ImageCatalog {
 public:
  ImageCatalog() = default;
  ImageCatalog(const ImageCatalog&) = delete;
  ImageCatalog& operator=(const ImageCatalog&) = delete;
  virtual ~ImageCatalog() = default;

  // In digest order, strictly after `after_digest`, at most `limit`.
  virtual Result<std::vector<ImageRecord>> ListImages(RepositoryId repo, std::string_view after_digest,
                                                      size_t limit) = 0;
  virtual Result<std::optional<ImageRecord>> FindImage(RepositoryId repo,
                                                       const oci::Digest& digest) = 0;
  // Whether an index in the repository lists `digest` as a child.
  virtual Result<bool> IsReferencedByIndex(RepositoryId repo, const oci::Digest& digest) = 0;
  // The usage of the repositories named after `after`, by name, at most `limit`. Reads every
  // manifest of those repositories: for pages of a listing, not for a request's hot path.
  virtual Result<std::vector<RepositoryUsage>> ListRepositoryUsage(std::string_view after, size_t limit) = 0;
  // Records what the registry holds now as the sample taken at `taken_at`, unless one exists
  // there already (each node may try; one sample is kept), and drops samples taken before
  // `keep_after`. Returns whether this call recorded it.
  virtual Result<bool> RecordUsageSample(UnixSeconds taken_at, UnixSeconds keep_after) = 0;
  // The samples taken at or after `since`, oldest first, at most `limit`.
  virtual Result<std::vector<UsageSample>> ListUsageSamples(UnixSeconds since, size_t limit) = 0;
  // Records each pull as its image's lastRecordedPullTime unless one was recorded in the day
  // before the pull (at most kMaxPullsPerBatch; the caller splits larger sets). Not one
  // transaction: a writer that comes meanwhile waits for a few dozen rows, not the batch, and
  // the rest commit after it. Images that no longer exist are skipped. Returns how many images
  // changed. Safe from a crash of the process when it returns; on disk only with the next
  // change or checkpoint (its commits do not wait for the disk: a power loss may lose them).
  static constexpr size_t kMaxPullsPerBatch = 100000;
  virtual Result<int64_t> RecordPulls(std::span<const PulledImage> pulls) = 0;
  // Moves the image to the archive storage class (`archive`) or back; a push of an archived
  // manifest restores it too. False if the image does not exist.
  virtual Result<bool> SetStorageClass(RepositoryId repo, const oci::Digest& digest, bool archive,
                                       UnixSeconds now) = 0;
  // The blobs the manifest refers to; with `only_archived_use`, only those no manifest outside
  // the archive storage class refers to (what may move to the archive place with it).
  virtual Result<std::vector<oci::Digest>> ImageBlobs(RepositoryId repo, const oci::Digest& digest,
                                                      bool only_archived_use) = 0;
  // Principals whose pulls do not update lastRecordedPullTime. kAlreadyExists if present,
  // kResourceExhausted past `max`.
  virtual Status AddPullTimeExclusion(std::string_view principal_arn, UnixSeconds now, size_t max) = 0;
  virtual Result<bool> RemovePullTimeExclusion(std::string_view principal_arn) = 0;
  virtual Result<std::vector<std::pair<std::string, UnixSeconds>>> ListPullTimeExclusions() = 0;
  virtual Result<std::optional<std::string>> GetSetting(std::string_view name) = 0;
  virtual Status PutSetting(std::string_view name, std::string_view value) = 0;
};

// Leases, so that background work (upload expiry; lifecycle, GC, scanning and replication to
// come) runs on one node of a cluster at a time, and another node takes it over when the
// holder stops renewing (it died).
class Leases {
 public:
  Leases() = default;
  Leases(const Leases&) = delete;
  Leases& operator=(const Leases&) = delete;
  virtual ~Leases() = default;

  // Takes or renews the lease `name` for `holder` until now + ttl; true when `holder` holds it
  // now: it was free, expired (its holder stopped renewing), or already `holder`'s. On SQLite
  // (one machine) the renewal is safe from a crash of the process, and on disk with the next
  // change or checkpoint; on PostgreSQL it is on disk when this returns.
  virtual Result<bool> TryLease(std::string_view name, std::string_view holder, UnixSeconds now,
                                int64_t ttl_seconds) = 0;
  // Gives the lease up (at shutdown), so another node need not wait for it to expire.
  virtual Status ReleaseLease(std::string_view name, std::string_view holder) = 0;
};

// A repository's lifecycle policy (ECR's text, validated by lifecycle/policy.h) and its preview.
struct LifecyclePolicyRecord {
  std::string text;
  std::optional<UnixSeconds> evaluated_at;
};
struct LifecyclePreviewRecord {
  std::string policy;
  std::string status;   // IN_PROGRESS, COMPLETE, FAILED
  std::string results;  // JSON written by the lifecycle runner
  UnixSeconds started_at = 0;
};
struct LifecycleTarget {
  RepositoryId repo = 0;
  std::string name;
  std::string policy;
};
// What an image expiry found (lifecycle runs delete only what they evaluated).
enum class ExpireOutcome { kExpired, kGone, kChanged };

class LifecycleStore {
 public:
  virtual ~LifecycleStore() = default;
  virtual Result<std::optional<LifecyclePolicyRecord>> GetLifecyclePolicy(RepositoryId repo) = 0;
  // "" deletes the policy. kNotFound if the repository does not exist.
  virtual Status SetLifecyclePolicy(RepositoryId repo, std::string_view text) = 0;
  virtual Status MarkLifecycleEvaluated(RepositoryId repo, UnixSeconds now) = 0;
  // Repositories with a policy, by ID after `after`, at most `limit`.
  virtual Result<std::vector<LifecycleTarget>> ListLifecyclePolicies(RepositoryId after, size_t limit) = 0;
  virtual Status SaveLifecyclePreview(RepositoryId repo, const LifecyclePreviewRecord& preview) = 0;
  virtual Result<std::optional<LifecyclePreviewRecord>> GetLifecyclePreview(RepositoryId repo) = 0;
  // (index, child) pairs among the repository's manifests.
  virtual Result<std::vector<std::pair<oci::Digest, oci::Digest>>> ListIndexChildren(RepositoryId repo) = 0;
  // Deletes the manifest if its tags are still exactly `tags` (sorted), no index of the
  // repository lists it and no manifest names it as subject: kChanged otherwise (it was pushed,
  // tagged or referred to since it was evaluated), kGone if it is no longer there.
  virtual Result<ExpireOutcome> ExpireImage(RepositoryId repo, const oci::Digest& digest,
                                            const std::vector<std::string>& tags) = 0;
};

// Blob garbage collection (server/collector.h drives it). A blob is garbage when no manifest
// refers to it and no repository links it; a link is dropped once it is older than the grace
// period and no manifest of its repository refers to the blob (an upload whose manifest never
// came). Bytes are deleted only after the rows are: BeginBlobDeletion removes them and leaves a
// tombstone, which CommitUpload respects, until EndBlobDeletion.
struct StoredBlob {
  oci::Digest digest;
  int64_t size = 0;
};
struct GarbageEstimate {
  int64_t links = 0;  // links that would be dropped
  int64_t blobs = 0;  // blobs that would be deleted (after their links)
  int64_t bytes = 0;
};
class BlobCollector {
 public:
  virtual ~BlobCollector() = default;
  // Drops up to `limit` links made before `cutoff` that no manifest of their repository uses.
  virtual Result<int64_t> ExpireUnusedLinks(UnixSeconds cutoff, size_t limit) = 0;
  // Records `now` as the time up to `limit` unreferenced blobs became garbage (those not yet
  // recorded); returns how many.
  virtual Result<int64_t> MarkUnreferencedBlobs(UnixSeconds now, size_t limit) = 0;
  // In one transaction: up to `limit` blobs garbage since `cutoff` or before and still garbage lose
  // their rows and get a tombstone. The caller deletes their bytes, then ends the deletion.
  virtual Result<std::vector<StoredBlob>> BeginBlobDeletion(UnixSeconds cutoff, size_t limit) = 0;
  // Tombstones whose deletion did not end (the collector stopped): to finish first.
  virtual Result<std::vector<StoredBlob>> PendingBlobDeletions(size_t limit) = 0;
  virtual Status EndBlobDeletion(const std::vector<oci::Digest>& digests) = 0;
  // What a collection now would reclaim with links made before `link_cutoff` dropped.
  virtual Result<GarbageEstimate> EstimateGarbage(UnixSeconds link_cutoff) = 0;
  // Every blob row, in digest order after `after`, at most `limit` (for fsck).
  virtual Result<std::vector<StoredBlob>> ListBlobRows(std::string_view after, size_t limit) = 0;
};

// One object serving every role; the composition root hands out the facets.
// The IAM state (iam/state.h) as one versioned document. Version 0 with an empty document is the
// state before anything was saved.
struct IamDocument {
  int64_t version = 0;
  std::string json;
};
class IamDocuments {
 public:
  virtual ~IamDocuments() = default;
  virtual Result<IamDocument> LoadIam() = 0;
  // The stored document's version alone (0 before the first save): a check that reads no text.
  virtual Result<int64_t> IamVersion() = 0;
  // Stores `json` as version expected + 1 if the stored version is still `expected`;
  // kAborted otherwise (another change won: load and apply again).
  virtual Status SaveIam(int64_t expected, std::string_view json) = 0;
};

// The vulnerability database scanning matches against: advisories in OSV JSON as imported
// (scan/osv.h parses them), looked up by the packages they name. Its version rises with every
// import that changed an advisory, so scans made against an older version can be found and
// matched again (continuous scanning).
struct AdvisoryRow {
  std::string id;
  std::string modified;  // OSV's RFC 3339 time; an import with the same one and text changes nothing
  std::string document;  // the OSV JSON
  std::vector<std::pair<std::string, std::string>> packages;  // (ecosystem, name) it affects
};
struct VulnDbState {
  int64_t version = 0;  // 0: nothing imported yet
  UnixSeconds updated_at = 0;
  int64_t advisories = 0;
};
class VulnerabilityDatabase {
 public:
  virtual ~VulnerabilityDatabase() = default;
  // Inserts or replaces the advisories in one transaction and returns how many were new or
  // changed; if any were, the version becomes at least `version`. An import takes the current
  // version + 1 and passes it with each of its batches, so one import is one version however
  // many transactions it takes, and a crash part-way leaves what it stored counted.
  virtual Result<int64_t> PutAdvisories(const std::vector<AdvisoryRow>& rows, int64_t version, UnixSeconds now) = 0;
  virtual Result<VulnDbState> GetVulnDbState() = 0;
  // (id, document) of every advisory naming one of the (ecosystem, name) pairs, each once, by id.
  virtual Result<std::vector<std::pair<std::string, std::string>>> FindAdvisories(
      const std::vector<std::pair<std::string, std::string>>& packages) = 0;
};

// Image scans: one row per image, the latest request and its result. A request (on push, or
// StartImageScan) marks the image IN_PROGRESS with a new generation; the scanner stores its
// result only if no newer request came meanwhile. The row goes with its image.
struct ScanTarget {
  RepositoryId repo = 0;
  std::string repo_name;
  oci::Digest digest;
  std::string scan_type;  // BASIC | ENHANCED
  int64_t generation = 0;
};
struct ScanRecord {
  std::string scan_type;
  std::string status;  // IN_PROGRESS, COMPLETE, ACTIVE, FAILED, UNSUPPORTED_IMAGE
  std::string description;
  UnixSeconds requested_at = 0;
  std::optional<UnixSeconds> completed_at;
  int64_t vulndb_version = 0;       // the database version the findings were matched against
  UnixSeconds vulndb_updated_at = 0;
  std::string inventory;  // JSON (scan/report.h); empty until scanned
  std::string findings;   // JSON (scan/report.h)
  std::string severity_counts;  // JSON object: {"CRITICAL": 1, ...}, severities found only
};
// An image pushed and not scanned yet, for scan on push.
struct PushedImage {
  RepositoryId repo = 0;
  std::string repo_name;
  oci::Digest digest;
  std::string media_type;
  std::string artifact_type;
  UnixSeconds pushed_at = 0;
};
class ImageScans {
 public:
  virtual ~ImageScans() = default;
  // Marks the image's scan requested (IN_PROGRESS, a new generation); false if no such image.
  virtual Result<bool> RequestScan(RepositoryId repo, const oci::Digest& digest, std::string_view scan_type,
                                   UnixSeconds now) = 0;
  virtual Result<std::optional<ScanRecord>> GetScan(RepositoryId repo, const oci::Digest& digest) = 0;
  // The same without inventory and findings (left empty): what listing images needs.
  virtual Result<std::optional<ScanRecord>> GetScanSummary(RepositoryId repo, const oci::Digest& digest) = 0;
  // Requested scans (IN_PROGRESS), oldest request first.
  virtual Result<std::vector<ScanTarget>> PendingScans(size_t limit) = 0;
  // Stores a scan's result if `target.generation` is still the image's latest request; false
  // when a newer request or a deletion came first.
  virtual Result<bool> SaveScan(const ScanTarget& target, const ScanRecord& result) = 0;
  // Scans with an inventory matched against a database version older than `version`, with the
  // inventory (for matching again), by image.
  virtual Result<std::vector<std::pair<ScanTarget, ScanRecord>>> StaleScans(int64_t version, size_t limit) = 0;
  // Images without a scan pushed at or after `since`, oldest first.
  virtual Result<std::vector<PushedImage>> UnscannedImages(UnixSeconds since, size_t limit) = 0;
};

// Repository creation templates (ECR's): settings a repository gets when replication, the
// pull-through cache or a push creates it, chosen by the longest prefix (meta/creation_template.h).
struct CreationTemplate {
  std::string prefix;    // "ROOT", or a namespace: "team" applies to "team/..."
  std::string document;  // the template's ECR fields as JSON (appliedFor, imageTagMutability, ...)
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
};
class CreationTemplates {
 public:
  virtual ~CreationTemplates() = default;
  // Creates (`create`; kAlreadyExists if the prefix has one) or replaces (kNotFound if it has
  // none) the template of `t.prefix`; an update keeps created_at. kResourceExhausted past `max`.
  virtual Status PutCreationTemplate(const CreationTemplate& t, bool create, size_t max) = 0;
  // Every template, by prefix.
  virtual Result<std::vector<CreationTemplate>> ListCreationTemplates() = 0;
  // The template removed; nullopt if the prefix had none.
  virtual Result<std::optional<CreationTemplate>> DeleteCreationTemplate(std::string_view prefix) = 0;
};

// Small named JSON documents of a kind ("secret", "pull-through-cache-rule", ...), each
// replaced whole by compare-and-swap on its revision, so two nodes racing an update cannot both
// win. For state that is read by name and changed rarely; never for anything per image or tag.
struct NamedDocument {
  std::string name;
  std::string document;
  int64_t revision = 0;  // 1 when created, one more per replacement
};
class NamedDocuments {
 public:
  virtual ~NamedDocuments() = default;
  virtual Result<std::optional<NamedDocument>> GetDocument(std::string_view kind, std::string_view name) = 0;
  // The documents of `kind` named after `after` (empty: from the first), by name (byte order),
  // at most `limit`.
  virtual Result<std::vector<NamedDocument>> ListDocuments(std::string_view kind, std::string_view after,
                                                           size_t limit) = 0;
  // `expected_revision` 0 creates: kAlreadyExists when the name is taken, kResourceExhausted
  // when the kind has `max` documents already. Otherwise replaces the document only if its
  // revision is still `expected_revision`: kNotFound when it is gone, kAborted when another
  // change came first. Returns the document's new revision.
  virtual Result<int64_t> PutDocument(std::string_view kind, std::string_view name, std::string_view document,
                                      int64_t expected_revision, size_t max) = 0;
  // Removes the document if its revision is `expected_revision` (0: whatever it is). false when
  // there was none; kAborted when another change came first.
  virtual Result<bool> DeleteDocument(std::string_view kind, std::string_view name, int64_t expected_revision) = 0;
};

// Events: what happened to images (pushed, deleted, expired, archived, scanned, replicated,
// imported by the cache), EventBridge's detail-types with ECR's detail fields. The store writes
// the events of its own changes in the transaction of the change, so an event exists exactly
// when its change does; others append theirs. Sequence numbers rise in commit order (writers
// are serialised), so a reader that remembers the last it handled misses nothing.
struct EventRecord {
  int64_t seq = 0;  // assigned by the store
  UnixSeconds time = 0;
  std::string detail_type;  // "ECR Image Action", ...
  std::string repository;   // the repository's name, "" when none
  std::string detail;       // a JSON object
};
// The detail-types Berth emits (EventBridge's names).
inline constexpr std::string_view kImageAction = "ECR Image Action";
inline constexpr std::string_view kImageScan = "ECR Image Scan";
inline constexpr std::string_view kLifecycleAction = "ECR Lifecycle Policy Action";
inline constexpr std::string_view kReplicationAction = "ECR Replication Action";
inline constexpr std::string_view kPullThroughCacheAction = "ECR Pull Through Cache Action";
class EventLog {
 public:
  virtual ~EventLog() = default;
  // Events after `after`, in order, at most `limit`.
  virtual Result<std::vector<EventRecord>> ReadEvents(int64_t after, size_t limit) = 0;
  virtual Status AppendEvent(const EventRecord& event) = 0;
  // Removes the events up to `through`, and those older than `before` whatever their number
  // (from the oldest on: one newer than `before` keeps those after it, as after a clock stepped
  // back, until it goes too), in steps that let other writers pass, whose commits do not wait
  // for the disk (as RecordPulls's); returns how many went.
  virtual Result<int64_t> PruneEvents(int64_t through, UnixSeconds before) = 0;
  // A reader's place in the events (the journal, a webhook target, the replicator): the last
  // sequence number it handled, 0 before its first save.
  virtual Result<int64_t> ReadPosition(std::string_view reader) = 0;
  // Saves `reader`'s place, last writer wins (readers take turns under a lease). A background
  // write, as RecordPulls's: its commit does not wait for the disk, so a push never waits
  // behind a reader's fsync. A power loss may take a reader back to an earlier place, and it
  // handles the events after it again (delivery is at least once); never to a later one, and
  // never behind events pruned since, as pruning commits after the save it follows.
  virtual Status SavePosition(std::string_view reader, int64_t seq) = 0;
};

// Replication: per image and destination ("region/registryId"), what is left to copy and how the
// copies went (DescribeImageReplicationStatus). A job goes with its image.
struct ReplicationJob {
  RepositoryId repo = 0;
  std::string repo_name;
  oci::Digest digest;
  std::string destination;
  std::vector<std::string> tags;  // to set at the destination, sorted
  int64_t attempts = 0;           // failed attempts so far
};
struct ReplicationStatus {
  std::string destination;
  std::string status;  // IN_PROGRESS, COMPLETE, FAILED
  std::string failure_code;
  UnixSeconds updated_at = 0;
};
class ReplicationQueue {
 public:
  virtual ~ReplicationQueue() = default;
  // Asks for the image to be copied to each destination with `tags` (added to those still to
  // set): IN_PROGRESS, due now, attempts counted from 0. false if the image does not exist.
  virtual Result<bool> EnqueueReplication(RepositoryId repo, const oci::Digest& digest,
                                          const std::vector<std::string>& destinations,
                                          const std::vector<std::string>& tags, UnixSeconds now) = 0;
  // IN_PROGRESS jobs due at `now` or before, the earliest first.
  virtual Result<std::vector<ReplicationJob>> DueReplications(UnixSeconds now, size_t limit) = 0;
  // Records an attempt of `job` as read: COMPLETE or FAILED (with `failure_code`), or
  // IN_PROGRESS again at `due_at` with one more attempt counted; with `event` appended in the same
  // transaction. false, changing nothing, when the job changed meanwhile (tags were added: it
  // stays due) or went with its image.
  virtual Result<bool> FinishReplication(const ReplicationJob& job, std::string_view status,
                                         std::string_view failure_code, UnixSeconds due_at, UnixSeconds now,
                                         const EventRecord* event) = 0;
  // Every destination's status for the image, by destination.
  virtual Result<std::vector<ReplicationStatus>> ReplicationStatuses(RepositoryId repo, const oci::Digest& digest) = 0;
};

class MetadataStore : public RegistryIndex,
                      public UploadSessions,
                      public AccessKeys,
                      public RepositoryAdmin,
                      public ImageCatalog,
                      public Leases,
                      public IamDocuments,
                      public LifecycleStore,
                      public BlobCollector,
                      public VulnerabilityDatabase,
                      public ImageScans,
                      public CreationTemplates,
                      public NamedDocuments,
                      public EventLog,
                      public ReplicationQueue {};

}  // namespace berth::meta
