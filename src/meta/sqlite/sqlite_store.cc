#include "meta/sqlite/sqlite_store.h"

#include "meta/sqlite/schema.h"
#include "meta/sqlite/store.h"

namespace berth::meta::sqlite {
namespace {

Status Migrate(Connection& c, const std::string& path, const MigrationObserver& on_migrated) {
  int64_t current = 0;
  {
    BERTH_ASSIGN(Statement version, c.Prepare("PRAGMA user_version"));
    BERTH_TRY(version.Step());
    current = version.Int(0);
  }
  if (current > static_cast<int64_t>(kMigrations.size())) {
    return Fail(Code::kFailedPrecondition,
                path + " was written by a newer Berth (schema version " + std::to_string(current) +
                    "; this build knows versions up to " + std::to_string(kMigrations.size()) +
                    "). It was not opened and is unchanged: run that Berth or a later one");
  }
  for (size_t i = static_cast<size_t>(current); i < kMigrations.size(); ++i) {
    BERTH_TRY(c.Exec("BEGIN IMMEDIATE"));
    std::string sql =
        std::string(kMigrations[i].sql) + "; PRAGMA user_version=" + std::to_string(i + 1);
    if (Status s = c.Exec(sql.c_str()); !s) {
      (void)c.Exec("ROLLBACK");
      return Fail(s.error().code(), "schema migration " + std::to_string(i + 1) + " (" +
                                        kMigrations[i].description + ") failed: " + s.error().message());
    }
    BERTH_TRY(c.Exec("COMMIT"));
    if (on_migrated) on_migrated(static_cast<int>(i + 1), kMigrations[i].description);
  }
  return {};
}

}  // namespace

int CurrentSchemaVersion() { return static_cast<int>(kMigrations.size()); }

Result<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::string& path,
                                                       const MigrationObserver& on_migrated) {
  BERTH_ASSIGN(std::unique_ptr<Connection> writer, Connection::Open(path, /*read_only=*/false));
  BERTH_TRY(Migrate(*writer, path, on_migrated));
  return std::unique_ptr<MetadataStore>(new SqliteStore(path, std::move(writer)));
}

}  // namespace berth::meta::sqlite
