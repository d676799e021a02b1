// SqlStore's UploadSessions: upload sessions that survive restarts.
// Included by each engine's store file, which instantiates SqlStore<Db>.
#pragma once

#include "meta/sql/store.h"

namespace berth::meta::sql {

template <class Db>
Status SqlStore<Db>::CreateUpload(const UploadRecord& u) {
  return Write([&](Connection& c) -> Status {
    BERTH_ASSIGN(Statement st,
                 c.Prepare("INSERT INTO uploads(id, repo_id, size, hash_state, started_at, "
                           "updated_at) VALUES(?, ?, ?, ?, ?, ?)"));
    st.Bind(1, u.id).Bind(2, u.repository).Bind(3, static_cast<int64_t>(u.size));
    return st.BindBlob(4, u.hash_state).Bind(5, u.updated_at).Bind(6, u.updated_at).Run();
  });
}

template <class Db>
Result<std::optional<UploadRecord>> SqlStore<Db>::GetUpload(std::string_view id) {
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

template <class Db>
Status SqlStore<Db>::SaveUploadProgress(std::string_view id, uint64_t from_size, uint64_t size,
                                        std::string_view hash_state, UnixSeconds now) {
  return Write([&](Connection& c) -> Status {
    BERTH_ASSIGN(Statement st, c.Prepare("UPDATE uploads SET size=?, hash_state=?, "
                                         "updated_at=? WHERE id=? AND size=?"));
    BERTH_TRY(st.Bind(1, static_cast<int64_t>(size)).BindBlob(2, hash_state).Bind(3, now)
                  .Bind(4, id).Bind(5, static_cast<int64_t>(from_size)).Run());
    if (c.Changes() > 0) return {};
    BERTH_ASSIGN(Statement exists, c.Prepare("SELECT size FROM uploads WHERE id=?"));
    exists.Bind(1, id);
    BERTH_ASSIGN(bool row, exists.Step());
    if (!row) return Fail(Code::kNotFound, "upload session gone", "BLOB_UPLOAD_UNKNOWN");
    return Fail(Code::kFailedPrecondition,
                "another request wrote to this upload meanwhile (it now holds " + std::to_string(exists.Int(0)) +
                    " bytes); ask for its status and continue from there",
                "RANGE_INVALID");
  });
}

template <class Db>
Result<bool> SqlStore<Db>::DeleteUpload(std::string_view id) {
  return Write([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(Statement st, c.Prepare("DELETE FROM uploads WHERE id=?"));
    BERTH_TRY(st.Bind(1, id).Run());
    return c.Changes() > 0;
  });
}

template <class Db>
Result<std::vector<std::string>> SqlStore<Db>::IdleUploads(UnixSeconds cutoff, size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<std::string>> {
    BERTH_ASSIGN(Statement st,
                 c.Prepare("SELECT id FROM uploads WHERE updated_at < ? ORDER BY updated_at LIMIT ?"));
    st.Bind(1, cutoff).Bind(2, static_cast<int64_t>(limit));
    return Column0Strings(st);
  });
}

template <class Db>
Result<int64_t> SqlStore<Db>::CountUploads() {
  return Read([&](Connection& c) -> Result<int64_t> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT count(*) FROM uploads"));
    BERTH_TRY(st.Step());
    return st.Int(0);
  });
}

}  // namespace berth::meta::sql
