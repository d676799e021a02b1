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
Status SqlStore<Db>::RecordPull(RepositoryId repo, const oci::Digest& digest, UnixSeconds now) {
  return Write([&](Connection& c) -> Status {
    BERTH_ASSIGN(Statement st, c.Prepare("UPDATE manifests SET last_pulled_at=? "
                                         "WHERE repo_id=? AND digest=?"));
    return st.Bind(1, now).Bind(2, repo).Bind(3, digest.str()).Run();
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
