#include "server/vulndb_cli.h"

#include <cstdio>
#include <memory>

#include "base/time.h"
#include "scan/osv.h"
#include "scan/osv_source.h"
#include "server/cli_support.h"

namespace berth::server {
namespace {

constexpr size_t kBatch = 500;
constexpr int kShownRefusals = 10;

int Import(meta::MetadataStore& store, const std::vector<std::string>& paths) {
  Result<meta::VulnDbState> before = store.GetVulnDbState();
  if (!before) return Failed("vulndb: reading the database state", before.error());
  const int64_t version = before->version + 1;  // every batch of this import belongs to it
  std::vector<meta::AdvisoryRow> batch;
  int64_t seen = 0, changed = 0, refused = 0;
  auto flush = [&]() -> Status {
    if (batch.empty()) return {};
    BERTH_ASSIGN(int64_t n, store.PutAdvisories(batch, version, NowSeconds()));
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
    if (!walked) return Failed("vulndb: reading " + path, walked.error());
  }
  if (Status s = flush(); !s) return Failed("vulndb: storing advisories", s.error());
  Result<meta::VulnDbState> state = store.GetVulnDbState();
  if (!state) return Failed("vulndb: reading the database state", state.error());
  std::printf("imported %lld advisories: %lld new or changed, %lld refused; database version %lld, %lld advisories\n",
              static_cast<long long>(seen), static_cast<long long>(changed), static_cast<long long>(refused),
              static_cast<long long>(state->version), static_cast<long long>(state->advisories));
  return refused > 0 ? 1 : 0;
}

int Status_(meta::MetadataStore& store) {
  Result<meta::VulnDbState> state = store.GetVulnDbState();
  if (!state) return Failed("vulndb: reading the database state", state.error());
  if (state->version == 0) {
    std::printf("no advisories imported yet (berth vulndb import PATH...)\n");
    return 0;
  }
  int64_t age = NowSeconds() - state->updated_at;
  std::printf("version %lld, %lld advisories, updated %s (%lld h %lld min ago)\n", static_cast<long long>(state->version),
              static_cast<long long>(state->advisories), IsoTime(state->updated_at).c_str(),
              static_cast<long long>(age / 3600), static_cast<long long>(age % 3600 / 60));
  return 0;
}

}  // namespace

int RunVulnDb(const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "import" && args[0] != "status")) return Usage(kVulnDbUsage, "vulndb wants import or status");
  std::string data = "./data", uri;
  std::vector<std::string> paths;
  for (size_t i = 1; i < args.size(); ++i) {
    if ((args[i] == "--data" || args[i] == "--meta") && i + 1 < args.size()) {
      (args[i] == "--data" ? data : uri) = args[i + 1];
      ++i;
    } else if (args[i].starts_with("--")) {
      return Usage(kVulnDbUsage, "unknown option " + args[i]);
    } else {
      paths.push_back(args[i]);
    }
  }
  if (!uri.empty() && !uri.starts_with("postgres://") && !uri.starts_with("postgresql://"))
    return Usage(kVulnDbUsage, "--meta wants a postgres:// or postgresql:// URI");
  if (args[0] == "import" && paths.empty()) return Usage(kVulnDbUsage, "import wants at least one PATH");
  if (args[0] == "status" && !paths.empty()) return Usage(kVulnDbUsage, "status takes no PATH");
  Result<std::unique_ptr<meta::MetadataStore>> store = OpenMetadata(data, uri);
  if (!store) return Failed("vulndb: opening the metadata store", store.error());
  return args[0] == "import" ? Import(**store, paths) : Status_(**store);
}

}  // namespace berth::server
