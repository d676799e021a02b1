// SqlStore's AccessKeys: access keys (secrets arrive sealed).
// Included by each engine's store file, which instantiates SqlStore<Db>.
#pragma once

#include "meta/sql/store.h"

namespace berth::meta::sql {

template <class Db>
Result<std::vector<AccessKey>> SqlStore<Db>::ListAccessKeys() {
  return Read([&](Connection& c) -> Result<std::vector<AccessKey>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT id, secret, principal FROM access_keys "
                                         "ORDER BY id LIMIT 100000"));
    std::vector<AccessKey> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) break;
      out.push_back(AccessKey{.id = st.Text(0), .secret = st.Text(1), .principal = st.Text(2)});
    }
    return out;
  });
}

template <class Db>
Status SqlStore<Db>::CreateAccessKey(const AccessKey& key, UnixSeconds now) {
  return Write([&](Connection& c) -> Status {
    BERTH_ASSIGN(Statement st, c.Prepare("INSERT INTO access_keys(id, secret, principal, "
                                         "created_at) VALUES(?, ?, ?, ?)"));
    return st.Bind(1, key.id).Bind(2, key.secret).Bind(3, key.principal).Bind(4, now).Run();
  });
}

}  // namespace berth::meta::sql
