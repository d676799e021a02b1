#include "server/vulndb_cli.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>

#include "meta/postgres/postgres_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "scan/osv.h"
#include "scan/osv_source.h"

namespace berth::server {
namespace {

constexpr size_t kBatch = 500;
constexpr int kShownRefusals = 10;

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int Usage(const std::string& why) {
  std::fprintf(stderr, "berth: %s\n%s", why.c_str(), kVulnDbUsage.data());
  return 2;
}

int Failed(const char* what, const Error& e) {
  std::fprintf(stderr, "berth vulndb: %s: %s\n", what, e.message().c_str());
  return 2;
}

Result<std::unique_ptr<meta::MetadataStore>> OpenStore(const std::string& data, const std::string& uri) {
  if (!uri.empty()) return meta::postgres::OpenPostgresStore(uri, nullptr);
  std::error_code ec;
  if (!std::filesystem::exists(data + "/meta.db", ec))
    return Fail(Code::kNotFound, data + " is not a Berth data directory (no meta.db); start Berth once, or give --meta");
  return meta::sqlite::OpenSqliteStore(data + "/meta.db", nullptr);
}

std::string Rfc3339(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int Import(meta::MetadataStore& store, const std::vector<std::string>& paths) {
  Result<meta::VulnDbState> before = store.GetVulnDbState();
  if (!before) return Failed("reading the database state", before.error());
  const int64_t version = before->version + 1;  // every batch of this import belongs to it
  std::vector<meta::AdvisoryRow> batch;
  int64_t seen = 0, changed = 0, refused = 0;
  auto flush = [&]() -> Status {
    if (batch.empty()) return {};
    BERTH_ASSIGN(int64_t n, store.PutAdvisories(batch, version, Now()));
    changed += n;
    batch.clear();
    return {};
  };
  for (const std::string& path : paths) {
    Status walked = scan::ForEachOsvDocument(path, [&](const std::string& name, std::string_view json) -> Status {
      Result<scan::Advisory> advisory = scan::ParseOsv(json);
      if (!advisory) {
        if (++refused <= kShownRefusals) std::fprintf(stderr, "berth vulndb: refused %s: %s\n", name.c_str(), advisory.error().message().c_str());
        return {};
      }
      meta::AdvisoryRow row{.id = advisory->id, .modified = advisory->modified, .document = std::string(json), .packages = {}};
      for (const auto& affected : advisory->affected) row.packages.emplace_back(affected.ecosystem, affected.package);
      batch.push_back(std::move(row));
      ++seen;
      if (batch.size() >= kBatch) return flush();
      return {};
    });
    if (!walked) return Failed(("reading " + path).c_str(), walked.error());
  }
  if (Status s = flush(); !s) return Failed("storing advisories", s.error());
  Result<meta::VulnDbState> state = store.GetVulnDbState();
  if (!state) return Failed("reading the database state", state.error());
  std::printf("imported %lld advisories: %lld new or changed, %lld refused; database version %lld, %lld advisories\n",
              static_cast<long long>(seen), static_cast<long long>(changed), static_cast<long long>(refused),
              static_cast<long long>(state->version), static_cast<long long>(state->advisories));
  return refused > 0 ? 1 : 0;
}

int Status_(meta::MetadataStore& store) {
  Result<meta::VulnDbState> state = store.GetVulnDbState();
  if (!state) return Failed("reading the database state", state.error());
  if (state->version == 0) {
    std::printf("no advisories imported yet (berth vulndb import PATH...)\n");
    return 0;
  }
  int64_t age = Now() - state->updated_at;
  std::printf("version %lld, %lld advisories, updated %s (%lld h %lld min ago)\n", static_cast<long long>(state->version),
              static_cast<long long>(state->advisories), Rfc3339(state->updated_at).c_str(),
              static_cast<long long>(age / 3600), static_cast<long long>(age % 3600 / 60));
  return 0;
}

}  // namespace

int RunVulnDb(const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "import" && args[0] != "status")) return Usage("vulndb wants import or status");
  std::string data = "./data", uri;
  std::vector<std::string> paths;
  for (size_t i = 1; i < args.size(); ++i) {
    if ((args[i] == "--data" || args[i] == "--meta") && i + 1 < args.size()) {
      (args[i] == "--data" ? data : uri) = args[i + 1];
      ++i;
    } else if (args[i].starts_with("--")) {
      return Usage("unknown option " + args[i]);
    } else {
      paths.push_back(args[i]);
    }
  }
  if (!uri.empty() && !uri.starts_with("postgres://") && !uri.starts_with("postgresql://"))
    return Usage("--meta wants a postgres:// or postgresql:// URI");
  if (args[0] == "import" && paths.empty()) return Usage("import wants at least one PATH");
  if (args[0] == "status" && !paths.empty()) return Usage("status takes no PATH");
  Result<std::unique_ptr<meta::MetadataStore>> store = OpenStore(data, uri);
  if (!store) return Failed("opening the metadata store", store.error());
  return args[0] == "import" ? Import(**store, paths) : Status_(**store);
}

}  // namespace berth::server
