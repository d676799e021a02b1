// SqlStore's Leases: one row per lease, taken with one upsert that succeeds only when the
// lease is free, expired or already the caller's. Included by each engine's store file.
#pragma once

#include "meta/sql/store.h"

namespace berth::meta::sql {

template <class Db>
Result<bool> SqlStore<Db>::TryLease(std::string_view name, std::string_view holder, UnixSeconds now,
                                    int64_t ttl_seconds) {
  auto take = [&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(Statement st,
                 c.Prepare("INSERT INTO leases(name, holder, expires_at) VALUES(?, ?, ?) "
                           "ON CONFLICT(name) DO UPDATE SET holder=excluded.holder, "
                           "expires_at=excluded.expires_at "
                           "WHERE leases.holder=excluded.holder OR leases.expires_at <= ?"));
    BERTH_TRY(st.Bind(1, name).Bind(2, holder).Bind(3, now + ttl_seconds).Bind(4, now).Run());
    return c.Changes() > 0;
  };
  return Write(take, Db::kLeaseWrites);
}

template <class Db>
Status SqlStore<Db>::ReleaseLease(std::string_view name, std::string_view holder) {
  return Write([&](Connection& c) -> Status {
    BERTH_ASSIGN(Statement st, c.Prepare("DELETE FROM leases WHERE name=? AND holder=?"));
    return st.Bind(1, name).Bind(2, holder).Run();
  });
}

}  // namespace berth::meta::sql
