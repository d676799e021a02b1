#include "meta/sqlite/backup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "meta/sqlite/connection.h"
#include "meta/sqlite/sqlite_store.h"

namespace berth::meta::sqlite {
namespace {

Result<int64_t> QueryInt(Connection& c, const char* sql) {
  BERTH_ASSIGN(Statement s, c.Prepare(sql));
  BERTH_ASSIGN(bool row, s.Step());
  return row ? s.Int(0) : 0;
}

Status CopyPages(Connection& from, Connection& to) {
  sqlite3_backup* backup = sqlite3_backup_init(to.handle(), "main", from.handle(), "main");
  if (backup == nullptr) return SqliteError(to.handle(), sqlite3_errcode(to.handle()), "backup init");
  int rc;
  // All pages in one step: one read transaction, hence one consistent snapshot. A writer holding
  // a lock at that instant (checkpoint, schema change) is waited out briefly.
  for (int attempt = 0;; ++attempt) {
    rc = sqlite3_backup_step(backup, -1);
    if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const int finish = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return SqliteError(to.handle(), rc, "backup step");
  if (finish != SQLITE_OK) return SqliteError(to.handle(), finish, "backup finish");
  return {};
}

}  // namespace

Result<DatabaseSnapshot> SnapshotDatabase(const std::string& source, const std::string& dest) {
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) return Fail(Code::kNotFound, "no metadata database at " + source);
  if (::access(dest.c_str(), F_OK) == 0) return Fail(Code::kAlreadyExists, dest + " already exists");
  BERTH_ASSIGN(std::unique_ptr<Connection> from, Connection::Open(source, /*read_only=*/false));
  BERTH_ASSIGN(int64_t version, QueryInt(*from, "PRAGMA user_version"));
  if (version > CurrentSchemaVersion()) {
    return Fail(Code::kFailedPrecondition,
                source + " was written by a newer Berth (schema version " + std::to_string(version) +
                    "); back it up with that Berth");
  }
  {
    BERTH_ASSIGN(std::unique_ptr<Connection> to, Connection::Open(dest, /*read_only=*/false));
    BERTH_TRY(CopyPages(*from, *to));
  }
  from.reset();

  // The copy, reopened as the store opens it (WAL, synchronous=FULL): trimmed, counted, and
  // checkpointed into its one file when the connection closes.
  BERTH_ASSIGN(std::unique_ptr<Connection> copy, Connection::Open(dest, /*read_only=*/false));
  DatabaseSnapshot snapshot;
  BERTH_ASSIGN(snapshot.dropped_uploads, QueryInt(*copy, "SELECT count(*) FROM uploads"));
  BERTH_TRY(copy->Exec("DELETE FROM uploads"));
  BERTH_ASSIGN(snapshot.repositories, QueryInt(*copy, "SELECT count(*) FROM repositories"));
  BERTH_ASSIGN(snapshot.manifests, QueryInt(*copy, "SELECT count(*) FROM manifests"));
  {
    BERTH_ASSIGN(Statement blobs, copy->Prepare("SELECT digest FROM blobs"));
    while (true) {
      BERTH_ASSIGN(bool row, blobs.Step());
      if (!row) break;
      BERTH_ASSIGN(oci::Digest digest, oci::Digest::Parse(blobs.Text(0)));
      snapshot.blobs.push_back(std::move(digest));
    }
  }
  BERTH_TRY(copy->Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  return snapshot;
}

}  // namespace berth::meta::sqlite
