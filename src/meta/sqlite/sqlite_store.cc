#include "meta/sqlite/sqlite_store.h"

#include <mutex>

#include "meta/sql/access_keys.inl"
#include "meta/sql/collector.inl"
#include "meta/sql/iam.inl"
#include "meta/sql/image_catalog.inl"
#include "meta/sql/leases.inl"
#include "meta/sql/lifecycle.inl"
#include "meta/sql/registry_index.inl"
#include "meta/sql/repository_admin.inl"
#include "meta/sql/store.h"
#include "meta/sql/uploads.inl"
#include "meta/sql/vulndb.inl"
#include "meta/sql/scans.inl"
#include "meta/sql/templates.inl"
#include "meta/sql/documents.inl"
#include "meta/sql/events.inl"
#include "meta/sqlite/connection.h"
#include "meta/sqlite/schema.h"

namespace berth::meta::sqlite {
namespace {

#define BERTH_SQLITE_IMAGE_SELECT                                           \
  BERTH_IMAGE_COLUMNS "(SELECT group_concat(name, char(10)) FROM "          \
                      "(SELECT name FROM tags WHERE manifest_id=m.id ORDER BY name)) "

// Rolls back unless Commit() was called, so every early return leaves the database unchanged.
class WriteTransaction {
 public:
  explicit WriteTransaction(Connection& conn) : conn_(conn) {}
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  ~WriteTransaction() {
    if (open_) (void)conn_.Exec("ROLLBACK");
  }
  Status Begin() {
    BERTH_TRY(conn_.Exec("BEGIN IMMEDIATE"));
    open_ = true;
    return {};
  }
  Status Commit() {
    BERTH_TRY(conn_.Exec("COMMIT"));
    open_ = false;
    return {};
  }

 private:
  Connection& conn_;
  bool open_ = false;
};

// One SQLite database in WAL mode: writers share one connection under a mutex (SQLite allows
// one writer at a time anyway) and commit with synchronous=FULL; readers take connections from
// a pool and never wait for the writer.
class SqliteDb {
 public:
  using Connection = sqlite::Connection;
  using Statement = sqlite::Statement;
  static constexpr const char* kListImages = BERTH_SQLITE_IMAGE_SELECT BERTH_IMAGES_AFTER;
  static constexpr const char* kFindImage = BERTH_SQLITE_IMAGE_SELECT BERTH_IMAGE_BY_DIGEST;
  static constexpr const char* kRecordPulls =
      "UPDATE manifests SET last_pulled_at=p.t FROM (SELECT value->>0 AS repo, value->>1 AS digest, "
      "value->>2 AS t FROM json_each(?)) AS p WHERE manifests.repo_id=p.repo AND manifests.digest=p.digest "
      "AND (manifests.last_pulled_at IS NULL OR manifests.last_pulled_at <= p.t - 86400)";

  // One process owns a SQLite database: there are no other nodes to tell.
  static Status Changed(Connection&, RepositoryId) { return {}; }

  SqliteDb(std::string path, std::unique_ptr<Connection> writer)
      : state_(std::make_unique<State>(std::move(path), std::move(writer))) {}

  template <class F>
  auto Write(F&& body) -> decltype(body(std::declval<Connection&>())) {
    std::lock_guard lock(state_->write_mu);
    WriteTransaction tx(*state_->writer);
    BERTH_TRY(tx.Begin());
    auto result = body(*state_->writer);
    if (!result) return result;
    BERTH_TRY(tx.Commit());
    return result;
  }

  // Runs `body` on a pooled read connection: each statement sees a consistent snapshot and
  // never waits for the writer (WAL).
  template <class F>
  auto Read(F&& body) -> decltype(body(std::declval<Connection&>())) {
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard lock(state_->read_mu);
      if (!state_->readers.empty()) {
        conn = std::move(state_->readers.back());
        state_->readers.pop_back();
      }
    }
    if (!conn) {
      BERTH_ASSIGN(conn, Connection::Open(state_->path, /*read_only=*/true));
    }
    auto result = body(*conn);
    std::lock_guard lock(state_->read_mu);
    if (state_->readers.size() < kMaxIdleReaders) state_->readers.push_back(std::move(conn));
    return result;
  }

 private:
  static constexpr size_t kMaxIdleReaders = 16;
  struct State {
    State(std::string p, std::unique_ptr<Connection> w) : path(std::move(p)), writer(std::move(w)) {}
    const std::string path;
    std::mutex write_mu;
    std::unique_ptr<Connection> writer;  // guarded by write_mu
    std::mutex read_mu;
    std::vector<std::unique_ptr<Connection>> readers;  // guarded by read_mu
  };
  std::unique_ptr<State> state_;  // movable into the store, mutexes and all
};

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
  return std::unique_ptr<MetadataStore>(
      new sql::SqlStore<SqliteDb>(SqliteDb(path, std::move(writer))));
}

}  // namespace berth::meta::sqlite
