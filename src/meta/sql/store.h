// meta/sql/store.h
//
// SqlStore<Db>: the MetadataStore written once in SQL that SQLite and PostgreSQL both run. Its
// facets are defined in registry_index.inl, repository_admin.inl, image_catalog.inl,
// uploads.inl, access_keys.inl, iam.inl, leases.inl, lifecycle.inl, collector.inl, vulndb.inl, scans.inl, templates.inl and documents.inl, and instantiated by each engine's store file with its Db:
//
//   struct Db {
//     using Connection = ...;   // Prepare(const char* literal) -> Statement, Exec, Changes()
//     using Statement = ...;    // Bind, BindBlob, BindNull, Step, Run, Int, Text, IsNull
//     template <class F> auto Read(F&& body);   // body(Connection&) outside a transaction
//     template <class F> auto Write(F&& body);  // body(Connection&) in one write transaction,
//                                               // writers serialised as SQLite serialises them
//     static constexpr const char* kListImages, * kFindImage;  // the dialect's tag aggregate
//     static constexpr const char* kFindPulledImages, * kRecordPulls;  // its JSON functions
//     // Within a write transaction: tells other nodes' caches that what they hold of `repo`
//     // (or of every repository, kAllRepositories) changed when it commits.
//     static Status Changed(Connection&, RepositoryId repo);
//     // Within a write transaction: whether another writer waits for it, so that a long write
//     // made of independent steps may commit what it has and let that writer pass.
//     bool WritersWaiting(Connection&);
//   };
//
// SQL is written with `?` placeholders (PostgreSQL's connection numbers them). Internal to
// meta/; everyone else opens a store through sqlite_store.h or postgres_store.h.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>
#include <optional>
#include <string>
#include <vector>

#include "base/strings.h"
#include "meta/event_details.h"
#include "meta/metadata_store.h"
#include "meta/write_timings.h"

// The columns RepositoryFromRow() reads, in its order.
#define BERTH_REPOSITORY_COLUMNS \
  "id, name, created_at, tag_mutability, mutability_filters, scan_on_push, encryption_type, kms_key"

// The image queries, around the tag list, which each dialect aggregates its own way
// (newline-separated, sorted): a Db defines kListImages as
//   BERTH_IMAGE_COLUMNS <its aggregate> BERTH_IMAGES_AFTER, and kFindImage likewise.
// The columns are those ImageFromRow() reads, in its order.
#define BERTH_IMAGE_COLUMNS \
  "SELECT m.digest, m.media_type, m.artifact_type, m.image_size, m.pushed_at, "                 \
  "(SELECT last_pulled_at FROM pull_times WHERE manifest_id=m.id), m.subject, "                   \
  "m.archived_at, m.activated_at, "
#define BERTH_IMAGES_AFTER "FROM manifests m WHERE m.repo_id=? AND m.digest > ? ORDER BY m.digest LIMIT ?"
#define BERTH_IMAGE_BY_DIGEST "FROM manifests m WHERE m.repo_id=? AND m.digest=?"

namespace berth::meta::sql {

enum RefKind : int64_t { kBlobRef = 0, kManifestRef = 1, kForeignRef = 2 };

template <class Db>
class SqlStore final : public MetadataStore {
 public:
  using Connection = typename Db::Connection;
  using Statement = typename Db::Statement;

  explicit SqlStore(Db db) : db_(std::move(db)) {}

  // registry index
  Result<std::optional<RepositoryId>> FindRepository(std::string_view name) override;
  Result<RepositoryId> CreateRepositoryIfMissing(std::string_view name, UnixSeconds now) override;
  Result<std::vector<std::string>> ListRepositories(std::string_view after,
                                                    size_t limit) override;
  Result<std::optional<uint64_t>> FindBlob(RepositoryId repo, const oci::Digest& digest) override;
  Result<bool> MountBlob(RepositoryId repo, RepositoryId from, const oci::Digest& digest,
                         UnixSeconds now) override;
  Status CommitUpload(std::string_view upload_id, const oci::Digest& digest, uint64_t size,
                      UnixSeconds now, const std::function<Status()>& bytes_present) override;
  Result<bool> UnlinkBlob(RepositoryId repo, const oci::Digest& digest) override;
  Result<std::optional<ManifestRecord>> GetManifest(RepositoryId repo, const oci::Digest* digest,
                                                    const std::string* tag) override;
  Result<PutManifestOutcome> PutManifest(RepositoryId repo, const NewManifest& m,
                                         const std::string* tag, UnixSeconds now) override;
  Result<bool> DeleteManifest(RepositoryId repo, const oci::Digest& digest) override;
  Result<bool> DeleteTag(RepositoryId repo, std::string_view tag) override;
  Result<std::vector<std::string>> ListTags(RepositoryId repo, std::string_view after,
                                            size_t limit) override;
  Result<std::vector<Referrer>> ListReferrers(RepositoryId repo, const oci::Digest& subject,
                                              std::string_view artifact_type, std::string_view after,
                                              size_t limit) override;

  // repository admin
  Result<std::optional<RepositoryRecord>> GetRepository(std::string_view name) override;
  Result<RepositoryRecord> CreateRepository(RepositoryRecord r, const ResourceTags& tags, std::string_view policy,
                                            std::string_view lifecycle_policy) override;
  Result<std::vector<RepositoryRecord>> ListRepositoryRecords(std::string_view after,
                                                              size_t limit) override;
  Result<std::vector<std::string>> DeleteRepository(RepositoryId repo, bool force) override;
  Status UpdateRepository(const RepositoryRecord& r) override;
  Result<ResourceTags> GetResourceTags(RepositoryId repo) override;
  Status TagResource(RepositoryId repo, const ResourceTags& tags, size_t max_tags) override;
  Status UntagResource(RepositoryId repo, const std::vector<std::string>& keys) override;
  Result<std::optional<RepositoryAccess>> GetRepositoryAccess(RepositoryId repo) override;
  Result<std::optional<FoundRepository>> FindRepositoryAccess(std::string_view name) override;
  Status SetRepositoryPolicy(RepositoryId repo, std::string_view policy) override;

  // image catalog
  Result<std::vector<ImageRecord>> ListImages(RepositoryId repo, std::string_view after_digest,
                                              size_t limit) override;
  Result<std::optional<ImageRecord>> FindImage(RepositoryId repo, const oci::Digest& digest) override;
  Result<bool> IsReferencedByIndex(RepositoryId repo, const oci::Digest& digest) override;
  Result<std::vector<RepositoryUsage>> ListRepositoryUsage(std::string_view after, size_t limit) override;
  Result<bool> RecordUsageSample(UnixSeconds taken_at, UnixSeconds keep_after) override;
  Result<std::vector<UsageSample>> ListUsageSamples(UnixSeconds since, size_t limit) override;
  Result<int64_t> RecordPulls(std::span<const PulledImage> pulls) override;
  Result<bool> SetStorageClass(RepositoryId repo, const oci::Digest& digest, bool archive, UnixSeconds now) override;
  Result<std::vector<oci::Digest>> ImageBlobs(RepositoryId repo, const oci::Digest& digest,
                                              bool only_archived_use) override;
  Status AddPullTimeExclusion(std::string_view principal_arn, UnixSeconds now, size_t max) override;
  Result<bool> RemovePullTimeExclusion(std::string_view principal_arn) override;
  Result<std::vector<std::pair<std::string, UnixSeconds>>> ListPullTimeExclusions() override;
  Result<std::optional<std::string>> GetSetting(std::string_view name) override;
  Status PutSetting(std::string_view name, std::string_view value) override;

  // uploads
  Status CreateUpload(const UploadRecord& u) override;
  Result<std::optional<UploadRecord>> GetUpload(std::string_view id) override;
  Status SaveUploadProgress(std::string_view id, uint64_t from_size, uint64_t size,
                            std::string_view hash_state, UnixSeconds now) override;
  Result<bool> DeleteUpload(std::string_view id) override;
  Result<std::vector<std::string>> IdleUploads(UnixSeconds cutoff, size_t limit) override;
  Result<int64_t> CountUploads() override;

  // access keys
  Result<std::vector<AccessKey>> ListAccessKeys() override;
  Status CreateAccessKey(const AccessKey& key, UnixSeconds now) override;

  // IAM
  Result<IamDocument> LoadIam() override;
  Result<int64_t> IamVersion() override;
  Status SaveIam(int64_t expected, std::string_view json) override;

  // lifecycle
  Result<std::optional<LifecyclePolicyRecord>> GetLifecyclePolicy(RepositoryId repo) override;
  Status SetLifecyclePolicy(RepositoryId repo, std::string_view text) override;
  Status MarkLifecycleEvaluated(RepositoryId repo, UnixSeconds now) override;
  Result<std::vector<LifecycleTarget>> ListLifecyclePolicies(RepositoryId after, size_t limit) override;
  Status SaveLifecyclePreview(RepositoryId repo, const LifecyclePreviewRecord& preview) override;
  Result<std::optional<LifecyclePreviewRecord>> GetLifecyclePreview(RepositoryId repo) override;
  Result<std::vector<std::pair<oci::Digest, oci::Digest>>> ListIndexChildren(RepositoryId repo) override;
  Result<ExpireOutcome> ExpireImage(RepositoryId repo, const oci::Digest& digest,
                                    const std::vector<std::string>& tags) override;

  // blob collection
  Result<int64_t> ExpireUnusedLinks(UnixSeconds cutoff, size_t limit) override;
  Result<int64_t> MarkUnreferencedBlobs(UnixSeconds now, size_t limit) override;
  Result<std::vector<StoredBlob>> BeginBlobDeletion(UnixSeconds cutoff, size_t limit) override;
  Result<std::vector<StoredBlob>> PendingBlobDeletions(size_t limit) override;
  Status EndBlobDeletion(const std::vector<oci::Digest>& digests) override;
  Result<GarbageEstimate> EstimateGarbage(UnixSeconds link_cutoff) override;
  Result<std::vector<StoredBlob>> ListBlobRows(std::string_view after, size_t limit) override;

  // vulnerability database
  Result<int64_t> PutAdvisories(const std::vector<AdvisoryRow>& rows, int64_t version, UnixSeconds now) override;
  Result<VulnDbState> GetVulnDbState() override;
  Result<std::vector<std::pair<std::string, std::string>>> FindAdvisories(
      const std::vector<std::pair<std::string, std::string>>& packages) override;

  // image scans
  Result<bool> RequestScan(RepositoryId repo, const oci::Digest& digest, std::string_view scan_type,
                           UnixSeconds now) override;
  Result<std::optional<ScanRecord>> GetScan(RepositoryId repo, const oci::Digest& digest) override;
  Result<std::optional<ScanRecord>> GetScanSummary(RepositoryId repo, const oci::Digest& digest) override;
  Result<std::vector<ScanTarget>> PendingScans(size_t limit) override;
  Result<bool> SaveScan(const ScanTarget& target, const ScanRecord& result) override;
  Result<std::vector<std::pair<ScanTarget, ScanRecord>>> StaleScans(int64_t version, size_t limit) override;
  Result<std::vector<PushedImage>> UnscannedImages(UnixSeconds since, size_t limit) override;

  // creation templates
  Status PutCreationTemplate(const CreationTemplate& t, bool create, size_t max) override;
  Result<std::vector<CreationTemplate>> ListCreationTemplates() override;
  Result<std::optional<CreationTemplate>> DeleteCreationTemplate(std::string_view prefix) override;

  // named documents
  Result<std::optional<NamedDocument>> GetDocument(std::string_view kind, std::string_view name) override;
  Result<std::vector<NamedDocument>> ListDocuments(std::string_view kind, std::string_view after,
                                                   size_t limit) override;
  Result<int64_t> PutDocument(std::string_view kind, std::string_view name, std::string_view document,
                              int64_t expected_revision, size_t max) override;
  Result<bool> DeleteDocument(std::string_view kind, std::string_view name, int64_t expected_revision) override;

  // events
  Result<std::vector<EventRecord>> ReadEvents(int64_t after, size_t limit) override;
  Status AppendEvent(const EventRecord& event) override;
  Result<int64_t> PruneEvents(int64_t through, UnixSeconds before) override;
  Result<int64_t> ReadPosition(std::string_view reader) override;
  Status SavePosition(std::string_view reader, int64_t seq) override;

  // replication queue
  Result<bool> EnqueueReplication(RepositoryId repo, const oci::Digest& digest,
                                  const std::vector<std::string>& destinations, const std::vector<std::string>& tags,
                                  UnixSeconds now) override;
  Result<std::vector<ReplicationJob>> DueReplications(UnixSeconds now, size_t limit) override;
  Result<bool> FinishReplication(const ReplicationJob& job, std::string_view status, std::string_view failure_code,
                                 UnixSeconds due_at, UnixSeconds now, const EventRecord* event) override;
  Result<std::vector<ReplicationStatus>> ReplicationStatuses(RepositoryId repo, const oci::Digest& digest) override;

  // leases
  Result<bool> TryLease(std::string_view name, std::string_view holder, UnixSeconds now,
                        int64_t ttl_seconds) override;
  Status ReleaseLease(std::string_view name, std::string_view holder) override;

 private:
  // Rows per step of WriteInSteps: a millisecond or so of the writer's time.
  static constexpr size_t kPullsPerStatement = 64;
  static constexpr size_t kPullsResolvedPerStatement = 1000;  // a read: waits for no one
  static constexpr int64_t kEventsPrunedPerStatement = 256;
  static constexpr std::string_view kPositionKind = "event-cursor";  // named_documents' kind
  static constexpr std::chrono::milliseconds kLongestStepTransaction{5};

  static Result<ResourceTags> ResourceTagsIn(Connection& c, RepositoryId repo);

  template <class F>
  auto Write(F&& body, WriteKind kind = WriteKind::kChange) -> decltype(body(std::declval<Connection&>())) {
    return db_.Write(std::forward<F>(body), kind);
  }
  template <class F>
  auto Read(F&& body) -> decltype(body(std::declval<Connection&>())) {
    return db_.Read(std::forward<F>(body));
  }

  // For a long write made of independent steps, each a bounded statement or so: runs `step`
  // until it returns false, in as few transactions as other writers allow. After any step where
  // another writer waits, the transaction commits and the next step begins a new one, so no
  // writer waits behind more than one step. With nobody waiting a transaction still ends after
  // kLongestStepTransaction, so that the commit (what a writer coming then waits for) is small.
  template <class Step>
  Status WriteInSteps(Step&& step) {
    for (bool more = true; more;) {
      const auto began = std::chrono::steady_clock::now();
      auto one_transaction = [&](Connection& c) -> Result<bool> {
        while (true) {
          BERTH_ASSIGN(bool again, step(c));
          if (!again) return false;
          if (db_.WritersWaiting(c) || std::chrono::steady_clock::now() - began >= kLongestStepTransaction) {
            return true;
          }
        }
      };
      BERTH_ASSIGN(more, Write(one_transaction, WriteKind::kBackground));
    }
    return {};
  }

  static Result<std::vector<std::string>> Column0Strings(Statement& st) {
    std::vector<std::string> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      out.push_back(st.Text(0));
    }
  }

  static Result<std::optional<uint64_t>> FindBlobIn(Connection& c, RepositoryId repo,
                                                    std::string_view digest) {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT b.size FROM repository_blobs rb JOIN blobs b "
                                         "ON b.digest=rb.digest WHERE rb.repo_id=? AND "
                                         "rb.digest=?"));
    st.Bind(1, repo).Bind(2, digest);
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return std::nullopt;
    return static_cast<uint64_t>(st.Int(0));
  }

  static Status Link(Connection& c, RepositoryId repo, std::string_view digest, UnixSeconds now) {
    // A link made again (an upload or mount of what the repository holds) starts its grace anew.
    BERTH_ASSIGN(Statement st, c.Prepare("INSERT INTO repository_blobs(repo_id, digest, linked_at) "
                                         "VALUES(?, ?, ?) ON CONFLICT(repo_id, digest) DO UPDATE SET "
                                         "linked_at=excluded.linked_at"));
    return st.Bind(1, repo).Bind(2, digest).Bind(3, now).Run();
  }

  static Result<int64_t> ManifestId(Connection& c, RepositoryId repo, const oci::Digest& digest) {
    BERTH_ASSIGN(std::optional<int64_t> id, FindManifestId(c, repo, digest));
    if (!id) return Fail(Code::kInternal, "manifest vanished inside its transaction");
    return *id;
  }

  template <class Refs>
  static Status InsertRefs(Connection& c, int64_t manifest_id, const Refs& refs, RefKind kind) {
    for (const auto& ref : refs) {
      const oci::Digest* digest;
      if constexpr (std::is_same_v<typename Refs::value_type, oci::Digest>) {
        digest = &ref;
      } else {
        digest = &ref.digest;
      }
      BERTH_ASSIGN(Statement st, c.Prepare("INSERT INTO manifest_refs(manifest_id, child, kind) "
                                           "VALUES(?, ?, ?) ON CONFLICT DO NOTHING"));
      BERTH_TRY(st.Bind(1, manifest_id).Bind(2, digest->str()).Bind(3, kind).Run());
    }
    return {};
  }

  // Appends an event in the caller's transaction (events.inl).
  static Status Emit(Connection& c, UnixSeconds time, std::string_view detail_type, std::string_view repository,
                     std::string_view detail);
  static Result<std::string> RepositoryName(Connection& c, RepositoryId repo);
  static Result<std::vector<std::string>> ManifestTags(Connection& c, int64_t manifest_id);

  static UnixSeconds WallClockSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }

  static std::string JoinLines(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : "\n") + item;
    return out;
  }

  static std::vector<std::string> SplitLines(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < text.size()) {
      size_t nl = text.find('\n', start);
      out.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    return out;
  }

  static RepositoryRecord RepositoryFromRow(const Statement& st) {
    return RepositoryRecord{.id = st.Int(0), .name = st.Text(1), .created_at = st.Int(2),
                            .tag_mutability = st.Text(3), .mutability_filters = SplitLines(st.Text(4)),
                            .scan_on_push = st.Int(5) != 0, .encryption_type = st.Text(6),
                            .kms_key = st.Text(7)};
  }

  static Result<ImageRecord> ImageFromRow(const Statement& st) {
    BERTH_ASSIGN(oci::Digest digest, oci::Digest::Parse(st.Text(0)));
    ImageRecord image{.digest = std::move(digest), .media_type = st.Text(1),
                      .artifact_type = st.Text(2), .size = st.Int(3), .pushed_at = st.Int(4)};
    if (!st.IsNull(5)) image.last_pulled_at = st.Int(5);
    if (!st.IsNull(6)) {
      BERTH_ASSIGN(oci::Digest subject, oci::Digest::Parse(st.Text(6)));
      image.subject = std::move(subject);
    }
    if (!st.IsNull(7)) image.archived_at = st.Int(7);
    if (!st.IsNull(8)) image.activated_at = st.Int(8);
    image.tags = SplitLines(st.Text(9));
    return image;
  }

  static Result<RepositoryRecord> RepositoryById(Connection& c, RepositoryId repo) {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT " BERTH_REPOSITORY_COLUMNS " FROM repositories WHERE id=?"));
    st.Bind(1, repo);
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return Fail(Code::kNotFound, "repository gone", "NAME_UNKNOWN");
    return RepositoryFromRow(st);
  }

  static Status PutTags(Connection& c, RepositoryId repo, const ResourceTags& tags) {
    for (const auto& [key, value] : tags) {
      BERTH_ASSIGN(Statement st, c.Prepare("INSERT INTO repository_tags(repo_id, key, value) "
                                           "VALUES(?, ?, ?) ON CONFLICT(repo_id, key) DO UPDATE "
                                           "SET value=excluded.value"));
      BERTH_TRY(st.Bind(1, repo).Bind(2, key).Bind(3, value).Run());
    }
    return {};
  }

  static Result<std::optional<int64_t>> FindManifestId(Connection& c, RepositoryId repo,
                                                       const oci::Digest& digest) {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT id FROM manifests WHERE repo_id=? AND digest=?"));
    st.Bind(1, repo).Bind(2, digest.str());
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return std::nullopt;
    return st.Int(0);
  }

  static Result<std::optional<int64_t>> TaggedManifestId(Connection& c, RepositoryId repo,
                                                         std::string_view tag) {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT manifest_id FROM tags WHERE repo_id=? AND name=?"));
    st.Bind(1, repo).Bind(2, tag);
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return std::nullopt;
    return st.Int(0);
  }

  Db db_;
};

}  // namespace berth::meta::sql
