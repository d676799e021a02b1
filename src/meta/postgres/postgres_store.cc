#include "meta/postgres/postgres_store.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <utility>
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
#include "meta/write_timings.h"
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
  static constexpr const char* kFindPulledImages =
      "SELECT m.id, max((e->>2)::bigint) FROM jsonb_array_elements(?::jsonb) e JOIN manifests m "
      "ON m.repo_id=(e->>0)::bigint AND m.digest=e->>1 GROUP BY m.id";
  static constexpr const char* kRecordPulls =
      "INSERT INTO pull_times AS pt(manifest_id, last_pulled_at) SELECT m.id, (e->>1)::bigint "
      "FROM jsonb_array_elements(?::jsonb) e JOIN manifests m ON m.id=(e->>0)::bigint "
      "ON CONFLICT(manifest_id) DO UPDATE SET last_pulled_at=excluded.last_pulled_at "
      "WHERE pt.last_pulled_at <= excluded.last_pulled_at - 86400";

  // Other nodes trust a lease's row: a renewal lost with the server's crash could let a second
  // node take the lease while its holder still runs the job.
  static constexpr WriteKind kLeaseWrites = WriteKind::kChange;

  PostgresDb(std::string uri, size_t max_connections)
      : pool_(std::make_unique<Pool>(std::move(uri), max_connections)) {}

  // Delivered to every listening node when the transaction commits, never if it rolls back.
  static Status Changed(Connection& c, RepositoryId repo) {
    // The channel is change_feed.h's kChangeChannel.
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT pg_notify('berth_changes', ?)"));
    return st.Bind(1, std::to_string(repo)).Run();
  }

  // Whether a transaction on any node waits for kWriteLock (a bigint advisory key shows as
  // classid 0, objid the key, objsubid 1). A failed look says yes: committing early is safe.
  static bool WritersWaiting(Connection& c) {
    auto st = c.Prepare(
        "SELECT count(*) FROM pg_locks WHERE locktype='advisory' AND classid=0 AND objid=7305001 "
        "AND objsubid=1 AND NOT granted");
    if (!st || !st->Step().value_or(false)) return true;
    return st->Int(0) > 0;
  }

  template <class F>
  auto Write(F&& body, WriteKind kind) -> decltype(body(std::declval<Connection&>())) {
    BERTH_ASSIGN(Lease lease, Begin());
    auto result = [&]() -> decltype(body(std::declval<Connection&>())) {
      if (kind == WriteKind::kBackground) {
        // Its COMMIT returns before the WAL is flushed (and so releases the write lock sooner):
        // the server's next flush, or the next synchronous commit, makes it durable. A crash of
        // the server may lose it, never corrupt it.
        BERTH_TRY(lease.conn().Exec("SET LOCAL synchronous_commit TO OFF"));
      }
      const auto asked = std::chrono::steady_clock::now();
      BERTH_ASSIGN(Statement lock, lease.conn().Prepare(kWriteLock));
      BERTH_TRY(lock.Run());
      ObserveSince(WriteLockWaits(kind), asked);
      return body(lease.conn());
    }();
    const auto ending = std::chrono::steady_clock::now();
    const Status ended = lease.conn().Exec(result ? "COMMIT" : "ROLLBACK");
    if (result && !ended) return std::unexpected(ended.error());
    if (result) ObserveSince(WriteCommits(kind), ending);
    return result;
  }

  template <class F>
  auto Read(F&& body) -> decltype(body(std::declval<Connection&>())) {
    BERTH_ASSIGN(Lease lease, pool_->Take());
    auto result = body(lease.conn());
    if (!result && lease.reused() && !lease.conn().healthy()) {
      // The server went away since this connection was last used (a restart): the others in
      // the pool are as dead. A read is safe to run again, on a new connection.
      lease = Lease();
      pool_->Clear();
      BERTH_ASSIGN(lease, pool_->Take());
      result = body(lease.conn());
    }
    return result;
  }

 private:
  class Pool;

  // A connection taken from the pool, given back when the lease ends (a dropped one is closed).
  class Lease {
   public:
    Lease() = default;
    Lease(Pool* pool, std::unique_ptr<Connection> conn, bool reused)
        : pool_(pool), conn_(std::move(conn)), reused_(reused) {}
    Lease(Lease&& other) noexcept { *this = std::move(other); }
    Lease& operator=(Lease&& other) noexcept {
      if (this != &other) {
        Return();
        pool_ = std::exchange(other.pool_, nullptr);
        conn_ = std::move(other.conn_);
        reused_ = other.reused_;
      }
      return *this;
    }
    ~Lease() { Return(); }
    Connection& conn() { return *conn_; }
    bool reused() const { return reused_; }

   private:
    void Return() {
      if (pool_) std::exchange(pool_, nullptr)->Give(std::move(conn_));
    }
    Pool* pool_ = nullptr;
    std::unique_ptr<Connection> conn_;
    bool reused_ = false;
  };

  // A connection in a transaction. BEGIN on a pooled connection that the server closed fails
  // before anything was written, so it is retried once on a new connection.
  Result<Lease> Begin() {
    BERTH_ASSIGN(Lease lease, pool_->Take());
    Status begun = lease.conn().Exec("BEGIN");
    if (!begun && lease.reused() && !lease.conn().healthy()) {
      lease = Lease();
      pool_->Clear();
      BERTH_ASSIGN(lease, pool_->Take());
      begun = lease.conn().Exec("BEGIN");
    }
    if (!begun) return std::unexpected(begun.error());
    return lease;
  }

  // At most max_open connections per node, so a cluster's nodes together stay within the
  // server's max_connections: a request past the bound waits for one to come back. A thread
  // that already holds one never waits (a nested take would otherwise wait on itself).
  class Pool {
   public:
    Pool(std::string uri, size_t max_open) : uri_(std::move(uri)), max_open_(std::max<size_t>(max_open, 1)) {}

    Result<Lease> Take() {
      {
        std::unique_lock lock(mu_);
        auto available = [&] { return !idle_.empty() || open_ < max_open_ || held_by_this_thread_ > 0; };
        if (!cv_.wait_for(lock, kMaxWait, available)) {
          return Fail(Code::kUnavailable, "all " + std::to_string(max_open_) +
                                              " PostgreSQL connections of this node stayed busy for " +
                                              std::to_string(kMaxWait.count()) + " s (--meta-connections)");
        }
        ++held_by_this_thread_;
        if (!idle_.empty()) {
          std::unique_ptr<Connection> conn = std::move(idle_.back());
          idle_.pop_back();
          return Lease(this, std::move(conn), true);
        }
        ++open_;
      }
      Result<std::unique_ptr<Connection>> conn = Connection::Open(uri_);
      if (!conn) {
        Forget();
        return std::unexpected(std::move(conn).error());
      }
      return Lease(this, *std::move(conn), false);
    }
    // A connection the server dropped is not kept: the next request connects again.
    void Give(std::unique_ptr<Connection> conn) {
      if (!conn || !conn->healthy()) {
        Forget();
        return;
      }
      {
        std::lock_guard lock(mu_);
        --held_by_this_thread_;
        idle_.push_back(std::move(conn));
      }
      cv_.notify_one();
    }
    void Clear() {
      {
        std::lock_guard lock(mu_);
        open_ -= idle_.size();
        idle_.clear();
      }
      cv_.notify_all();
    }

   private:
    // A connection that is gone: its place is free.
    void Forget() {
      {
        std::lock_guard lock(mu_);
        --held_by_this_thread_;
        --open_;
      }
      cv_.notify_one();
    }

    static constexpr std::chrono::seconds kMaxWait{10};
    static thread_local inline int held_by_this_thread_ = 0;
    const std::string uri_;
    const size_t max_open_;
    std::mutex mu_;
    std::condition_variable cv_;
    size_t open_ = 0;  // guarded by mu_: idle plus leased
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
                                                         const MigrationObserver& on_migrated,
                                                         size_t max_connections) {
  BERTH_ASSIGN(std::unique_ptr<Connection> conn, Connection::Open(uri));
  BERTH_TRY(Migrate(*conn, on_migrated));
  return std::unique_ptr<MetadataStore>(new sql::SqlStore<PostgresDb>(PostgresDb(uri, max_connections)));
}

}  // namespace berth::meta::postgres
