#include "meta/postgres/postgres_store.h"

#include <mutex>
#include <vector>

#include "meta/postgres/connection.h"
#include "meta/postgres/schema.h"
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

namespace berth::meta::postgres {
namespace {

#define BERTH_POSTGRES_IMAGE_SELECT \
  BERTH_IMAGE_COLUMNS               \
  "(SELECT string_agg(name, chr(10) ORDER BY name) FROM tags WHERE manifest_id=m.id) "

// Held by every write transaction: writers are serialised across all nodes, as SQLite's are.
constexpr const char* kWriteLock = "SELECT pg_advisory_xact_lock(7305001)";
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7305002)";

class PostgresDb {
 public:
  using Connection = postgres::Connection;
  using Statement = postgres::Statement;
  static constexpr const char* kListImages = BERTH_POSTGRES_IMAGE_SELECT BERTH_IMAGES_AFTER;
  static constexpr const char* kFindImage = BERTH_POSTGRES_IMAGE_SELECT BERTH_IMAGE_BY_DIGEST;
  static constexpr const char* kRecordPulls =
      "UPDATE manifests m SET last_pulled_at=p.t FROM (SELECT (e->>0)::bigint AS repo, e->>1 AS digest, "
      "(e->>2)::bigint AS t FROM jsonb_array_elements(?::jsonb) e) p WHERE m.repo_id=p.repo AND m.digest=p.digest "
      "AND (m.last_pulled_at IS NULL OR m.last_pulled_at <= p.t - 86400)";

  explicit PostgresDb(std::string uri) : pool_(std::make_unique<Pool>(std::move(uri))) {}

  // Delivered to every listening node when the transaction commits, never if it rolls back.
  static Status Changed(Connection& c, RepositoryId repo) {
    // The channel is change_feed.h's kChangeChannel.
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT pg_notify('berth_changes', ?)"));
    return st.Bind(1, std::to_string(repo)).Run();
  }

  template <class F>
  auto Write(F&& body) -> decltype(body(std::declval<Connection&>())) {
    BERTH_ASSIGN(std::unique_ptr<Connection> conn, Begin());
    auto result = [&]() -> decltype(body(std::declval<Connection&>())) {
      BERTH_ASSIGN(Statement lock, conn->Prepare(kWriteLock));
      BERTH_TRY(lock.Run());
      return body(*conn);
    }();
    const Status ended = conn->Exec(result ? "COMMIT" : "ROLLBACK");
    pool_->Give(std::move(conn));
    if (result && !ended) return std::unexpected(ended.error());
    return result;
  }

  template <class F>
  auto Read(F&& body) -> decltype(body(std::declval<Connection&>())) {
    Pool::Taken taken;
    BERTH_ASSIGN(taken, pool_->Take());
    auto result = body(*taken.conn);
    if (!result && taken.reused && !taken.conn->healthy()) {
      // The server went away since this connection was last used (a restart): the others in
      // the pool are as dead. A read is safe to run again, on a new connection.
      pool_->Clear();
      BERTH_ASSIGN(taken, pool_->Take());
      result = body(*taken.conn);
    }
    pool_->Give(std::move(taken.conn));
    return result;
  }

 private:
  // A connection in a transaction. BEGIN on a pooled connection that the server closed fails
  // before anything was written, so it is retried once on a new connection.
  Result<std::unique_ptr<Connection>> Begin() {
    BERTH_ASSIGN(Pool::Taken taken, pool_->Take());
    Status begun = taken.conn->Exec("BEGIN");
    if (!begun && taken.reused && !taken.conn->healthy()) {
      pool_->Clear();
      BERTH_ASSIGN(taken, pool_->Take());
      begun = taken.conn->Exec("BEGIN");
    }
    if (!begun) return std::unexpected(begun.error());
    return std::move(taken.conn);
  }

  class Pool {
   public:
    explicit Pool(std::string uri) : uri_(std::move(uri)) {}
    struct Taken {
      std::unique_ptr<Connection> conn;
      bool reused = false;
    };
    Result<Taken> Take() {
      {
        std::lock_guard lock(mu_);
        if (!idle_.empty()) {
          std::unique_ptr<Connection> conn = std::move(idle_.back());
          idle_.pop_back();
          return Taken{std::move(conn), true};
        }
      }
      BERTH_ASSIGN(std::unique_ptr<Connection> conn, Connection::Open(uri_));
      return Taken{std::move(conn), false};
    }
    // A connection the server dropped is not kept: the next request connects again.
    void Give(std::unique_ptr<Connection> conn) {
      if (!conn->healthy()) return;
      std::lock_guard lock(mu_);
      if (idle_.size() < kMaxIdle) idle_.push_back(std::move(conn));
    }
    void Clear() {
      std::lock_guard lock(mu_);
      idle_.clear();
    }

   private:
    static constexpr size_t kMaxIdle = 16;
    const std::string uri_;
    std::mutex mu_;
    std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  };
  std::unique_ptr<Pool> pool_;
};

Result<int64_t> SchemaVersion(Connection& c) {
  BERTH_ASSIGN(Statement st, c.Prepare("SELECT coalesce(max(version), 0) FROM berth_schema"));
  BERTH_ASSIGN(bool row, st.Step());
  return row ? st.Int(0) : 0;
}

Status Migrate(Connection& c, const MigrationObserver& on_migrated) {
  BERTH_TRY(c.Exec("CREATE TABLE IF NOT EXISTS berth_schema(version INT NOT NULL)"));
  for (;;) {
    BERTH_TRY(c.Exec("BEGIN"));
    // The version one migration brought the database to, or 0 when it is current.
    auto step = [&]() -> Result<int64_t> {
      BERTH_ASSIGN(Statement lock, c.Prepare(kMigrationLock));
      BERTH_TRY(lock.Run());
      BERTH_ASSIGN(int64_t current, SchemaVersion(c));
      if (current > static_cast<int64_t>(kMigrations.size())) {
        return Fail(Code::kFailedPrecondition,
                    "the PostgreSQL database was written by a newer Berth (schema version " +
                        std::to_string(current) + "; this build knows versions up to " +
                        std::to_string(kMigrations.size()) + "). It is unchanged: run that Berth or a later one");
      }
      if (current == static_cast<int64_t>(kMigrations.size())) return 0;
      const Migration& m = kMigrations[static_cast<size_t>(current)];
      if (Status s = c.Exec(m.sql); !s) {
        return Fail(s.error().code(), "schema migration " + std::to_string(current + 1) + " (" +
                                          m.description + ") failed: " + s.error().message());
      }
      BERTH_ASSIGN(Statement record, c.Prepare("INSERT INTO berth_schema(version) VALUES(?)"));
      BERTH_TRY(record.Bind(1, current + 1).Run());
      return current + 1;
    };
    Result<int64_t> applied = step();
    if (!applied) {
      (void)c.Exec("ROLLBACK");
      return std::unexpected(std::move(applied).error());
    }
    BERTH_TRY(c.Exec("COMMIT"));
    if (*applied == 0) return {};
    if (on_migrated) on_migrated(static_cast<int>(*applied), kMigrations[static_cast<size_t>(*applied - 1)].description);
  }
}

}  // namespace

int CurrentSchemaVersion() { return static_cast<int>(kMigrations.size()); }

Result<std::unique_ptr<MetadataStore>> OpenPostgresStore(const std::string& uri,
                                                         const MigrationObserver& on_migrated) {
  BERTH_ASSIGN(std::unique_ptr<Connection> conn, Connection::Open(uri));
  BERTH_TRY(Migrate(*conn, on_migrated));
  return std::unique_ptr<MetadataStore>(new sql::SqlStore<PostgresDb>(PostgresDb(uri)));
}

}  // namespace berth::meta::postgres
