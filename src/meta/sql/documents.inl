// SqlStore's NamedDocuments: one row per (kind, name), replaced by compare-and-swap on its
// revision. Included by each engine's store file.
#pragma once

#include "meta/sql/store.h"

namespace berth::meta::sql {

template <class Db>
Result<std::optional<NamedDocument>> SqlStore<Db>::GetDocument(std::string_view kind, std::string_view name) {
  return Read([&](Connection& c) -> Result<std::optional<NamedDocument>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT revision, document FROM named_documents WHERE kind=? AND name=?"));
    st.Bind(1, kind).Bind(2, name);
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return std::nullopt;
    return NamedDocument{.name = std::string(name), .document = st.Text(1), .revision = st.Int(0)};
  });
}

template <class Db>
Result<std::vector<NamedDocument>> SqlStore<Db>::ListDocuments(std::string_view kind, std::string_view after,
                                                              size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<NamedDocument>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT name, revision, document FROM named_documents WHERE kind=? AND "
                                         "name>? ORDER BY name LIMIT ?"));
    st.Bind(1, kind).Bind(2, after).Bind(3, static_cast<int64_t>(limit));
    std::vector<NamedDocument> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      out.push_back({.name = st.Text(0), .document = st.Text(2), .revision = st.Int(1)});
    }
  });
}

template <class Db>
Result<int64_t> SqlStore<Db>::PutDocument(std::string_view kind, std::string_view name, std::string_view document,
                                          int64_t expected_revision, size_t max) {
  return Write([&](Connection& c) -> Result<int64_t> {
    BERTH_ASSIGN(Statement existing, c.Prepare("SELECT revision FROM named_documents WHERE kind=? AND name=?"));
    existing.Bind(1, kind).Bind(2, name);
    BERTH_ASSIGN(bool exists, existing.Step());
    const int64_t current = exists ? existing.Int(0) : 0;
    if (expected_revision == 0) {
      if (exists) return Fail(Code::kAlreadyExists, std::string(name) + " exists");
      BERTH_ASSIGN(Statement count, c.Prepare("SELECT COUNT(*) FROM named_documents WHERE kind=?"));
      count.Bind(1, kind);
      BERTH_TRY(count.Step());
      if (static_cast<size_t>(count.Int(0)) >= max) {
        return Fail(Code::kResourceExhausted, "at most " + std::to_string(max) + " of these may exist");
      }
      BERTH_ASSIGN(Statement put, c.Prepare("INSERT INTO named_documents(kind, name, revision, document) "
                                            "VALUES(?, ?, 1, ?)"));
      BERTH_TRY(put.Bind(1, kind).Bind(2, name).Bind(3, document).Run());
      return int64_t{1};
    }
    if (!exists) return Fail(Code::kNotFound, std::string(name) + " does not exist");
    if (current != expected_revision) return Fail(Code::kAborted, std::string(name) + " changed meanwhile");
    BERTH_ASSIGN(Statement put, c.Prepare("UPDATE named_documents SET revision=?, document=? WHERE kind=? AND name=?"));
    BERTH_TRY(put.Bind(1, current + 1).Bind(2, document).Bind(3, kind).Bind(4, name).Run());
    return current + 1;
  });
}

template <class Db>
Result<bool> SqlStore<Db>::DeleteDocument(std::string_view kind, std::string_view name, int64_t expected_revision) {
  return Write([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(Statement existing, c.Prepare("SELECT revision FROM named_documents WHERE kind=? AND name=?"));
    existing.Bind(1, kind).Bind(2, name);
    BERTH_ASSIGN(bool exists, existing.Step());
    if (!exists) return false;
    if (expected_revision != 0 && existing.Int(0) != expected_revision) {
      return Fail(Code::kAborted, std::string(name) + " changed meanwhile");
    }
    BERTH_ASSIGN(Statement del, c.Prepare("DELETE FROM named_documents WHERE kind=? AND name=?"));
    BERTH_TRY(del.Bind(1, kind).Bind(2, name).Run());
    return true;
  });
}

}  // namespace berth::meta::sql
