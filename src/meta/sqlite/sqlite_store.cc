#include "meta/sqlite/sqlite_store.h"

#include "meta/sqlite/schema.h"
#include "meta/sqlite/store.h"

namespace berth::meta::sqlite {
namespace {

Status Migrate(Connection& c) {
  int64_t current = 0;
  {
    BERTH_ASSIGN(Statement version, c.Prepare("PRAGMA user_version"));
    BERTH_TRY(version.Step());
    current = version.Int(0);
  }
  if (current > static_cast<int64_t>(kMigrations.size())) {
    return Fail(Code::kFailedPrecondition,
                "database schema is newer than this build of berth (version " +
                    std::to_string(current) + ")");
  }
  for (size_t i = static_cast<size_t>(current); i < kMigrations.size(); ++i) {
    BERTH_TRY(c.Exec("BEGIN IMMEDIATE"));
    std::string sql = std::string(kMigrations[i]) + "; PRAGMA user_version=" + std::to_string(i + 1);
    if (Status s = c.Exec(sql.c_str()); !s) {
      (void)c.Exec("ROLLBACK");
      return s;
    }
    BERTH_TRY(c.Exec("COMMIT"));
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::string& path) {
  BERTH_ASSIGN(std::unique_ptr<Connection> writer, Connection::Open(path, /*read_only=*/false));
  BERTH_TRY(Migrate(*writer));
  return std::unique_ptr<MetadataStore>(new SqliteStore(path, std::move(writer)));
}

}  // namespace berth::meta::sqlite
