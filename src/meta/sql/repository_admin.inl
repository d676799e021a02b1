// SqlStore's RepositoryAdmin: ECR repository settings and resource tags.
// Included by each engine's store file, which instantiates SqlStore<Db>.
#pragma once

#include "meta/sql/store.h"

namespace berth::meta::sql {

template <class Db>
Result<std::optional<RepositoryRecord>> SqlStore<Db>::GetRepository(std::string_view name) {
  return Read([&](Connection& c) -> Result<std::optional<RepositoryRecord>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT " BERTH_REPOSITORY_COLUMNS " FROM repositories WHERE name=?"));
    st.Bind(1, name);
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return std::nullopt;
    return RepositoryFromRow(st);
  });
}

template <class Db>
Result<RepositoryRecord> SqlStore<Db>::CreateRepository(RepositoryRecord r, const ResourceTags& tags,
                                                        std::string_view policy, std::string_view lifecycle_policy) {
  return Write([&](Connection& c) -> Result<RepositoryRecord> {
    BERTH_ASSIGN(Statement st, c.Prepare(
        "INSERT INTO repositories(name, created_at, tag_mutability, mutability_filters, "
        "scan_on_push, encryption_type, kms_key, policy, lifecycle_policy) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(name) DO NOTHING"));
    std::string filters = JoinLines(r.mutability_filters);
    st.Bind(1, r.name).Bind(2, r.created_at).Bind(3, r.tag_mutability).Bind(4, filters);
    st.Bind(5, int64_t{r.scan_on_push}).Bind(6, r.encryption_type).Bind(7, r.kms_key);
    st.Bind(8, policy).Bind(9, lifecycle_policy);
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

template <class Db>
Result<std::vector<RepositoryRecord>> SqlStore<Db>::ListRepositoryRecords(std::string_view after,
                                                            size_t limit) {
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

template <class Db>
Result<std::vector<std::string>> SqlStore<Db>::DeleteRepository(RepositoryId repo, bool force) {
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
    BERTH_TRY(Db::Changed(c, kAllRepositories));  // its name may name another repository next
    return uploads;
  });
}

template <class Db>
Status SqlStore<Db>::UpdateRepository(const RepositoryRecord& r) {
  return Write([&](Connection& c) -> Status {
    BERTH_ASSIGN(Statement st, c.Prepare("UPDATE repositories SET tag_mutability=?, "
                                         "mutability_filters=?, scan_on_push=? WHERE id=?"));
    std::string filters = JoinLines(r.mutability_filters);
    return st.Bind(1, r.tag_mutability).Bind(2, filters).Bind(3, int64_t{r.scan_on_push})
        .Bind(4, r.id).Run();
  });
}

template <class Db>
Result<ResourceTags> SqlStore<Db>::ResourceTagsIn(Connection& c, RepositoryId repo) {
  BERTH_ASSIGN(Statement st, c.Prepare("SELECT key, value FROM repository_tags WHERE repo_id=? ORDER BY key"));
  st.Bind(1, repo);
  ResourceTags out;
  while (true) {
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return out;
    out.emplace_back(st.Text(0), st.Text(1));
  }
}

template <class Db>
Result<ResourceTags> SqlStore<Db>::GetResourceTags(RepositoryId repo) {
  return Read([&](Connection& c) { return ResourceTagsIn(c, repo); });
}

template <class Db>
Status SqlStore<Db>::TagResource(RepositoryId repo, const ResourceTags& tags, size_t max_tags) {
  return Write([&](Connection& c) -> Status {
    BERTH_TRY(PutTags(c, repo, tags));
    BERTH_TRY(Db::Changed(c, repo));  // policies may test the tags
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

template <class Db>
Status SqlStore<Db>::UntagResource(RepositoryId repo, const std::vector<std::string>& keys) {
  return Write([&](Connection& c) -> Status {
    for (const std::string& key : keys) {
      BERTH_ASSIGN(Statement st, c.Prepare("DELETE FROM repository_tags WHERE repo_id=? AND key=?"));
      BERTH_TRY(st.Bind(1, repo).Bind(2, key).Run());
    }
    return Db::Changed(c, repo);
  });
}

template <class Db>
Result<std::optional<RepositoryAccess>> SqlStore<Db>::GetRepositoryAccess(RepositoryId repo) {
  return Read([&](Connection& c) -> Result<std::optional<RepositoryAccess>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT policy FROM repositories WHERE id=?"));
    st.Bind(1, repo);
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return std::nullopt;
    RepositoryAccess access{.policy = st.Text(0), .tags = {}};
    BERTH_ASSIGN(access.tags, ResourceTagsIn(c, repo));
    return access;
  });
}

template <class Db>
Result<std::optional<FoundRepository>> SqlStore<Db>::FindRepositoryAccess(std::string_view name) {
  return Read([&](Connection& c) -> Result<std::optional<FoundRepository>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT id, policy FROM repositories WHERE name=?"));
    st.Bind(1, name);
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return std::nullopt;
    FoundRepository found{.id = st.Int(0), .access = {.policy = st.Text(1), .tags = {}}};
    BERTH_ASSIGN(found.access.tags, ResourceTagsIn(c, found.id));
    return found;
  });
}

template <class Db>
Status SqlStore<Db>::SetRepositoryPolicy(RepositoryId repo, std::string_view policy) {
  return Write([&](Connection& c) -> Status {
    BERTH_ASSIGN(Statement st, c.Prepare("UPDATE repositories SET policy=? WHERE id=?"));
    BERTH_TRY(st.Bind(1, policy).Bind(2, repo).Run());
    if (c.Changes() == 0) return Fail(Code::kNotFound, "the repository no longer exists", "NAME_UNKNOWN");
    return Db::Changed(c, repo);
  });
}

}  // namespace berth::meta::sql
