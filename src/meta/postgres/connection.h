// meta/postgres/connection.h
//
// A thin RAII layer over one libpq connection, shaped like meta/sqlite/connection.h (Prepare,
// Bind, Step, Int, Text, Changes) so the store's SQL reads the same on both engines. Statements
// are written with SQLite's `?` placeholders; Prepare numbers them `$1..$n` once per connection
// and keeps the server-side prepared statement. Parameters travel as text, byte strings
// (BindBlob) as binary; results come back as text, `bytea` columns unescaped by Text().
//
// Not thread-safe: one connection is used by one thread at a time (the store's pool sees to it).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/error.h"

namespace berth::meta::postgres {

class Connection;

// A prepared statement being executed: binds, then runs on the first Step().
class Statement {
 public:
  Statement(Connection& conn, const std::string& name, int params)
      : conn_(&conn), name_(&name), values_(static_cast<size_t>(params)),
        null_(static_cast<size_t>(params), true), binary_(static_cast<size_t>(params), 0) {}
  Statement(Statement&& other) noexcept
      : conn_(other.conn_), name_(other.name_), values_(std::move(other.values_)),
        null_(std::move(other.null_)), binary_(std::move(other.binary_)),
        result_(std::exchange(other.result_, nullptr)), row_(other.row_) {}
  Statement& operator=(Statement&&) = delete;
  ~Statement() {
    if (result_ != nullptr) PQclear(result_);
  }

  Statement& Bind(int index, int64_t value) { return Set(index, std::to_string(value), false); }
  Statement& Bind(int index, std::string_view text) { return Set(index, std::string(text), false); }
  Statement& BindBlob(int index, std::string_view bytes) { return Set(index, std::string(bytes), true); }
  Statement& BindNull(int index) {
    null_[static_cast<size_t>(index - 1)] = true;
    return *this;
  }

  // True while a row is available; false when done.
  Result<bool> Step();
  Status Run();

  int64_t Int(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const { return PQgetisnull(result_, row_, column) != 0; }

 private:
  Statement& Set(int index, std::string value, bool binary) {
    const auto i = static_cast<size_t>(index - 1);
    values_[i] = std::move(value);
    null_[i] = false;
    binary_[i] = binary ? 1 : 0;
    return *this;
  }

  Connection* conn_;
  const std::string* name_;
  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<int> binary_;
  PGresult* result_ = nullptr;
  int row_ = -1;
};

class Connection {
 public:
  // Connects with a libpq connection string or postgres:// URI.
  static Result<std::unique_ptr<Connection>> Open(const std::string& uri);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more statements without parameters.
  Status Exec(const char* sql);
  // A prepared statement for `sql`, which must be a string literal (cached by address).
  Result<Statement> Prepare(const char* sql);
  // Rows changed by the last statement that ran on this connection.
  int64_t Changes() const { return changes_; }
  // False once the server went away; the pool drops such connections.
  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

 private:
  friend class Statement;
  explicit Connection(PGconn* conn) : conn_(conn) {}
  struct Prepared {
    std::string name;
    int params;
  };
  PGconn* conn_;
  std::unordered_map<const char*, Prepared> statements_;
  int64_t changes_ = 0;
};

// `sql` with each `?` outside quotes replaced by $1, $2, ...; `params` gets their count.
std::string NumberPlaceholders(std::string_view sql, int& params);

// The Error for a failed result: SQLSTATE 23503 (a foreign key) is NAME_UNKNOWN as on SQLite
// (the repository was deleted meanwhile), 23505 kAlreadyExists, serialization failures,
// deadlocks and lost connections kUnavailable, the rest kInternal.
std::unexpected<Error> PostgresError(PGconn* conn, const PGresult* result, std::string_view what);

}  // namespace berth::meta::postgres
