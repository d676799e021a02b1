#include "meta/sqlite/connection.h"

namespace berth::meta::sqlite {

std::unexpected<Error> SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": " + sqlite3_errstr(rc);
  if (db != nullptr) message += std::string(" (") + sqlite3_errmsg(db) + ")";
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    // Every foreign key in the schema hangs off a repository row or off a row written earlier in
    // the same transaction, so a failed one means the repository was deleted after the caller
    // looked it up (a push racing DeleteRepository).
    return Fail(Code::kNotFound, "the repository was deleted while the request ran", "NAME_UNKNOWN");
  }
  int primary = rc & 0xff;
  Code code = (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) ? Code::kUnavailable
              : primary == SQLITE_CONSTRAINT                       ? Code::kAlreadyExists
                                                                   : Code::kInternal;
  return Fail(code, std::move(message));
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(sqlite3_db_handle(stmt_), rc, "sqlite step");
}

Status Statement::Run() {
  Result<bool> r = Step();
  if (!r) return std::unexpected(std::move(r).error());
  return {};
}

std::string Statement::Text(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool read_only) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY
                                               : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    auto err = SqliteError(db, rc, "open " + path);
    sqlite3_close(db);
    return err;
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_busy_timeout(db, 10000);
  sqlite3_extended_result_codes(db, 1);  // tells a foreign-key failure from other constraints
  // FULL: a commit is on disk before the client hears success, even across power loss.
  BERTH_TRY(conn->Exec(read_only ? "PRAGMA foreign_keys=ON"
                                 : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                                   "PRAGMA foreign_keys=ON"));
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status Connection::Exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message != nullptr ? message : "";
    sqlite3_free(message);
    return SqliteError(db_, rc, std::string("exec: ") + text);
  }
  return {};
}

Result<Statement> Connection::Prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, std::string("prepare: ") + sql);
    it = statements_.emplace(sql, stmt).first;
  }
  return Statement(it->second);
}

}  // namespace berth::meta::sqlite
