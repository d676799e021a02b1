#include "server/cli_support.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "meta/postgres/postgres_store.h"
#include "meta/sqlite/sqlite_store.h"

namespace berth::server {

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int Usage(std::string_view usage, const std::string& why) {
  std::fprintf(stderr, "berth: %s\n%.*s", why.c_str(), static_cast<int>(usage.size()), usage.data());
  return 2;
}

int Failed(std::string_view what, const Error& e) {
  std::fprintf(stderr, "berth: %.*s: %s\n", static_cast<int>(what.size()), what.data(), e.message().c_str());
  return 2;
}

Result<std::unique_ptr<meta::MetadataStore>> OpenMetadata(const std::string& data, const std::string& uri) {
  if (!uri.empty()) return meta::postgres::OpenPostgresStore(uri, nullptr);
  std::error_code ec;
  if (!std::filesystem::exists(data + "/meta.db", ec)) {
    return Fail(Code::kNotFound, data + " is not a Berth data directory (no meta.db); start Berth once, or give --meta");
  }
  return meta::sqlite::OpenSqliteStore(data + "/meta.db", nullptr);
}

}  // namespace berth::server
