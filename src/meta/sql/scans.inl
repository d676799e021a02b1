// SqlStore's ImageScans: one row per scanned image, keyed by its manifest row so it goes with
// the image. Included by each engine's store file.
#pragma once

#include "meta/sql/store.h"

namespace berth::meta::sql {

namespace scan_sql {

// The columns ScanFromRow reads, from image_scans s; the summary's leave inventory and findings
// out. Macros, so that each query is one string literal (Connection::Prepare caches by address).
#define BERTH_SCAN_STATUS_COLUMNS                                                                  \
  "s.scan_type, s.status, s.description, s.requested_at, s.completed_at, s.vulndb_version, " \
  "s.vulndb_updated_at, s.severity_counts"
#define BERTH_SCAN_COLUMNS BERTH_SCAN_STATUS_COLUMNS ", s.inventory, s.findings"
// The target columns: repository id and name, digest, scan type, generation (from m, r, s).
#define BERTH_SCAN_TARGET_COLUMNS "m.repo_id, r.name, m.digest, s.scan_type, s.generation"
#define BERTH_SCAN_OF_IMAGE " FROM image_scans s JOIN manifests m ON m.id=s.manifest_id WHERE m.repo_id=? AND m.digest=?"

template <class Statement>
ScanRecord ScanFromRow(const Statement& st, int first, bool with_details) {
  ScanRecord r{.scan_type = st.Text(first),
               .status = st.Text(first + 1),
               .description = st.Text(first + 2),
               .requested_at = st.Int(first + 3)};
  if (!st.IsNull(first + 4)) r.completed_at = st.Int(first + 4);
  r.vulndb_version = st.Int(first + 5);
  r.vulndb_updated_at = st.Int(first + 6);
  r.severity_counts = st.Text(first + 7);
  if (with_details) {
    r.inventory = st.Text(first + 8);
    r.findings = st.Text(first + 9);
  }
  return r;
}

template <class Statement>
Result<ScanTarget> TargetFromRow(const Statement& st) {
  BERTH_ASSIGN(oci::Digest digest, oci::Digest::Parse(st.Text(2)));
  return ScanTarget{.repo = st.Int(0), .repo_name = st.Text(1), .digest = std::move(digest),
                    .scan_type = st.Text(3), .generation = st.Int(4)};
}

}  // namespace scan_sql

template <class Db>
Result<bool> SqlStore<Db>::RequestScan(RepositoryId repo, const oci::Digest& digest, std::string_view scan_type,
                                       UnixSeconds now) {
  return Write([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(std::optional<int64_t> id, FindManifestId(c, repo, digest));
    if (!id) return false;
    // The inventory stays until the new scan replaces it: continuous matching keeps using it.
    BERTH_ASSIGN(Statement st,
                 c.Prepare("INSERT INTO image_scans(manifest_id, scan_type, status, description, generation, "
                           "requested_at, completed_at, vulndb_version, vulndb_updated_at, inventory, findings, "
                           "severity_counts) VALUES(?, ?, 'IN_PROGRESS', 'The scan is in progress.', 1, ?, NULL, 0, 0, "
                           "'', '', '{}') "
                           "ON CONFLICT(manifest_id) DO UPDATE SET scan_type=excluded.scan_type, "
                           "status=excluded.status, description=excluded.description, "
                           "generation=image_scans.generation + 1, requested_at=excluded.requested_at"));
    BERTH_TRY(st.Bind(1, *id).Bind(2, scan_type).Bind(3, now).Run());
    return true;
  });
}

template <class Db>
Result<std::optional<ScanRecord>> SqlStore<Db>::GetScan(RepositoryId repo, const oci::Digest& digest) {
  return Read([&](Connection& c) -> Result<std::optional<ScanRecord>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT " BERTH_SCAN_COLUMNS BERTH_SCAN_OF_IMAGE));
    st.Bind(1, repo).Bind(2, digest.str());
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return std::nullopt;
    return scan_sql::ScanFromRow(st, 0, true);
  });
}

template <class Db>
Result<std::optional<ScanRecord>> SqlStore<Db>::GetScanSummary(RepositoryId repo, const oci::Digest& digest) {
  return Read([&](Connection& c) -> Result<std::optional<ScanRecord>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT " BERTH_SCAN_STATUS_COLUMNS BERTH_SCAN_OF_IMAGE));
    st.Bind(1, repo).Bind(2, digest.str());
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return std::nullopt;
    return scan_sql::ScanFromRow(st, 0, false);
  });
}

template <class Db>
Result<std::vector<ScanTarget>> SqlStore<Db>::PendingScans(size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<ScanTarget>> {
    BERTH_ASSIGN(Statement st,
                 c.Prepare("SELECT " BERTH_SCAN_TARGET_COLUMNS
                           " FROM image_scans s JOIN manifests m ON m.id=s.manifest_id JOIN repositories r ON "
                           "r.id=m.repo_id WHERE s.status='IN_PROGRESS' ORDER BY s.requested_at, s.manifest_id LIMIT ?"));
    st.Bind(1, static_cast<int64_t>(limit));
    std::vector<ScanTarget> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      BERTH_ASSIGN(ScanTarget target, scan_sql::TargetFromRow(st));
      out.push_back(std::move(target));
    }
  });
}

template <class Db>
Result<bool> SqlStore<Db>::SaveScan(const ScanTarget& target, const ScanRecord& result) {
  return Write([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(std::optional<int64_t> id, FindManifestId(c, target.repo, target.digest));
    if (!id) return false;
    BERTH_ASSIGN(Statement st,
                 c.Prepare("UPDATE image_scans SET status=?, description=?, completed_at=?, vulndb_version=?, "
                           "vulndb_updated_at=?, inventory=?, findings=?, severity_counts=? "
                           "WHERE manifest_id=? AND generation=?"));
    st.Bind(1, result.status).Bind(2, result.description);
    if (result.completed_at) {
      st.Bind(3, *result.completed_at);
    } else {
      st.BindNull(3);
    }
    BERTH_TRY(st.Bind(4, result.vulndb_version)
                  .Bind(5, result.vulndb_updated_at)
                  .Bind(6, result.inventory)
                  .Bind(7, result.findings)
                  .Bind(8, result.severity_counts.empty() ? std::string_view("{}") : std::string_view(result.severity_counts))
                  .Bind(9, *id)
                  .Bind(10, target.generation)
                  .Run());
    if (c.Changes() == 0) return false;
    if (result.status != "IN_PROGRESS") {
      BERTH_ASSIGN(std::string name, RepositoryName(c, target.repo));
      BERTH_ASSIGN(std::vector<std::string> tags, ManifestTags(c, *id));
      BERTH_TRY(Emit(c, result.completed_at.value_or(WallClockSeconds()), kImageScan, name,
                     ImageScanDetail(name, target.digest.str(), tags, result.status, result.severity_counts)));
    }
    return true;
  });
}

template <class Db>
Result<std::vector<std::pair<ScanTarget, ScanRecord>>> SqlStore<Db>::StaleScans(int64_t version, size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<std::pair<ScanTarget, ScanRecord>>> {
    BERTH_ASSIGN(Statement st,
                 c.Prepare("SELECT " BERTH_SCAN_TARGET_COLUMNS ", " BERTH_SCAN_COLUMNS
                           " FROM image_scans s JOIN manifests m ON m.id=s.manifest_id JOIN repositories r ON "
                           "r.id=m.repo_id WHERE s.inventory <> '' AND s.vulndb_version < ? "
                           "AND s.status <> 'IN_PROGRESS' ORDER BY s.vulndb_version, s.manifest_id LIMIT ?"));
    st.Bind(1, version).Bind(2, static_cast<int64_t>(limit));
    std::vector<std::pair<ScanTarget, ScanRecord>> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      BERTH_ASSIGN(ScanTarget target, scan_sql::TargetFromRow(st));
      out.emplace_back(std::move(target), scan_sql::ScanFromRow(st, 5, true));
    }
  });
}

template <class Db>
Result<std::vector<PushedImage>> SqlStore<Db>::UnscannedImages(UnixSeconds since, size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<PushedImage>> {
    BERTH_ASSIGN(Statement st,
                 c.Prepare("SELECT m.repo_id, r.name, m.digest, m.media_type, m.artifact_type, m.pushed_at "
                           "FROM manifests m JOIN repositories r ON r.id=m.repo_id WHERE m.pushed_at >= ? AND "
                           "NOT EXISTS (SELECT 1 FROM image_scans s WHERE s.manifest_id=m.id) "
                           "ORDER BY m.pushed_at, m.id LIMIT ?"));
    st.Bind(1, since).Bind(2, static_cast<int64_t>(limit));
    std::vector<PushedImage> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      BERTH_ASSIGN(oci::Digest digest, oci::Digest::Parse(st.Text(2)));
      out.push_back({.repo = st.Int(0), .repo_name = st.Text(1), .digest = std::move(digest),
                     .media_type = st.Text(3), .artifact_type = st.Text(4), .pushed_at = st.Int(5)});
    }
  });
}

}  // namespace berth::meta::sql

#undef BERTH_SCAN_STATUS_COLUMNS
#undef BERTH_SCAN_COLUMNS
#undef BERTH_SCAN_TARGET_COLUMNS
#undef BERTH_SCAN_OF_IMAGE
