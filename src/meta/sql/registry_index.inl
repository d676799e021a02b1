// SqlStore's RegistryIndex: repositories, blob links, manifests, tags, referrers.
// Included by each engine's store file, which instantiates SqlStore<Db>.
#pragma once

#include "meta/sql/store.h"
#include "meta/tag_mutability.h"

namespace berth::meta::sql {

template <class Db>
Result<std::optional<RepositoryId>> SqlStore<Db>::FindRepository(std::string_view name) {
  return Read([&](Connection& c) -> Result<std::optional<RepositoryId>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT id FROM repositories WHERE name=?"));
    st.Bind(1, name);
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return std::nullopt;
    return st.Int(0);
  });
}

template <class Db>
Result<RepositoryId> SqlStore<Db>::CreateRepositoryIfMissing(std::string_view name, UnixSeconds now) {
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

template <class Db>
Result<std::vector<std::string>> SqlStore<Db>::ListRepositories(std::string_view after,
                                                  size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<std::string>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT name FROM repositories WHERE name > ? "
                                         "ORDER BY name LIMIT ?"));
    st.Bind(1, after).Bind(2, static_cast<int64_t>(limit));
    return Column0Strings(st);
  });
}

template <class Db>
Result<std::optional<uint64_t>> SqlStore<Db>::FindBlob(RepositoryId repo, const oci::Digest& digest) {
  return Read([&](Connection& c) { return FindBlobIn(c, repo, digest.str()); });
}

template <class Db>
Result<bool> SqlStore<Db>::MountBlob(RepositoryId repo, RepositoryId from, const oci::Digest& digest,
                       UnixSeconds now) {
  return Write([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(std::optional<uint64_t> size, FindBlobIn(c, from, digest.str()));
    if (!size) return false;
    BERTH_TRY(Link(c, repo, digest.str(), now));
    return true;
  });
}

template <class Db>
Status SqlStore<Db>::CommitUpload(std::string_view upload_id, const oci::Digest& digest, uint64_t size,
                    UnixSeconds now, const std::function<Status()>& bytes_present) {
  return Write([&](Connection& c) -> Status {
    BERTH_ASSIGN(Statement find, c.Prepare("SELECT repo_id FROM uploads WHERE id=?"));
    find.Bind(1, upload_id);
    BERTH_ASSIGN(bool row, find.Step());
    if (!row) return Fail(Code::kNotFound, "upload session gone", "BLOB_UPLOAD_UNKNOWN");
    RepositoryId repo = find.Int(0);
    // A collection deletes bytes only of blobs no repository links, and only while holding the
    // writer (BeginBlobDeletion) or after leaving a tombstone: so a linked blob's bytes are there,
    // and otherwise they are checked here, where no collection can begin.
    BERTH_ASSIGN(Statement tomb, c.Prepare("SELECT 1 FROM blob_tombstones WHERE digest=?"));
    tomb.Bind(1, digest.str());
    BERTH_ASSIGN(bool collecting, tomb.Step());
    if (collecting) {
      return Fail(Code::kUnavailable, "blob " + digest.str() + " is being garbage-collected; upload it again");
    }
    BERTH_ASSIGN(Statement linked, c.Prepare("SELECT 1 FROM repository_blobs WHERE digest=? LIMIT 1"));
    linked.Bind(1, digest.str());
    BERTH_ASSIGN(bool in_use, linked.Step());
    if (!in_use) BERTH_TRY(bytes_present());
    BERTH_ASSIGN(Statement blob, c.Prepare("INSERT INTO blobs(digest, size, created_at) "
                                           "VALUES(?, ?, ?) ON CONFLICT(digest) DO UPDATE SET "
                                           "unreferenced_since=NULL"));
    BERTH_TRY(blob.Bind(1, digest.str()).Bind(2, static_cast<int64_t>(size)).Bind(3, now).Run());
    BERTH_TRY(Link(c, repo, digest.str(), now));
    BERTH_ASSIGN(Statement del, c.Prepare("DELETE FROM uploads WHERE id=?"));
    return del.Bind(1, upload_id).Run();
  });
}

template <class Db>
Result<bool> SqlStore<Db>::UnlinkBlob(RepositoryId repo, const oci::Digest& digest) {
  return Write([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(Statement st,
                 c.Prepare("DELETE FROM repository_blobs WHERE repo_id=? AND digest=?"));
    BERTH_TRY(st.Bind(1, repo).Bind(2, digest.str()).Run());
    const bool removed = c.Changes() > 0;
    BERTH_TRY(Db::Changed(c, repo));
    return removed;
  });
}

template <class Db>
Result<std::optional<ManifestRecord>> SqlStore<Db>::GetManifest(RepositoryId repo, const oci::Digest* digest,
                                                  const std::string* tag) {
  return Read([&](Connection& c) -> Result<std::optional<ManifestRecord>> {
    Result<Statement> st =
        tag != nullptr
            ? c.Prepare("SELECT m.digest, m.media_type, m.payload, m.archived_at FROM tags t "
                        "JOIN manifests m ON m.id=t.manifest_id WHERE t.repo_id=? AND t.name=?")
            : c.Prepare("SELECT digest, media_type, payload, archived_at FROM manifests "
                        "WHERE repo_id=? AND digest=?");
    if (!st) return std::unexpected(std::move(st).error());
    st->Bind(1, repo).Bind(2, tag != nullptr ? std::string_view(*tag) : digest->str());
    BERTH_ASSIGN(bool row, st->Step());
    if (!row) return std::nullopt;
    BERTH_ASSIGN(oci::Digest found, oci::Digest::Parse(st->Text(0)));
    return ManifestRecord{.digest = std::move(found), .media_type = st->Text(1),
                          .payload = st->Text(2), .archived = !st->IsNull(3)};
  });
}

template <class Db>
Result<PutManifestOutcome> SqlStore<Db>::PutManifest(RepositoryId repo, const NewManifest& m,
                                       const std::string* tag, UnixSeconds now) {
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
    if (!inserted) {
      // Pushing an archived image again restores it, as in ECR.
      BERTH_ASSIGN(Statement restore, c.Prepare("UPDATE manifests SET archived_at=NULL, activated_at=? "
                                                "WHERE id=? AND archived_at IS NOT NULL"));
      BERTH_TRY(restore.Bind(1, now).Bind(2, manifest_id).Run());
      if (c.Changes() > 0) outcome.unchanged = false;
    }
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
    if (!outcome.unchanged) {
      BERTH_ASSIGN(std::string name, RepositoryName(c, repo));
      const std::string_view tag_name = tag != nullptr ? std::string_view(*tag) : std::string_view();
      if (m.replicated_from.empty()) {
        BERTH_TRY(Emit(c, now, kImageAction, name,
                       ImageActionDetail("PUSH", name, m.digest.str(), tag_name, m.media_type, m.artifact_type)));
      } else {
        const size_t slash = m.replicated_from.find('/');
        const std::string_view from(m.replicated_from);
        BERTH_TRY(Emit(c, now, kReplicationAction, name,
                       ReplicationDetail({.result = "SUCCESS", .repository = name, .digest = m.digest.str(),
                                          .tag = tag_name, .source_account = from.substr(slash + 1),
                                          .source_region = from.substr(0, slash)})));
      }
    }
    BERTH_TRY(Db::Changed(c, repo));
    return outcome;
  });
}

template <class Db>
Result<bool> SqlStore<Db>::DeleteManifest(RepositoryId repo, const oci::Digest& digest) {
  return Write([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(Statement sboms, c.Prepare("DELETE FROM manifests WHERE repo_id=? AND subject=? AND annotations LIKE ?"));
    BERTH_TRY(sboms.Bind(1, repo).Bind(2, digest.str()).Bind(3, "%\"" + std::string(kSbomAnnotation) + "\"%").Run());
    BERTH_ASSIGN(Statement st, c.Prepare("DELETE FROM manifests WHERE repo_id=? AND digest=?"));
    BERTH_TRY(st.Bind(1, repo).Bind(2, digest.str()).Run());
    const bool removed = c.Changes() > 0;
    if (removed) {
      BERTH_ASSIGN(std::string name, RepositoryName(c, repo));
      BERTH_TRY(Emit(c, WallClockSeconds(), kImageAction, name, ImageActionDetail("DELETE", name, digest.str(), "")));
    }
    BERTH_TRY(Db::Changed(c, repo));
    return removed;
  });
}

template <class Db>
Result<bool> SqlStore<Db>::DeleteTag(RepositoryId repo, std::string_view tag) {
  return Write([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(Statement tagged, c.Prepare("SELECT m.digest FROM tags t JOIN manifests m ON m.id=t.manifest_id "
                                             "WHERE t.repo_id=? AND t.name=?"));
    tagged.Bind(1, repo).Bind(2, tag);
    BERTH_ASSIGN(bool found, tagged.Step());
    if (!found) return false;
    const std::string digest = tagged.Text(0);
    BERTH_ASSIGN(Statement st, c.Prepare("DELETE FROM tags WHERE repo_id=? AND name=?"));
    BERTH_TRY(st.Bind(1, repo).Bind(2, tag).Run());
    const bool removed = c.Changes() > 0;
    if (removed) {
      BERTH_ASSIGN(std::string name, RepositoryName(c, repo));
      BERTH_TRY(Emit(c, WallClockSeconds(), kImageAction, name, ImageActionDetail("DELETE", name, digest, tag)));
    }
    BERTH_TRY(Db::Changed(c, repo));
    return removed;
  });
}

template <class Db>
Result<std::vector<std::string>> SqlStore<Db>::ListTags(RepositoryId repo, std::string_view after,
                                          size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<std::string>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT name FROM tags WHERE repo_id=? AND name > ? "
                                         "ORDER BY name LIMIT ?"));
    st.Bind(1, repo).Bind(2, after).Bind(3, static_cast<int64_t>(limit));
    return Column0Strings(st);
  });
}

template <class Db>
Result<std::vector<Referrer>> SqlStore<Db>::ListReferrers(RepositoryId repo, const oci::Digest& subject,
                                                         std::string_view artifact_type, std::string_view after,
                                                         size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<Referrer>> {
    BERTH_ASSIGN(Statement st,
                 c.Prepare("SELECT digest, media_type, artifact_type, annotations, size "
                           "FROM manifests WHERE repo_id=? AND subject=? AND digest>? "
                           "AND (?='' OR artifact_type=?) ORDER BY digest LIMIT ?"));
    st.Bind(1, repo).Bind(2, subject.str()).Bind(3, after).Bind(4, artifact_type).Bind(5, artifact_type);
    st.Bind(6, static_cast<int64_t>(limit));
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

}  // namespace berth::meta::sql
