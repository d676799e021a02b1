#include "meta/postgres/connection.h"

#include <atomic>
#include <cstdlib>

#include "meta/postgres/postgres_store.h"

namespace berth::meta::postgres {

namespace {
std::atomic<uint64_t> queries_run{0};
void CountQuery() { queries_run.fetch_add(1, std::memory_order_relaxed); }
}  // namespace

uint64_t QueriesRun() { return queries_run.load(std::memory_order_relaxed); }

std::string NumberPlaceholders(std::string_view sql, int& params) {
  std::string out;
  out.reserve(sql.size() + 16);
  params = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;
      out.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (c == '?') {
      out += "$" + std::to_string(++params);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::unexpected<Error> PostgresError(PGconn* conn, const PGresult* result, std::string_view what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state != nullptr ? state : "";
  std::string message = std::string(what) + ": " +
                        (result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn));
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (sqlstate == "23503") {
    // Every foreign key hangs off a repository row or a row written earlier in the same
    // transaction: a failed one means the repository was deleted after the caller looked it up.
    return Fail(Code::kNotFound, "the repository was deleted while the request ran", "NAME_UNKNOWN");
  }
  Code code = Code::kInternal;
  if (sqlstate == "22021") {
    // Bytes that are not UTF-8 in a text parameter: the client's input, which SQLite would
    // simply have matched against nothing. Callers keep such input away; this is the net.
    return Fail(Code::kInvalidArgument, "the request holds bytes that are not UTF-8 text");
  }
  if (sqlstate == "23505") {
    code = Code::kAlreadyExists;
  } else if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate.starts_with("08") ||
             sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03" ||
             PQstatus(conn) != CONNECTION_OK) {
    code = Code::kUnavailable;
  }
  return Fail(code, std::move(message));
}

Result<bool> Statement::Step() {
  if (result_ == nullptr) {
    std::vector<const char*> values(values_.size());
    std::vector<int> lengths(values_.size());
    for (size_t i = 0; i < values_.size(); ++i) {
      values[i] = null_[i] ? nullptr : values_[i].data();
      lengths[i] = static_cast<int>(values_[i].size());
    }
    CountQuery();
    result_ = PQexecPrepared(conn_->conn_, name_->c_str(), static_cast<int>(values.size()),
                             values.data(), lengths.data(), binary_.data(), /*resultFormat=*/0);
    const ExecStatusType status = PQresultStatus(result_);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      auto error = PostgresError(conn_->conn_, result_, "postgres statement");
      PQclear(result_);
      result_ = nullptr;
      return error;
    }
    const char* changed = PQcmdTuples(result_);
    conn_->changes_ = (changed != nullptr && *changed != '\0') ? std::strtoll(changed, nullptr, 10) : 0;
  }
  ++row_;
  return row_ < PQntuples(result_);
}

Status Statement::Run() {
  Result<bool> r = Step();
  if (!r) return std::unexpected(std::move(r).error());
  return {};
}

int64_t Statement::Int(int column) const {
  return std::strtoll(PQgetvalue(result_, row_, column), nullptr, 10);
}

std::string Statement::Text(int column) const {
  const char* value = PQgetvalue(result_, row_, column);
  constexpr Oid kByteaOid = 17;
  if (PQftype(result_, column) != kByteaOid) {
    return std::string(value, static_cast<size_t>(PQgetlength(result_, row_, column)));
  }
  size_t length = 0;
  unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(value), &length);
  if (bytes == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(bytes), length);
  PQfreemem(bytes);
  return out;
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& uri) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Fail(Code::kUnavailable, "cannot connect to PostgreSQL: " + message);
  }
  return std::unique_ptr<Connection>(new Connection(conn));
}

Connection::~Connection() { PQfinish(conn_); }

Status Connection::Exec(const char* sql) {
  CountQuery();
  PGresult* result = PQexec(conn_, sql);
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    auto error = PostgresError(conn_, result, std::string("exec: ") + sql);
    PQclear(result);
    return error;
  }
  PQclear(result);
  return {};
}

Result<Statement> Connection::Prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    int params = 0;
    const std::string text = NumberPlaceholders(sql, params);
    Prepared prepared{.name = "s" + std::to_string(statements_.size()), .params = params};
    PGresult* result = PQprepare(conn_, prepared.name.c_str(), text.c_str(), 0, nullptr);
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
      auto error = PostgresError(conn_, result, std::string("prepare: ") + sql);
      PQclear(result);
      return error;
    }
    PQclear(result);
    it = statements_.emplace(sql, std::move(prepared)).first;
  }
  return Statement(*this, it->second.name, it->second.params);
}

}  // namespace berth::meta::postgres
