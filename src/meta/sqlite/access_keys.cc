// SqliteStore's AccessKeys: access keys (secrets arrive sealed).
#include "meta/sqlite/store.h"

namespace berth::meta::sqlite {

Result<std::vector<AccessKey>> SqliteStore::ListAccessKeys() {
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

Status SqliteStore::CreateAccessKey(const AccessKey& key, UnixSeconds now) {
  return Write([&](Connection& c) -> Status {
    BERTH_ASSIGN(Statement st, c.Prepare("INSERT INTO access_keys(id, secret, principal, "
                                         "created_at) VALUES(?, ?, ?, ?)"));
    return st.Bind(1, key.id).Bind(2, key.secret).Bind(3, key.principal).Bind(4, now).Run();
  });
}

}  // namespace berth::meta::sqlite
