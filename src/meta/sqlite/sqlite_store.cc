#include "meta/sqlite/sqlite_store.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
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
#include "meta/write_timings.h"
#include "meta/sql/scans.inl"
#include "meta/sql/templates.inl"
#include "meta/sql/documents.inl"
#include "meta/sql/events.inl"
#include "meta/sqlite/checkpointer.h"
#include "meta/sqlite/connection.h"
#include "meta/sqlite/schema.h"

namespace berth::meta::sqlite {
namespace {

#define BERTH_SQLITE_IMAGE_SELECT                                           \
  BERTH_IMAGE_COLUMNS "(SELECT group_concat(name, char(10)) FROM "          \
                      "(SELECT name FROM tags WHERE manifest_id=m.id ORDER BY name)) "

// One SQLite database in WAL mode: writers share one connection (SQLite allows one writer at a
// time anyway) and commit with synchronous=FULL; readers take connections from a pool and never
// wait for the writer.
//
// Group commit: writers that queue while one commits join one transaction, each body inside a
// savepoint of its own (a body that fails rolls back to it and changes nothing), and the last
// of them commits for all: one fsync for the group, and no one learns its write succeeded
// before the group is on disk. A group closes when no writer waits, or at kMaxGroup bodies or
// kMaxGroupTime, so a steady stream of writers cannot hold it open. A lone writer commits at
// once, as before.
//
// Background writes (WriteKind::kBackground: pull times, event pruning, lease renewals;
// nobody waits for them to be durable) commit without an fsync. A change does not join such a group: it commits
// the group first, so a change waits behind at most one background statement, never behind a
// background fsync.
class SqliteDb {
 public:
  using Connection = sqlite::Connection;
  using Statement = sqlite::Statement;
  static constexpr const char* kListImages = BERTH_SQLITE_IMAGE_SELECT BERTH_IMAGES_AFTER;
  static constexpr const char* kFindImage = BERTH_SQLITE_IMAGE_SELECT BERTH_IMAGE_BY_DIGEST;
  // [[repo, digest, time], ...] -> (manifest id, latest time) of those that exist.
  static constexpr const char* kFindPulledImages =
      "SELECT m.id, max(value->>2) FROM json_each(?) JOIN manifests m ON m.repo_id=value->>0 AND "
      "m.digest=value->>1 GROUP BY m.id";
  // [[manifest id, time], ...]; the join skips an image deleted since it was found.
  static constexpr const char* kRecordPulls =
      "INSERT INTO pull_times(manifest_id, last_pulled_at) SELECT m.id, value->>1 FROM json_each(?) "
      "JOIN manifests m ON m.id=value->>0 WHERE true "
      "ON CONFLICT(manifest_id) DO UPDATE SET last_pulled_at=excluded.last_pulled_at "
      "WHERE pull_times.last_pulled_at <= excluded.last_pulled_at - 86400";

  // One process owns a SQLite database: there are no other nodes to tell.
  static Status Changed(Connection&, RepositoryId) { return {}; }
  // A lease renewal (once a second per job) need not wait for the disk: a power loss that could
  // lose it also stops every process that could hold the lease.
  static constexpr WriteKind kLeaseWrites = WriteKind::kBackground;

  SqliteDb(std::string path, std::unique_ptr<Connection> writer, std::unique_ptr<Checkpointer> checkpointer)
      : state_(std::make_unique<State>(std::move(path), std::move(writer))) {
    state_->checkpointer = std::move(checkpointer);
  }

  template <class F>
  auto Write(F&& body, WriteKind kind) -> decltype(body(std::declval<Connection&>())) {
    State& st = *state_;
    const auto asked = std::chrono::steady_clock::now();
    st.queued.fetch_add(1);
    std::unique_lock lock(st.write_mu);
    st.queued.fetch_sub(1);
    ObserveSince(WriteLockWaits(kind), asked);
    Connection& c = *st.writer;
    const bool durable = kind == WriteKind::kChange;
    if (st.group != 0 && durable && !st.synchronous_full) {
      // A change never joins a group that commits without an fsync: that group commits now (no
      // fsync: well under a millisecond) and the change begins its own.
      (void)Commit(st, c);
    }
    if (st.group == 0) {
      if (durable != st.synchronous_full) {
        // Not allowed inside a transaction, hence per group. NORMAL in WAL mode: a commit is
        // safe from a crash of this process at once, and on disk at the next checkpoint or the
        // next FULL commit (one fsync of the log covers every frame before it).
        BERTH_TRY(c.Exec(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"));
        st.synchronous_full = durable;
      }
      BERTH_TRY(c.Exec("BEGIN IMMEDIATE"));
      st.group = ++st.groups_begun;
      st.group_bodies = 0;
      st.group_began = std::chrono::steady_clock::now();
    }
    const uint64_t mine = st.group;
    BERTH_TRY(EndGroupIfFailed(st, c.Exec("SAVEPOINT body")));
    auto result = body(c);
    if (!result && !c.InTransaction()) {
      // The error took the whole transaction with it: every body of the group failed.
      (void)EndGroupIfFailed(st, Status(std::unexpected(result.error())));
      return result;
    }
    BERTH_TRY(EndGroupIfFailed(st, c.Exec(result ? "RELEASE body" : "ROLLBACK TO body; RELEASE body")));
    ++st.group_bodies;
    const bool last = st.queued.load() == 0 || st.group_bodies >= kMaxGroup ||
                      std::chrono::steady_clock::now() - st.group_began >= kMaxGroupTime;
    if (last) {
      if (Status committed = Commit(st, c); !committed) return std::unexpected(committed.error());
      return result;
    }
    lock.unlock();
    if (!result) return result;  // its own changes are undone; the group goes on without it
    if (Status outcome = AwaitGroup(st, mine); !outcome) return std::unexpected(outcome.error());
    return result;
  }

  bool WritersWaiting(Connection&) const { return state_->queued.load() > 0; }

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
  static constexpr int kMaxGroup = 64;
  static constexpr std::chrono::milliseconds kMaxGroupTime{5};
  struct State {
    State(std::string p, std::unique_ptr<Connection> w) : path(std::move(p)), writer(std::move(w)) {}
    const std::string path;
    std::atomic<int> queued{0};  // writers waiting for write_mu
    std::mutex write_mu;
    std::unique_ptr<Connection> writer;  // guarded by write_mu
    std::unique_ptr<Checkpointer> checkpointer;  // after the writer: stops before it closes
    uint64_t group = 0;                  // the open group's number, 0 when none; guarded by write_mu
    uint64_t groups_begun = 0;           // guarded by write_mu
    int group_bodies = 0;                // guarded by write_mu
    std::chrono::steady_clock::time_point group_began;  // guarded by write_mu
    // The writer's PRAGMA synchronous (opened FULL), set as each group begins: whether the open
    // group commits with an fsync. Guarded by write_mu.
    bool synchronous_full = true;
    std::mutex done_mu;
    std::condition_variable done_cv;
    uint64_t groups_done = 0;                   // guarded by done_mu: groups end in order
    std::map<uint64_t, Error> failed_groups;  // guarded by done_mu: the recent ones
    std::mutex read_mu;
    std::vector<std::unique_ptr<Connection>> readers;  // guarded by read_mu
  };

  // REQUIRES: write_mu held and a group open. Commits it and tells its waiters the outcome.
  static Status Commit(State& st, Connection& c) {
    const auto committing = std::chrono::steady_clock::now();
    Status committed = c.Exec("COMMIT");
    if (committed) {
      ObserveSince(WriteCommits(st.synchronous_full ? WriteKind::kChange : WriteKind::kBackground), committing);
    }
    if (!committed && c.InTransaction()) (void)c.Exec("ROLLBACK");
    Finish(st, st.group, committed);
    return committed;
  }

  // REQUIRES: write_mu held and a group open. Ends it with `outcome` and tells its waiters.
  static void Finish(State& st, uint64_t group, const Status& outcome) {
    st.group = 0;
    std::lock_guard done(st.done_mu);
    st.groups_done = group;
    if (!outcome) {
      st.failed_groups.emplace(group, outcome.error());
      while (st.failed_groups.size() > 1024) st.failed_groups.erase(st.failed_groups.begin());
    }
    st.done_cv.notify_all();
  }

  // REQUIRES: write_mu held and a group open. A failed step inside the group fails all of it
  // (what it wrote is rolled back), so its waiters hear of it.
  static Status EndGroupIfFailed(State& st, Status s) {
    if (s) return s;
    if (st.writer->InTransaction()) (void)st.writer->Exec("ROLLBACK");
    Finish(st, st.group, s);
    return s;
  }

  static Status AwaitGroup(State& st, uint64_t group) {
    std::unique_lock done(st.done_mu);
    st.done_cv.wait(done, [&] { return st.groups_done >= group; });
    if (auto it = st.failed_groups.find(group); it != st.failed_groups.end()) {
      return Fail(it->second.code(), "the transaction this change was committed with failed: " + it->second.message());
    }
    return {};
  }

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
  // An existing database is upgraded one migration per transaction, so a failure leaves it at
  // the last version that ran. A new one gets them all in one transaction, and a failure leaves
  // it empty: one fsync where one per migration was most of a new node's start (ADR 0010 step 30).
  // Each is reported once its transaction has committed.
  auto apply = [&](size_t first, size_t last) -> Status {
    BERTH_TRY(c.Exec("BEGIN IMMEDIATE"));
    for (size_t i = first; i < last; ++i) {
      std::string sql = std::string(kMigrations[i].sql) + "; PRAGMA user_version=" + std::to_string(i + 1);
      if (Status s = c.Exec(sql.c_str()); !s) {
        (void)c.Exec("ROLLBACK");
        return Fail(s.error().code(), "schema migration " + std::to_string(i + 1) + " (" +
                                          kMigrations[i].description + ") failed: " + s.error().message());
      }
    }
    BERTH_TRY(c.Exec("COMMIT"));
    for (size_t i = first; i < last && on_migrated; ++i) on_migrated(static_cast<int>(i + 1), kMigrations[i].description);
    return {};
  };
  if (current == 0) return apply(0, kMigrations.size());
  for (size_t i = static_cast<size_t>(current); i < kMigrations.size(); ++i) BERTH_TRY(apply(i, i + 1));
  return {};
}

}  // namespace

int CurrentSchemaVersion() { return static_cast<int>(kMigrations.size()); }

Result<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::string& path,
                                                       const MigrationObserver& on_migrated) {
  BERTH_ASSIGN(std::unique_ptr<Connection> writer, Connection::Open(path, /*read_only=*/false));
  BERTH_TRY(Migrate(*writer, path, on_migrated));
  BERTH_ASSIGN(std::unique_ptr<Checkpointer> checkpointer, Checkpointer::Start(path, *writer));
  return std::unique_ptr<MetadataStore>(
      new sql::SqlStore<SqliteDb>(SqliteDb(path, std::move(writer), std::move(checkpointer))));
}

}  // namespace berth::meta::sqlite
