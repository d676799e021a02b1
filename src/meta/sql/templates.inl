// SqlStore's CreationTemplates: one row per prefix, the template's fields as JSON. Included by
// each engine's store file.
#pragma once

#include "meta/sql/store.h"

namespace berth::meta::sql {

template <class Db>
Status SqlStore<Db>::PutCreationTemplate(const CreationTemplate& t, bool create, size_t max) {
  return Write([&](Connection& c) -> Status {
    BERTH_ASSIGN(Statement existing, c.Prepare("SELECT created_at FROM repository_creation_templates WHERE prefix=?"));
    existing.Bind(1, t.prefix);
    BERTH_ASSIGN(bool exists, existing.Step());
    if (create && exists) {
      return Fail(Code::kAlreadyExists, "a template for the prefix " + t.prefix + " exists", "TemplateAlreadyExistsException");
    }
    if (!create && !exists) {
      return Fail(Code::kNotFound, "no template for the prefix " + t.prefix, "TemplateNotFoundException");
    }
    if (create) {
      BERTH_ASSIGN(Statement count, c.Prepare("SELECT COUNT(*) FROM repository_creation_templates"));
      BERTH_TRY(count.Step());
      if (static_cast<size_t>(count.Int(0)) >= max) {
        return Fail(Code::kResourceExhausted, "a registry has at most " + std::to_string(max) + " creation templates",
                    "LimitExceededException");
      }
    }
    BERTH_ASSIGN(Statement put, c.Prepare("INSERT INTO repository_creation_templates(prefix, document, created_at, "
                                          "updated_at) VALUES(?, ?, ?, ?) ON CONFLICT(prefix) DO UPDATE SET "
                                          "document=excluded.document, updated_at=excluded.updated_at"));
    return put.Bind(1, t.prefix).Bind(2, t.document).Bind(3, t.created_at).Bind(4, t.updated_at).Run();
  });
}

template <class Db>
Result<std::vector<CreationTemplate>> SqlStore<Db>::ListCreationTemplates() {
  return Read([&](Connection& c) -> Result<std::vector<CreationTemplate>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT prefix, document, created_at, updated_at FROM "
                                         "repository_creation_templates ORDER BY prefix"));
    std::vector<CreationTemplate> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      out.push_back({.prefix = st.Text(0), .document = st.Text(1), .created_at = st.Int(2), .updated_at = st.Int(3)});
    }
  });
}

template <class Db>
Result<std::optional<CreationTemplate>> SqlStore<Db>::DeleteCreationTemplate(std::string_view prefix) {
  return Write([&](Connection& c) -> Result<std::optional<CreationTemplate>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT prefix, document, created_at, updated_at FROM "
                                         "repository_creation_templates WHERE prefix=?"));
    st.Bind(1, prefix);
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return std::nullopt;
    CreationTemplate t{.prefix = st.Text(0), .document = st.Text(1), .created_at = st.Int(2), .updated_at = st.Int(3)};
    BERTH_ASSIGN(Statement del, c.Prepare("DELETE FROM repository_creation_templates WHERE prefix=?"));
    BERTH_TRY(del.Bind(1, prefix).Run());
    return t;
  });
}

}  // namespace berth::meta::sql
