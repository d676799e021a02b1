// SqlStore's VulnerabilityDatabase: advisories as imported, an index of the packages they name,
// and one row holding the database's version. Included by each engine's store file.
#pragma once

#include <set>

#include "meta/sql/store.h"

namespace berth::meta::sql {

template <class Db>
Result<int64_t> SqlStore<Db>::PutAdvisories(const std::vector<AdvisoryRow>& rows, int64_t version,
                                            UnixSeconds now) {
  return Write([&](Connection& c) -> Result<int64_t> {
    int64_t changed = 0;
    for (const AdvisoryRow& row : rows) {
      BERTH_ASSIGN(Statement current, c.Prepare("SELECT modified, document FROM vuln_advisories WHERE id=?"));
      current.Bind(1, row.id);
      BERTH_ASSIGN(bool exists, current.Step());
      if (exists && current.Text(0) == row.modified && current.Text(1) == row.document) continue;
      BERTH_ASSIGN(Statement put, c.Prepare("INSERT INTO vuln_advisories(id, modified, document, imported_at) "
                                            "VALUES(?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                                            "modified=excluded.modified, document=excluded.document, "
                                            "imported_at=excluded.imported_at"));
      BERTH_TRY(put.Bind(1, row.id).Bind(2, row.modified).Bind(3, row.document).Bind(4, now).Run());
      BERTH_ASSIGN(Statement clear, c.Prepare("DELETE FROM vuln_packages WHERE advisory_id=?"));
      BERTH_TRY(clear.Bind(1, row.id).Run());
      std::set<std::pair<std::string, std::string>> unique(row.packages.begin(), row.packages.end());
      for (const auto& [ecosystem, name] : unique) {
        BERTH_ASSIGN(Statement link, c.Prepare("INSERT INTO vuln_packages(ecosystem, package, advisory_id) "
                                               "VALUES(?, ?, ?)"));
        BERTH_TRY(link.Bind(1, ecosystem).Bind(2, name).Bind(3, row.id).Run());
      }
      ++changed;
    }
    if (changed > 0) {
      BERTH_ASSIGN(Statement bump, c.Prepare("INSERT INTO vuln_state(id, version, updated_at) VALUES(1, ?, ?) "
                                             "ON CONFLICT(id) DO UPDATE SET updated_at=excluded.updated_at, "
                                             "version=CASE WHEN vuln_state.version < excluded.version "
                                             "THEN excluded.version ELSE vuln_state.version END"));
      BERTH_TRY(bump.Bind(1, version).Bind(2, now).Run());
    }
    return changed;
  });
}

template <class Db>
Result<VulnDbState> SqlStore<Db>::GetVulnDbState() {
  return Read([&](Connection& c) -> Result<VulnDbState> {
    VulnDbState state;
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT version, updated_at FROM vuln_state WHERE id=1"));
    BERTH_ASSIGN(bool row, st.Step());
    if (row) {
      state.version = st.Int(0);
      state.updated_at = st.Int(1);
    }
    BERTH_ASSIGN(Statement count, c.Prepare("SELECT COUNT(*) FROM vuln_advisories"));
    BERTH_ASSIGN(bool counted, count.Step());
    if (counted) state.advisories = count.Int(0);
    return state;
  });
}

template <class Db>
Result<std::vector<std::pair<std::string, std::string>>> SqlStore<Db>::FindAdvisories(
    const std::vector<std::pair<std::string, std::string>>& packages) {
  return Read([&](Connection& c) -> Result<std::vector<std::pair<std::string, std::string>>> {
    std::map<std::string, std::string> found;
    for (const auto& [ecosystem, name] : packages) {
      BERTH_ASSIGN(Statement st, c.Prepare("SELECT a.id, a.document FROM vuln_packages p JOIN vuln_advisories a "
                                           "ON a.id=p.advisory_id WHERE p.ecosystem=? AND p.package=?"));
      st.Bind(1, ecosystem).Bind(2, name);
      while (true) {
        BERTH_ASSIGN(bool row, st.Step());
        if (!row) break;
        found.try_emplace(st.Text(0), st.Text(1));
      }
    }
    return std::vector<std::pair<std::string, std::string>>(found.begin(), found.end());
  });
}

}  // namespace berth::meta::sql
