// SqlStore's ImageCatalog: images with their tags, pull times, settings.
// Included by each engine's store file, which instantiates SqlStore<Db>.
#pragma once

#include "meta/sql/store.h"

namespace berth::meta::sql {

template <class Db>
Result<std::vector<ImageRecord>> SqlStore<Db>::ListImages(RepositoryId repo, std::string_view after_digest,
                                            size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<ImageRecord>> {
    BERTH_ASSIGN(Statement st, c.Prepare(Db::kListImages));
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

template <class Db>
Result<std::optional<ImageRecord>> SqlStore<Db>::FindImage(RepositoryId repo, const oci::Digest& digest) {
  return Read([&](Connection& c) -> Result<std::optional<ImageRecord>> {
    BERTH_ASSIGN(Statement st, c.Prepare(Db::kFindImage));
    st.Bind(1, repo).Bind(2, digest.str());
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return std::nullopt;
    BERTH_ASSIGN(ImageRecord image, ImageFromRow(st));
    return image;
  });
}

template <class Db>
Result<bool> SqlStore<Db>::IsReferencedByIndex(RepositoryId repo, const oci::Digest& digest) {
  return Read([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(Statement st, c.Prepare(
        "SELECT 1 FROM manifest_refs r JOIN manifests m ON m.id=r.manifest_id "
        "WHERE r.child=? AND r.kind=1 AND m.repo_id=? LIMIT 1"));
    st.Bind(1, digest.str()).Bind(2, repo);
    return st.Step();
  });
}

template <class Db>
Result<std::vector<RepositoryUsage>> SqlStore<Db>::ListRepositoryUsage(std::string_view after, size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<RepositoryUsage>> {
    // Images are what a user pushed: not an index's children, not referrers. Bytes are those of
    // the distinct blobs the repository's manifests refer to.
    BERTH_ASSIGN(Statement st, c.Prepare(
        "SELECT r.name, r.created_at, "
        "(SELECT COUNT(*) FROM manifests m WHERE m.repo_id=r.id AND m.subject IS NULL AND NOT EXISTS("
        "  SELECT 1 FROM manifest_refs x JOIN manifests p ON p.id=x.manifest_id "
        "  WHERE x.child=m.digest AND x.kind=1 AND p.repo_id=r.id)), "
        "(SELECT COALESCE(SUM(b.size), 0) FROM blobs b WHERE b.digest IN ("
        "  SELECT x.child FROM manifest_refs x JOIN manifests m ON m.id=x.manifest_id "
        "  WHERE m.repo_id=r.id AND x.kind=0)), "
        "(SELECT COALESCE(MAX(m.pushed_at), 0) FROM manifests m WHERE m.repo_id=r.id) "
        "FROM repositories r WHERE r.name > ? ORDER BY r.name LIMIT ?"));
    st.Bind(1, after).Bind(2, static_cast<int64_t>(limit));
    std::vector<RepositoryUsage> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      out.push_back(RepositoryUsage{.name = st.Text(0), .created_at = st.Int(1), .images = st.Int(2),
                                    .bytes = st.Int(3), .last_pushed_at = st.Int(4)});
    }
  });
}

// The counts scan every blob and manifest (hundreds of milliseconds at a million manifests):
// they are taken on a read snapshot, and the writer only inserts the row.
template <class Db>
Result<bool> SqlStore<Db>::RecordUsageSample(UnixSeconds taken_at, UnixSeconds keep_after) {
  BERTH_ASSIGN(std::optional<UsageSample> counted, Read([&](Connection& c) -> Result<std::optional<UsageSample>> {
    BERTH_ASSIGN(Statement taken, c.Prepare("SELECT 1 FROM usage_samples WHERE taken_at=?"));
    taken.Bind(1, taken_at);
    BERTH_ASSIGN(bool exists, taken.Step());
    if (exists) return std::nullopt;  // another node took it
    BERTH_ASSIGN(Statement st, c.Prepare(
        "SELECT (SELECT COALESCE(SUM(size), 0) FROM blobs), (SELECT COUNT(*) FROM blobs), "
        "(SELECT COUNT(*) FROM repositories), (SELECT COUNT(*) FROM manifests)"));
    BERTH_TRY(st.Step());
    return UsageSample{.taken_at = taken_at, .bytes = st.Int(0), .blobs = st.Int(1), .repositories = st.Int(2),
                       .manifests = st.Int(3)};
  }));
  return Write([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(Statement prune, c.Prepare("DELETE FROM usage_samples WHERE taken_at < ?"));
    prune.Bind(1, keep_after);
    BERTH_TRY(prune.Run());
    if (!counted) return false;
    BERTH_ASSIGN(Statement st, c.Prepare(
        "INSERT INTO usage_samples(taken_at, bytes, blobs, repositories, manifests) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(taken_at) DO NOTHING"));
    st.Bind(1, taken_at).Bind(2, counted->bytes).Bind(3, counted->blobs).Bind(4, counted->repositories)
        .Bind(5, counted->manifests);
    BERTH_TRY(st.Run());
    return c.Changes() > 0;
  });
}

template <class Db>
Result<std::vector<UsageSample>> SqlStore<Db>::ListUsageSamples(UnixSeconds since, size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<UsageSample>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT taken_at, bytes, blobs, repositories, manifests FROM usage_samples "
                                         "WHERE taken_at >= ? ORDER BY taken_at LIMIT ?"));
    st.Bind(1, since).Bind(2, static_cast<int64_t>(limit));
    std::vector<UsageSample> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      out.push_back(UsageSample{.taken_at = st.Int(0), .bytes = st.Int(1), .blobs = st.Int(2),
                                .repositories = st.Int(3), .manifests = st.Int(4)});
    }
  });
}

// First the images' row numbers, on read snapshots (rows go to a statement as a JSON array of
// [repo, digest, time]; digests are hex and a colon, nothing to escape). Then the writes, sorted
// by row number, in steps of kPullsPerStatement: pull_times is ordered by manifest_id, so the
// rows of a step share their pages, and a burst costs a few pages of WAL per step instead of a
// page per image. A push waits behind one step, never behind the whole batch.
template <class Db>
Result<int64_t> SqlStore<Db>::RecordPulls(std::span<const PulledImage> pulls) {
  if (pulls.empty()) return 0;
  if (pulls.size() > kMaxPullsPerBatch) {
    return std::unexpected(Error(Code::kInvalidArgument,
                                 "at most " + std::to_string(kMaxPullsPerBatch) + " pulls are recorded at once"));
  }
  std::vector<std::pair<int64_t, UnixSeconds>> found;  // manifest id, latest pull
  found.reserve(pulls.size());
  for (size_t at = 0; at < pulls.size(); at += kPullsResolvedPerStatement) {
    std::string rows = "[";
    for (const PulledImage& p : pulls.subspan(at, std::min(kPullsResolvedPerStatement, pulls.size() - at))) {
      if (rows.size() > 1) rows += ',';
      rows += '[' + std::to_string(p.repo) + ",\"" + p.digest.str() + "\"," + std::to_string(p.when) + ']';
    }
    rows += ']';
    BERTH_TRY(Read([&](Connection& c) -> Status {
      BERTH_ASSIGN(Statement st, c.Prepare(Db::kFindPulledImages));
      st.Bind(1, rows);
      while (true) {
        BERTH_ASSIGN(bool row, st.Step());
        if (!row) return {};
        found.emplace_back(st.Int(0), st.Int(1));
      }
    }));
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> steps;
  for (size_t i = 0; i < found.size();) {
    std::string rows = "[";
    for (size_t n = 0; i < found.size() && n < kPullsPerStatement; ++n) {
      size_t last = i;  // the same image from two slices: its latest pull
      while (last + 1 < found.size() && found[last + 1].first == found[i].first) ++last;
      if (rows.size() > 1) rows += ',';
      rows += '[' + std::to_string(found[last].first) + ',' + std::to_string(found[last].second) + ']';
      i = last + 1;
    }
    steps.push_back(rows + ']');
  }
  int64_t changed = 0;
  size_t next = 0;
  if (steps.empty()) return 0;
  BERTH_TRY(WriteInSteps([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(Statement st, c.Prepare(Db::kRecordPulls));
    BERTH_TRY(st.Bind(1, steps[next]).Run());
    changed += static_cast<int64_t>(c.Changes());
    return ++next < steps.size();
  }));
  return changed;
}

template <class Db>
Result<bool> SqlStore<Db>::SetStorageClass(RepositoryId repo, const oci::Digest& digest, bool archive,
                                           UnixSeconds now) {
  return Write([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(std::optional<int64_t> id, FindManifestId(c, repo, digest));
    if (!id) return false;
    BERTH_ASSIGN(Statement st,
                 archive ? c.Prepare("UPDATE manifests SET archived_at=? WHERE id=? AND archived_at IS NULL")
                         : c.Prepare("UPDATE manifests SET archived_at=NULL, activated_at=? WHERE id=? AND "
                                     "archived_at IS NOT NULL"));
    BERTH_TRY(st.Bind(1, now).Bind(2, *id).Run());
    if (c.Changes() > 0) {
      BERTH_ASSIGN(std::string name, RepositoryName(c, repo));
      BERTH_ASSIGN(Statement kind, c.Prepare("SELECT media_type, artifact_type FROM manifests WHERE id=?"));
      kind.Bind(1, *id);
      BERTH_TRY(kind.Step());
      BERTH_TRY(Emit(c, now, kImageAction, name,
                     StorageClassDetail(name, digest.str(), archive ? "ARCHIVE" : "STANDARD", kind.Text(0), kind.Text(1))));
    }
    BERTH_TRY(Db::Changed(c, repo));
    return true;
  });
}

template <class Db>
Result<std::vector<oci::Digest>> SqlStore<Db>::ImageBlobs(RepositoryId repo, const oci::Digest& digest,
                                                          bool only_archived_use) {
  return Read([&](Connection& c) -> Result<std::vector<oci::Digest>> {
    BERTH_ASSIGN(Statement st,
                 c.Prepare("SELECT r.child FROM manifests m JOIN manifest_refs r ON r.manifest_id=m.id "
                           "WHERE m.repo_id=? AND m.digest=? AND r.kind=0 AND (? = 0 OR NOT EXISTS ("
                           "SELECT 1 FROM manifest_refs r2 JOIN manifests m2 ON m2.id=r2.manifest_id "
                           "WHERE r2.child=r.child AND r2.kind=0 AND m2.archived_at IS NULL))"));
    st.Bind(1, repo).Bind(2, digest.str()).Bind(3, int64_t{only_archived_use ? 1 : 0});
    std::vector<oci::Digest> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      BERTH_ASSIGN(oci::Digest d, oci::Digest::Parse(st.Text(0)));
      out.push_back(std::move(d));
    }
  });
}

template <class Db>
Status SqlStore<Db>::AddPullTimeExclusion(std::string_view principal_arn, UnixSeconds now, size_t max) {
  return Write([&](Connection& c) -> Status {
    BERTH_ASSIGN(Statement count, c.Prepare("SELECT COUNT(*) FROM pull_time_exclusions"));
    BERTH_ASSIGN(bool row, count.Step());
    if (row && count.Int(0) >= static_cast<int64_t>(max)) {
      return Fail(Code::kResourceExhausted, "at most " + std::to_string(max) + " pull-time update exclusions");
    }
    BERTH_ASSIGN(Statement st, c.Prepare("INSERT INTO pull_time_exclusions(principal_arn, created_at) VALUES(?, ?) "
                                         "ON CONFLICT DO NOTHING"));
    BERTH_TRY(st.Bind(1, principal_arn).Bind(2, now).Run());
    if (c.Changes() == 0) return Fail(Code::kAlreadyExists, "the exclusion exists");
    return {};
  });
}

template <class Db>
Result<bool> SqlStore<Db>::RemovePullTimeExclusion(std::string_view principal_arn) {
  return Write([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(Statement st, c.Prepare("DELETE FROM pull_time_exclusions WHERE principal_arn=?"));
    BERTH_TRY(st.Bind(1, principal_arn).Run());
    return c.Changes() > 0;
  });
}

template <class Db>
Result<std::vector<std::pair<std::string, UnixSeconds>>> SqlStore<Db>::ListPullTimeExclusions() {
  return Read([&](Connection& c) -> Result<std::vector<std::pair<std::string, UnixSeconds>>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT principal_arn, created_at FROM pull_time_exclusions "
                                         "ORDER BY principal_arn"));
    std::vector<std::pair<std::string, UnixSeconds>> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      out.emplace_back(st.Text(0), st.Int(1));
    }
  });
}

template <class Db>
Result<std::optional<std::string>> SqlStore<Db>::GetSetting(std::string_view name) {
  return Read([&](Connection& c) -> Result<std::optional<std::string>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT value FROM settings WHERE name=?"));
    st.Bind(1, name);
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return std::nullopt;
    return st.Text(0);
  });
}

template <class Db>
Status SqlStore<Db>::PutSetting(std::string_view name, std::string_view value) {
  return Write([&](Connection& c) -> Status {
    BERTH_ASSIGN(Statement st, c.Prepare("INSERT INTO settings(name, value) VALUES(?, ?) "
                                         "ON CONFLICT(name) DO UPDATE SET value=excluded.value"));
    return st.Bind(1, name).Bind(2, value).Run();
  });
}

}  // namespace berth::meta::sql
