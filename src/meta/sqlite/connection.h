// meta/sqlite/connection.h
//
// A thin RAII layer over one sqlite3 connection and its cached prepared statements, turning
// SQLite result codes into Errors. It is not a general database API: it holds exactly what the
// store needs.
//
// Not thread-safe: one connection is used by one thread at a time (the store's pools see to it).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "base/error.h"

namespace berth::meta::sqlite {

// A prepared statement being executed; resets itself when destroyed so it can be reused.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&&) = delete;
  ~Statement() {
    if (stmt_ == nullptr) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  Statement& Bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  // An empty text binds '' even when its view has no data pointer (SQLite would bind NULL).
  Statement& Bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data() != nullptr ? text.data() : "", static_cast<int>(text.size()),
                      SQLITE_STATIC);
    return *this;
  }
  Statement& BindBlob(int index, std::string_view bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
    return *this;
  }
  Statement& BindNull(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
  }

  // True while a row is available; false when done.
  Result<bool> Step();
  // Runs a statement that returns no rows.
  Status Run();

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string Text(int column) const;
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens (creating if needed) the database at `path` with WAL and the store's pragmas.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  Status Exec(const char* sql);
  // A cached prepared statement for `sql`, which must be a string literal (cached by address).
  Result<Statement> Prepare(const char* sql);
  int64_t Changes() const { return sqlite3_changes64(db_); }
  // Whether a transaction is open (an I/O error or a full disk rolls one back by itself).
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  // For SQLite APIs the layer does not wrap (the online backup).
  sqlite3* handle() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

std::unexpected<Error> SqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace berth::meta::sqlite
