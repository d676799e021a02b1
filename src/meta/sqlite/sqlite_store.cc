#include "meta/sqlite/sqlite_store.h"

#include <algorithm>
#include <mutex>
#include <vector>

#include "meta/sqlite/connection.h"
#include "meta/sqlite/schema.h"
#include "meta/tag_mutability.h"

// The columns RepositoryFromRow() reads, in its order.
#define BERTH_REPOSITORY_COLUMNS \
  "id, name, created_at, tag_mutability, mutability_filters, scan_on_push, encryption_type, kms_key"

// The columns ImageFromRow() reads, in its order, from manifests m.
#define BERTH_IMAGE_SELECT                                                                   \
  "SELECT m.digest, m.media_type, m.artifact_type, m.image_size, m.pushed_at, "             \
  "m.last_pulled_at, m.subject, (SELECT group_concat(name, char(10)) FROM "                \
  "(SELECT name FROM tags WHERE manifest_id=m.id ORDER BY name)) "

namespace berth::meta::sqlite {
namespace {

enum RefKind : int64_t { kBlobRef = 0, kManifestRef = 1, kForeignRef = 2 };

// Rolls back unless Commit() was called, so every early return leaves the database unchanged.
class WriteTransaction {
 public:
  explicit WriteTransaction(Connection& conn) : conn_(conn) {}
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  ~WriteTransaction() {
    if (open_) (void)conn_.Exec("ROLLBACK");
  }
  Status Begin() {
    BERTH_TRY(conn_.Exec("BEGIN IMMEDIATE"));
    open_ = true;
    return {};
  }
  Status Commit() {
    BERTH_TRY(conn_.Exec("COMMIT"));
    open_ = false;
    return {};
  }

 private:
  Connection& conn_;
  bool open_ = false;
};

class SqliteStore final : public MetadataStore {
 public:
  SqliteStore(std::string path, std::unique_ptr<Connection> writer)
      : path_(std::move(path)), writer_(std::move(writer)) {}

  // ---- RegistryIndex ----

  Result<std::optional<RepositoryId>> FindRepository(std::string_view name) override {
    return Read([&](Connection& c) -> Result<std::optional<RepositoryId>> {
      BERTH_ASSIGN(Statement st, c.Prepare("SELECT id FROM repositories WHERE name=?"));
      st.Bind(1, name);
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return std::nullopt;
      return st.Int(0);
    });
  }

  Result<RepositoryId> CreateRepositoryIfMissing(std::string_view name, UnixSeconds now) override {
    BERTH_ASSIGN(std::optional<RepositoryId> existing, FindRepository(name));
    if (existing) return *existing;
    return Write([&](Connection& c) -> Result<RepositoryId> {
      BERTH_ASSIGN(Statement insert,
                   c.Prepare("INSERT INTO repositories(name, created_at) VALUES(?, ?) "
                             "ON CONFLICT(name) DO NOTHING"));
      BERTH_TRY(insert.Bind(1, name).Bind(2, now).Run());
      BERTH_ASSIGN(Statement st, c.Prepare("SELECT id FROM repositories WHERE name=?"));
      st.Bind(1, name);
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return Fail(Code::kInternal, "repository vanished after insert");
      return st.Int(0);
    });
  }

  Result<std::vector<std::string>> ListRepositories(std::string_view after,
                                                    size_t limit) override {
    return Read([&](Connection& c) -> Result<std::vector<std::string>> {
      BERTH_ASSIGN(Statement st, c.Prepare("SELECT name FROM repositories WHERE name > ? "
                                           "ORDER BY name LIMIT ?"));
      st.Bind(1, after).Bind(2, static_cast<int64_t>(limit));
      return Column0Strings(st);
    });
  }

  Result<std::optional<uint64_t>> FindBlob(RepositoryId repo, const oci::Digest& digest) override {
    return Read([&](Connection& c) { return FindBlobIn(c, repo, digest.str()); });
  }

  Result<bool> MountBlob(RepositoryId repo, RepositoryId from, const oci::Digest& digest,
                         UnixSeconds now) override {
    return Write([&](Connection& c) -> Result<bool> {
      BERTH_ASSIGN(std::optional<uint64_t> size, FindBlobIn(c, from, digest.str()));
      if (!size) return false;
      BERTH_TRY(Link(c, repo, digest.str(), now));
      return true;
    });
  }

  Status CommitUpload(std::string_view upload_id, const oci::Digest& digest, uint64_t size,
                      UnixSeconds now) override {
    return Write([&](Connection& c) -> Status {
      BERTH_ASSIGN(Statement find, c.Prepare("SELECT repo_id FROM uploads WHERE id=?"));
      find.Bind(1, upload_id);
      BERTH_ASSIGN(bool row, find.Step());
      if (!row) return Fail(Code::kNotFound, "upload session gone", "BLOB_UPLOAD_UNKNOWN");
      RepositoryId repo = find.Int(0);
      BERTH_ASSIGN(Statement blob, c.Prepare("INSERT INTO blobs(digest, size, created_at) "
                                             "VALUES(?, ?, ?) ON CONFLICT DO NOTHING"));
      BERTH_TRY(blob.Bind(1, digest.str()).Bind(2, static_cast<int64_t>(size)).Bind(3, now).Run());
      BERTH_TRY(Link(c, repo, digest.str(), now));
      BERTH_ASSIGN(Statement del, c.Prepare("DELETE FROM uploads WHERE id=?"));
      return del.Bind(1, upload_id).Run();
    });
  }

  Result<bool> UnlinkBlob(RepositoryId repo, const oci::Digest& digest) override {
    return Write([&](Connection& c) -> Result<bool> {
      BERTH_ASSIGN(Statement st,
                   c.Prepare("DELETE FROM repository_blobs WHERE repo_id=? AND digest=?"));
      BERTH_TRY(st.Bind(1, repo).Bind(2, digest.str()).Run());
      return c.Changes() > 0;
    });
  }

  Result<std::optional<ManifestRecord>> GetManifest(RepositoryId repo, const oci::Digest* digest,
                                                    const std::string* tag) override {
    return Read([&](Connection& c) -> Result<std::optional<ManifestRecord>> {
      Result<Statement> st =
          tag != nullptr
              ? c.Prepare("SELECT m.digest, m.media_type, m.payload FROM tags t "
                          "JOIN manifests m ON m.id=t.manifest_id WHERE t.repo_id=? AND t.name=?")
              : c.Prepare("SELECT digest, media_type, payload FROM manifests "
                          "WHERE repo_id=? AND digest=?");
      if (!st) return std::unexpected(std::move(st).error());
      st->Bind(1, repo).Bind(2, tag != nullptr ? std::string_view(*tag) : digest->str());
      BERTH_ASSIGN(bool row, st->Step());
      if (!row) return std::nullopt;
      BERTH_ASSIGN(oci::Digest found, oci::Digest::Parse(st->Text(0)));
      return ManifestRecord{.digest = std::move(found), .media_type = st->Text(1),
                            .payload = st->Text(2)};
    });
  }

  Result<PutManifestOutcome> PutManifest(RepositoryId repo, const NewManifest& m,
                                         const std::string* tag, UnixSeconds now) override {
    return Write([&](Connection& c) -> Result<PutManifestOutcome> {
      int64_t image_size = 0;
      for (const NewManifest::BlobRef& blob : m.blobs) {
        BERTH_ASSIGN(std::optional<uint64_t> size, FindBlobIn(c, repo, blob.digest.str()));
        if (!size) {
          return Fail(Code::kFailedPrecondition,
                      "blob " + blob.digest.str() + " is not in this repository",
                      "MANIFEST_BLOB_UNKNOWN");
        }
        if (*size != static_cast<uint64_t>(blob.size)) {
          return Fail(Code::kInvalidArgument,
                      "descriptor of " + blob.digest.str() + " says " + std::to_string(blob.size) +
                          " bytes but the blob has " + std::to_string(*size),
                      "MANIFEST_INVALID");
        }
        image_size += blob.size;
      }
      for (const oci::Digest& child : m.manifests) {
        BERTH_ASSIGN(Statement st,
                     c.Prepare("SELECT image_size FROM manifests WHERE repo_id=? AND digest=?"));
        st.Bind(1, repo).Bind(2, child.str());
        BERTH_ASSIGN(bool found, st.Step());
        if (!found) {
          return Fail(Code::kFailedPrecondition,
                      "manifest " + child.str() + " is not in this repository",
                      "MANIFEST_CHILD_UNKNOWN");
        }
        image_size = std::max(image_size, st.Int(0));
      }
      BERTH_ASSIGN(std::optional<int64_t> existing_id, FindManifestId(c, repo, m.digest));
      std::optional<int64_t> tagged_id;
      if (tag != nullptr) {
        BERTH_ASSIGN(tagged_id, TaggedManifestId(c, repo, *tag));
        if (tagged_id && (!existing_id || *tagged_id != *existing_id)) {
          BERTH_ASSIGN(RepositoryRecord settings, RepositoryById(c, repo));
          if (TagIsImmutable(settings.tag_mutability, settings.mutability_filters, *tag)) {
            return Fail(Code::kAlreadyExists,
                        "tag " + *tag + " already exists in this repository and it is immutable (" +
                            settings.tag_mutability + ")",
                        "IMAGE_TAG_IMMUTABLE");
          }
        }
      }
      PutManifestOutcome outcome;
      outcome.unchanged = existing_id.has_value() && (tag == nullptr || tagged_id == existing_id);
      BERTH_ASSIGN(Statement insert,
                   c.Prepare("INSERT INTO manifests(repo_id, digest, media_type, artifact_type, "
                             "annotations, subject, payload, size, pushed_at, image_size) "
                             "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"));
      insert.Bind(1, repo).Bind(2, m.digest.str()).Bind(3, m.media_type).Bind(4, m.artifact_type);
      insert.Bind(5, m.annotations_json);
      if (m.subject) {
        insert.Bind(6, m.subject->str());
      } else {
        insert.BindNull(6);
      }
      insert.BindBlob(7, m.payload).Bind(8, static_cast<int64_t>(m.payload.size())).Bind(9, now);
      insert.Bind(10, image_size);
      BERTH_TRY(insert.Run());
      const bool inserted = c.Changes() > 0;
      BERTH_ASSIGN(int64_t manifest_id, ManifestId(c, repo, m.digest));
      if (inserted) {
        BERTH_TRY(InsertRefs(c, manifest_id, m.blobs, kBlobRef));
        BERTH_TRY(InsertRefs(c, manifest_id, m.foreign_blobs, kForeignRef));
        BERTH_TRY(InsertRefs(c, manifest_id, m.manifests, kManifestRef));
      }
      if (tag != nullptr) {
        BERTH_ASSIGN(Statement st, c.Prepare(
                                       "INSERT INTO tags(repo_id, name, manifest_id, updated_at) "
                                       "VALUES(?, ?, ?, ?) ON CONFLICT(repo_id, name) DO UPDATE "
                                       "SET manifest_id=excluded.manifest_id, "
                                       "updated_at=excluded.updated_at"));
        BERTH_TRY(st.Bind(1, repo).Bind(2, *tag).Bind(3, manifest_id).Bind(4, now).Run());
      }
      return outcome;
    });
  }

  Result<bool> DeleteManifest(RepositoryId repo, const oci::Digest& digest) override {
    return Write([&](Connection& c) -> Result<bool> {
      BERTH_ASSIGN(Statement st, c.Prepare("DELETE FROM manifests WHERE repo_id=? AND digest=?"));
      BERTH_TRY(st.Bind(1, repo).Bind(2, digest.str()).Run());
      return c.Changes() > 0;
    });
  }

  Result<bool> DeleteTag(RepositoryId repo, std::string_view tag) override {
    return Write([&](Connection& c) -> Result<bool> {
      BERTH_ASSIGN(Statement st, c.Prepare("DELETE FROM tags WHERE repo_id=? AND name=?"));
      BERTH_TRY(st.Bind(1, repo).Bind(2, tag).Run());
      return c.Changes() > 0;
    });
  }

  Result<std::vector<std::string>> ListTags(RepositoryId repo, std::string_view after,
                                            size_t limit) override {
    return Read([&](Connection& c) -> Result<std::vector<std::string>> {
      BERTH_ASSIGN(Statement st, c.Prepare("SELECT name FROM tags WHERE repo_id=? AND name > ? "
                                           "ORDER BY name LIMIT ?"));
      st.Bind(1, repo).Bind(2, after).Bind(3, static_cast<int64_t>(limit));
      return Column0Strings(st);
    });
  }

  Result<std::vector<Referrer>> ListReferrers(RepositoryId repo, const oci::Digest& subject,
                                              std::string_view artifact_type) override {
    return Read([&](Connection& c) -> Result<std::vector<Referrer>> {
      BERTH_ASSIGN(Statement st,
                   c.Prepare("SELECT digest, media_type, artifact_type, annotations, size "
                             "FROM manifests WHERE repo_id=? AND subject=? "
                             "AND (?='' OR artifact_type=?) ORDER BY digest LIMIT 10000"));
      st.Bind(1, repo).Bind(2, subject.str()).Bind(3, artifact_type).Bind(4, artifact_type);
      std::vector<Referrer> out;
      while (true) {
        BERTH_ASSIGN(bool row, st.Step());
        if (!row) break;
        BERTH_ASSIGN(oci::Digest digest, oci::Digest::Parse(st.Text(0)));
        out.push_back(Referrer{.digest = std::move(digest), .media_type = st.Text(1),
                               .artifact_type = st.Text(2), .annotations_json = st.Text(3),
                               .size = st.Int(4)});
      }
      return out;
    });
  }

  // ---- RepositoryAdmin ----

  Result<std::optional<RepositoryRecord>> GetRepository(std::string_view name) override {
    return Read([&](Connection& c) -> Result<std::optional<RepositoryRecord>> {
      BERTH_ASSIGN(Statement st, c.Prepare("SELECT " BERTH_REPOSITORY_COLUMNS " FROM repositories WHERE name=?"));
      st.Bind(1, name);
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return std::nullopt;
      return RepositoryFromRow(st);
    });
  }

  Result<RepositoryRecord> CreateRepository(RepositoryRecord r, const ResourceTags& tags) override {
    return Write([&](Connection& c) -> Result<RepositoryRecord> {
      BERTH_ASSIGN(Statement st, c.Prepare(
          "INSERT INTO repositories(name, created_at, tag_mutability, mutability_filters, "
          "scan_on_push, encryption_type, kms_key) VALUES(?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT(name) DO NOTHING"));
      std::string filters = JoinLines(r.mutability_filters);
      st.Bind(1, r.name).Bind(2, r.created_at).Bind(3, r.tag_mutability).Bind(4, filters);
      st.Bind(5, int64_t{r.scan_on_push}).Bind(6, r.encryption_type).Bind(7, r.kms_key);
      BERTH_TRY(st.Run());
      if (c.Changes() == 0) {
        return Fail(Code::kAlreadyExists, "The repository with name '" + r.name +
                                              "' already exists in the registry",
                    "RepositoryAlreadyExistsException");
      }
      BERTH_ASSIGN(Statement id, c.Prepare("SELECT id FROM repositories WHERE name=?"));
      id.Bind(1, r.name);
      BERTH_TRY(id.Step());
      r.id = id.Int(0);
      BERTH_TRY(PutTags(c, r.id, tags));
      return r;
    });
  }

  Result<std::vector<RepositoryRecord>> ListRepositoryRecords(std::string_view after,
                                                              size_t limit) override {
    return Read([&](Connection& c) -> Result<std::vector<RepositoryRecord>> {
      BERTH_ASSIGN(Statement st, c.Prepare("SELECT " BERTH_REPOSITORY_COLUMNS " FROM repositories "
                                           "WHERE name > ? ORDER BY name LIMIT ?"));
      st.Bind(1, after).Bind(2, static_cast<int64_t>(limit));
      std::vector<RepositoryRecord> out;
      while (true) {
        BERTH_ASSIGN(bool row, st.Step());
        if (!row) return out;
        out.push_back(RepositoryFromRow(st));
      }
    });
  }

  Result<std::vector<std::string>> DeleteRepository(RepositoryId repo, bool force) override {
    return Write([&](Connection& c) -> Result<std::vector<std::string>> {
      if (!force) {
        BERTH_ASSIGN(Statement st, c.Prepare("SELECT 1 FROM manifests WHERE repo_id=? LIMIT 1"));
        st.Bind(1, repo);
        BERTH_ASSIGN(bool has_images, st.Step());
        if (has_images) {
          return Fail(Code::kFailedPrecondition,
                      "The repository cannot be deleted because it still contains images",
                      "RepositoryNotEmptyException");
        }
      }
      std::vector<std::string> uploads;
      {
        BERTH_ASSIGN(Statement st, c.Prepare("SELECT id FROM uploads WHERE repo_id=?"));
        st.Bind(1, repo);
        BERTH_ASSIGN(uploads, Column0Strings(st));
      }
      // Cascades to blob links, manifests, tags, uploads and resource tags.
      BERTH_ASSIGN(Statement del, c.Prepare("DELETE FROM repositories WHERE id=?"));
      BERTH_TRY(del.Bind(1, repo).Run());
      return uploads;
    });
  }

  Status UpdateRepository(const RepositoryRecord& r) override {
    return Write([&](Connection& c) -> Status {
      BERTH_ASSIGN(Statement st, c.Prepare("UPDATE repositories SET tag_mutability=?, "
                                           "mutability_filters=?, scan_on_push=? WHERE id=?"));
      std::string filters = JoinLines(r.mutability_filters);
      return st.Bind(1, r.tag_mutability).Bind(2, filters).Bind(3, int64_t{r.scan_on_push})
          .Bind(4, r.id).Run();
    });
  }

  Result<ResourceTags> GetResourceTags(RepositoryId repo) override {
    return Read([&](Connection& c) -> Result<ResourceTags> {
      BERTH_ASSIGN(Statement st, c.Prepare("SELECT key, value FROM repository_tags WHERE repo_id=? "
                                           "ORDER BY key"));
      st.Bind(1, repo);
      ResourceTags out;
      while (true) {
        BERTH_ASSIGN(bool row, st.Step());
        if (!row) return out;
        out.emplace_back(st.Text(0), st.Text(1));
      }
    });
  }

  Status TagResource(RepositoryId repo, const ResourceTags& tags, size_t max_tags) override {
    return Write([&](Connection& c) -> Status {
      BERTH_TRY(PutTags(c, repo, tags));
      BERTH_ASSIGN(Statement count, c.Prepare("SELECT count(*) FROM repository_tags WHERE repo_id=?"));
      count.Bind(1, repo);
      BERTH_TRY(count.Step());
      if (static_cast<size_t>(count.Int(0)) > max_tags) {
        return Fail(Code::kResourceExhausted,
                    "a resource may have at most " + std::to_string(max_tags) + " tags",
                    "TooManyTagsException");
      }
      return {};
    });
  }

  Status UntagResource(RepositoryId repo, const std::vector<std::string>& keys) override {
    return Write([&](Connection& c) -> Status {
      for (const std::string& key : keys) {
        BERTH_ASSIGN(Statement st, c.Prepare("DELETE FROM repository_tags WHERE repo_id=? AND key=?"));
        BERTH_TRY(st.Bind(1, repo).Bind(2, key).Run());
      }
      return {};
    });
  }

  // ---- ImageCatalog ----

  Result<std::vector<ImageRecord>> ListImages(RepositoryId repo, std::string_view after_digest,
                                              size_t limit) override {
    return Read([&](Connection& c) -> Result<std::vector<ImageRecord>> {
      BERTH_ASSIGN(Statement st, c.Prepare(
          BERTH_IMAGE_SELECT
          "FROM manifests m WHERE m.repo_id=? AND m.digest > ? ORDER BY m.digest LIMIT ?"));
      st.Bind(1, repo).Bind(2, after_digest).Bind(3, static_cast<int64_t>(limit));
      std::vector<ImageRecord> out;
      while (true) {
        BERTH_ASSIGN(bool row, st.Step());
        if (!row) return out;
        BERTH_ASSIGN(ImageRecord image, ImageFromRow(st));
        out.push_back(std::move(image));
      }
    });
  }

  Result<std::optional<ImageRecord>> FindImage(RepositoryId repo, const oci::Digest& digest) override {
    return Read([&](Connection& c) -> Result<std::optional<ImageRecord>> {
      BERTH_ASSIGN(Statement st, c.Prepare(
          BERTH_IMAGE_SELECT
          "FROM manifests m WHERE m.repo_id=? AND m.digest=?"));
      st.Bind(1, repo).Bind(2, digest.str());
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return std::nullopt;
      BERTH_ASSIGN(ImageRecord image, ImageFromRow(st));
      return image;
    });
  }

  Result<bool> IsReferencedByIndex(RepositoryId repo, const oci::Digest& digest) override {
    return Read([&](Connection& c) -> Result<bool> {
      BERTH_ASSIGN(Statement st, c.Prepare(
          "SELECT 1 FROM manifest_refs r JOIN manifests m ON m.id=r.manifest_id "
          "WHERE r.child=? AND r.kind=1 AND m.repo_id=? LIMIT 1"));
      st.Bind(1, digest.str()).Bind(2, repo);
      return st.Step();
    });
  }

  Status RecordPull(RepositoryId repo, const oci::Digest& digest, UnixSeconds now) override {
    return Write([&](Connection& c) -> Status {
      BERTH_ASSIGN(Statement st, c.Prepare("UPDATE manifests SET last_pulled_at=? "
                                           "WHERE repo_id=? AND digest=?"));
      return st.Bind(1, now).Bind(2, repo).Bind(3, digest.str()).Run();
    });
  }

  Result<std::optional<std::string>> GetSetting(std::string_view name) override {
    return Read([&](Connection& c) -> Result<std::optional<std::string>> {
      BERTH_ASSIGN(Statement st, c.Prepare("SELECT value FROM settings WHERE name=?"));
      st.Bind(1, name);
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return std::nullopt;
      return st.Text(0);
    });
  }

  Status PutSetting(std::string_view name, std::string_view value) override {
    return Write([&](Connection& c) -> Status {
      BERTH_ASSIGN(Statement st, c.Prepare("INSERT INTO settings(name, value) VALUES(?, ?) "
                                           "ON CONFLICT(name) DO UPDATE SET value=excluded.value"));
      return st.Bind(1, name).Bind(2, value).Run();
    });
  }

  // ---- UploadSessions ----

  Status CreateUpload(const UploadRecord& u) override {
    return Write([&](Connection& c) -> Status {
      BERTH_ASSIGN(Statement st,
                   c.Prepare("INSERT INTO uploads(id, repo_id, size, hash_state, started_at, "
                             "updated_at) VALUES(?, ?, ?, ?, ?, ?)"));
      st.Bind(1, u.id).Bind(2, u.repository).Bind(3, static_cast<int64_t>(u.size));
      return st.BindBlob(4, u.hash_state).Bind(5, u.updated_at).Bind(6, u.updated_at).Run();
    });
  }

  Result<std::optional<UploadRecord>> GetUpload(std::string_view id) override {
    return Read([&](Connection& c) -> Result<std::optional<UploadRecord>> {
      BERTH_ASSIGN(Statement st, c.Prepare("SELECT repo_id, size, hash_state, updated_at "
                                           "FROM uploads WHERE id=?"));
      st.Bind(1, id);
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return std::nullopt;
      return UploadRecord{.id = std::string(id), .repository = st.Int(0),
                          .size = static_cast<uint64_t>(st.Int(1)), .hash_state = st.Text(2),
                          .updated_at = st.Int(3)};
    });
  }

  Status SaveUploadProgress(std::string_view id, uint64_t size, std::string_view hash_state,
                            UnixSeconds now) override {
    return Write([&](Connection& c) -> Status {
      BERTH_ASSIGN(Statement st, c.Prepare("UPDATE uploads SET size=?, hash_state=?, "
                                           "updated_at=? WHERE id=?"));
      BERTH_TRY(st.Bind(1, static_cast<int64_t>(size)).BindBlob(2, hash_state).Bind(3, now)
                    .Bind(4, id).Run());
      if (c.Changes() == 0) return Fail(Code::kNotFound, "upload session gone", "BLOB_UPLOAD_UNKNOWN");
      return {};
    });
  }

  Result<bool> DeleteUpload(std::string_view id) override {
    return Write([&](Connection& c) -> Result<bool> {
      BERTH_ASSIGN(Statement st, c.Prepare("DELETE FROM uploads WHERE id=?"));
      BERTH_TRY(st.Bind(1, id).Run());
      return c.Changes() > 0;
    });
  }

  Result<std::vector<std::string>> IdleUploads(UnixSeconds cutoff, size_t limit) override {
    return Read([&](Connection& c) -> Result<std::vector<std::string>> {
      BERTH_ASSIGN(Statement st,
                   c.Prepare("SELECT id FROM uploads WHERE updated_at < ? ORDER BY updated_at LIMIT ?"));
      st.Bind(1, cutoff).Bind(2, static_cast<int64_t>(limit));
      return Column0Strings(st);
    });
  }

  Result<int64_t> CountUploads() override {
    return Read([&](Connection& c) -> Result<int64_t> {
      BERTH_ASSIGN(Statement st, c.Prepare("SELECT count(*) FROM uploads"));
      BERTH_TRY(st.Step());
      return st.Int(0);
    });
  }

  // ---- AccessKeys ----

  Result<std::vector<AccessKey>> ListAccessKeys() override {
    return Read([&](Connection& c) -> Result<std::vector<AccessKey>> {
      BERTH_ASSIGN(Statement st, c.Prepare("SELECT id, secret, principal FROM access_keys "
                                           "ORDER BY id LIMIT 100000"));
      std::vector<AccessKey> out;
      while (true) {
        BERTH_ASSIGN(bool row, st.Step());
        if (!row) break;
        out.push_back(AccessKey{.id = st.Text(0), .secret = st.Text(1), .principal = st.Text(2)});
      }
      return out;
    });
  }

  Status CreateAccessKey(const AccessKey& key, UnixSeconds now) override {
    return Write([&](Connection& c) -> Status {
      BERTH_ASSIGN(Statement st, c.Prepare("INSERT INTO access_keys(id, secret, principal, "
                                           "created_at) VALUES(?, ?, ?, ?)"));
      return st.Bind(1, key.id).Bind(2, key.secret).Bind(3, key.principal).Bind(4, now).Run();
    });
  }

 private:
  template <class F>
  auto Write(F&& body) -> decltype(body(std::declval<Connection&>())) {
    std::lock_guard lock(write_mu_);
    WriteTransaction tx(*writer_);
    BERTH_TRY(tx.Begin());
    auto result = body(*writer_);
    if (!result) return result;
    BERTH_TRY(tx.Commit());
    return result;
  }

  // Runs `body` on a pooled read connection: each statement sees a consistent snapshot and
  // never waits for the writer (WAL).
  template <class F>
  auto Read(F&& body) -> decltype(body(std::declval<Connection&>())) {
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard lock(read_mu_);
      if (!readers_.empty()) {
        conn = std::move(readers_.back());
        readers_.pop_back();
      }
    }
    if (!conn) {
      BERTH_ASSIGN(conn, Connection::Open(path_, /*read_only=*/true));
    }
    auto result = body(*conn);
    std::lock_guard lock(read_mu_);
    if (readers_.size() < kMaxIdleReaders) readers_.push_back(std::move(conn));
    return result;
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
    BERTH_ASSIGN(Statement st, c.Prepare("INSERT INTO repository_blobs(repo_id, digest, linked_at) "
                                         "VALUES(?, ?, ?) ON CONFLICT DO NOTHING"));
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
    image.tags = SplitLines(st.Text(7));
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

  static constexpr size_t kMaxIdleReaders = 16;
  const std::string path_;
  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;  // guarded by write_mu_
  std::mutex read_mu_;
  std::vector<std::unique_ptr<Connection>> readers_;  // guarded by read_mu_
};

Status Migrate(Connection& c) {
  int64_t current = 0;
  {
    BERTH_ASSIGN(Statement version, c.Prepare("PRAGMA user_version"));
    BERTH_TRY(version.Step());
    current = version.Int(0);
  }
  if (current > static_cast<int64_t>(kMigrations.size())) {
    return Fail(Code::kFailedPrecondition,
                "database schema is newer than this build of berth (version " +
                    std::to_string(current) + ")");
  }
  for (size_t i = static_cast<size_t>(current); i < kMigrations.size(); ++i) {
    BERTH_TRY(c.Exec("BEGIN IMMEDIATE"));
    std::string sql = std::string(kMigrations[i]) + "; PRAGMA user_version=" + std::to_string(i + 1);
    if (Status s = c.Exec(sql.c_str()); !s) {
      (void)c.Exec("ROLLBACK");
      return s;
    }
    BERTH_TRY(c.Exec("COMMIT"));
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::string& path) {
  BERTH_ASSIGN(std::unique_ptr<Connection> writer, Connection::Open(path, /*read_only=*/false));
  BERTH_TRY(Migrate(*writer));
  return std::unique_ptr<MetadataStore>(new SqliteStore(path, std::move(writer)));
}

}  // namespace berth::meta::sqlite
