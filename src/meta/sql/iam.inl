// SqlStore's IamDocuments: the IAM state as one versioned row.
// Included by each engine's store file, which instantiates SqlStore<Db>.
#pragma once

#include "meta/sql/store.h"

namespace berth::meta::sql {

template <class Db>
Result<IamDocument> SqlStore<Db>::LoadIam() {
  return Read([&](Connection& c) -> Result<IamDocument> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT version, document FROM iam WHERE id=1"));
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return IamDocument{};
    return IamDocument{.version = st.Int(0), .json = st.Text(1)};
  });
}

template <class Db>
Result<int64_t> SqlStore<Db>::IamVersion() {
  return Read([&](Connection& c) -> Result<int64_t> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT version FROM iam WHERE id=1"));
    BERTH_ASSIGN(bool row, st.Step());
    return row ? st.Int(0) : int64_t{0};
  });
}

template <class Db>
Status SqlStore<Db>::SaveIam(int64_t expected, std::string_view json) {
  return Write([&](Connection& c) -> Status {
    // The row appears with the first save; version 0 stands for its absence.
    BERTH_ASSIGN(Statement st, c.Prepare(
        "INSERT INTO iam(id, version, document) VALUES(1, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET version=excluded.version, document=excluded.document "
        "WHERE iam.version=?"));
    BERTH_TRY(st.Bind(1, expected + 1).Bind(2, json).Bind(3, expected).Run());
    if (c.Changes() == 0) {
      return Fail(Code::kAborted, "the IAM state changed meanwhile");
    }
    return Db::Changed(c, kIamChanged);
  });
}

}  // namespace berth::meta::sql
