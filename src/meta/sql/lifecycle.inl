// SqlStore's LifecycleStore: a repository's lifecycle policy and its last preview, and the
// conditional image expiry lifecycle runs use. Included by each engine's store file.
#pragma once

#include "meta/sql/store.h"

namespace berth::meta::sql {

template <class Db>
Result<std::optional<LifecyclePolicyRecord>> SqlStore<Db>::GetLifecyclePolicy(RepositoryId repo) {
  return Read([&](Connection& c) -> Result<std::optional<LifecyclePolicyRecord>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT lifecycle_policy, lifecycle_evaluated_at FROM repositories "
                                         "WHERE id=? AND lifecycle_policy <> ''"));
    st.Bind(1, repo);
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return std::nullopt;
    LifecyclePolicyRecord record{.text = st.Text(0)};
    if (!st.IsNull(1)) record.evaluated_at = st.Int(1);
    return record;
  });
}

template <class Db>
Status SqlStore<Db>::SetLifecyclePolicy(RepositoryId repo, std::string_view text) {
  return Write([&](Connection& c) -> Status {
    BERTH_ASSIGN(Statement st, c.Prepare("UPDATE repositories SET lifecycle_policy=?, lifecycle_evaluated_at="
                                         "CASE WHEN ?='' THEN NULL ELSE lifecycle_evaluated_at END WHERE id=?"));
    BERTH_TRY(st.Bind(1, text).Bind(2, text).Bind(3, repo).Run());
    if (c.Changes() == 0) return Fail(Code::kNotFound, "the repository no longer exists", "NAME_UNKNOWN");
    return {};
  });
}

template <class Db>
Status SqlStore<Db>::MarkLifecycleEvaluated(RepositoryId repo, UnixSeconds now) {
  return Write([&](Connection& c) -> Status {
    BERTH_ASSIGN(Statement st, c.Prepare("UPDATE repositories SET lifecycle_evaluated_at=? WHERE id=?"));
    return st.Bind(1, now).Bind(2, repo).Run();
  });
}

template <class Db>
Result<std::vector<LifecycleTarget>> SqlStore<Db>::ListLifecyclePolicies(RepositoryId after, size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<LifecycleTarget>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT id, name, lifecycle_policy FROM repositories "
                                         "WHERE id > ? AND lifecycle_policy <> '' ORDER BY id LIMIT ?"));
    st.Bind(1, after).Bind(2, static_cast<int64_t>(limit));
    std::vector<LifecycleTarget> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      out.push_back({.repo = st.Int(0), .name = st.Text(1), .policy = st.Text(2)});
    }
  });
}

template <class Db>
Status SqlStore<Db>::SaveLifecyclePreview(RepositoryId repo, const LifecyclePreviewRecord& p) {
  return Write([&](Connection& c) -> Status {
    BERTH_ASSIGN(Statement st,
                 c.Prepare("INSERT INTO lifecycle_previews(repo_id, policy, status, results, started_at) "
                           "VALUES(?, ?, ?, ?, ?) ON CONFLICT(repo_id) DO UPDATE SET policy=excluded.policy, "
                           "status=excluded.status, results=excluded.results, started_at=excluded.started_at"));
    return st.Bind(1, repo).Bind(2, p.policy).Bind(3, p.status).Bind(4, p.results).Bind(5, p.started_at).Run();
  });
}

template <class Db>
Result<std::optional<LifecyclePreviewRecord>> SqlStore<Db>::GetLifecyclePreview(RepositoryId repo) {
  return Read([&](Connection& c) -> Result<std::optional<LifecyclePreviewRecord>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT policy, status, results, started_at FROM lifecycle_previews "
                                         "WHERE repo_id=?"));
    st.Bind(1, repo);
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return std::nullopt;
    return LifecyclePreviewRecord{.policy = st.Text(0), .status = st.Text(1), .results = st.Text(2),
                                  .started_at = st.Int(3)};
  });
}

template <class Db>
Result<std::vector<std::pair<oci::Digest, oci::Digest>>> SqlStore<Db>::ListIndexChildren(RepositoryId repo) {
  return Read([&](Connection& c) -> Result<std::vector<std::pair<oci::Digest, oci::Digest>>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT m.digest, r.child FROM manifests m JOIN manifest_refs r "
                                         "ON r.manifest_id=m.id WHERE m.repo_id=? AND r.kind=?"));
    st.Bind(1, repo).Bind(2, static_cast<int64_t>(kManifestRef));
    std::vector<std::pair<oci::Digest, oci::Digest>> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      BERTH_ASSIGN(oci::Digest index, oci::Digest::Parse(st.Text(0)));
      BERTH_ASSIGN(oci::Digest child, oci::Digest::Parse(st.Text(1)));
      out.emplace_back(std::move(index), std::move(child));
    }
  });
}

template <class Db>
Result<ExpireOutcome> SqlStore<Db>::ExpireImage(RepositoryId repo, const oci::Digest& digest,
                                                const std::vector<std::string>& tags) {
  return Write([&](Connection& c) -> Result<ExpireOutcome> {
    BERTH_ASSIGN(std::optional<int64_t> id, FindManifestId(c, repo, digest));
    if (!id) return ExpireOutcome::kGone;
    BERTH_ASSIGN(Statement tag_query, c.Prepare("SELECT name FROM tags WHERE manifest_id=? ORDER BY name"));
    tag_query.Bind(1, *id);
    BERTH_ASSIGN(std::vector<std::string> now_tags, Column0Strings(tag_query));
    if (now_tags != tags) return ExpireOutcome::kChanged;
    BERTH_ASSIGN(Statement parent, c.Prepare("SELECT 1 FROM manifest_refs r JOIN manifests m ON m.id=r.manifest_id "
                                             "WHERE m.repo_id=? AND r.child=? AND r.kind=? LIMIT 1"));
    parent.Bind(1, repo).Bind(2, digest.str()).Bind(3, static_cast<int64_t>(kManifestRef));
    BERTH_ASSIGN(bool has_parent, parent.Step());
    if (has_parent) return ExpireOutcome::kChanged;
    BERTH_ASSIGN(Statement referrer, c.Prepare("SELECT 1 FROM manifests WHERE repo_id=? AND subject=? LIMIT 1"));
    referrer.Bind(1, repo).Bind(2, digest.str());
    BERTH_ASSIGN(bool has_referrer, referrer.Step());
    if (has_referrer) return ExpireOutcome::kChanged;
    BERTH_ASSIGN(Statement del, c.Prepare("DELETE FROM manifests WHERE id=?"));
    BERTH_TRY(del.Bind(1, *id).Run());
    BERTH_ASSIGN(std::string name, RepositoryName(c, repo));
    BERTH_TRY(Emit(c, WallClockSeconds(), kLifecycleAction, name, LifecycleExpireDetail(name, digest.str(), tags)));
    BERTH_TRY(Db::Changed(c, repo));
    return ExpireOutcome::kExpired;
  });
}

}  // namespace berth::meta::sql
