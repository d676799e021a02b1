#include "server/maintenance.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>

#include "base/error.h"
#include "blob/fs/fs_blob_store.h"
#include "crypto/sha256.h"
#include "gc/collector.h"
#include "meta/sqlite/sqlite_store.h"
#include "server/cli_support.h"
#include "server/config.h"

namespace berth::server {
namespace {

namespace fs = std::filesystem;

struct Stores {
  std::unique_ptr<meta::MetadataStore> meta;
  std::unique_ptr<blob::BlobStore> blobs;
};

Result<Stores> OpenDataDirectory(const std::string& data, const std::string& archive) {
  std::error_code ec;
  if (!fs::exists(data + "/meta.db", ec)) {
    return Fail(Code::kNotFound, data + " is not a Berth data directory (no meta.db)");
  }
  Stores s;
  BERTH_ASSIGN(s.meta, meta::sqlite::OpenSqliteStore(data + "/meta.db"));
  BERTH_ASSIGN(s.blobs, blob::fs::OpenFsBlobStore(data, archive));
  return s;
}

// Hashes the file; nullopt if it cannot be read.
std::optional<std::pair<std::string, uint64_t>> HashFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  crypto::Sha256 h;
  std::vector<char> buf(1 << 20);
  uint64_t size = 0;
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    h.Update(buf.data(), static_cast<size_t>(n));
    size += static_cast<uint64_t>(n);
  }
  ::close(fd);
  return std::make_pair(h.FinishHex(), size);
}

}  // namespace

int RunGc(const std::vector<std::string>& args) {
  std::string data = "./data", archive;
  bool dry_run = false;
  std::chrono::seconds grace{3600};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--dry-run") {
      dry_run = true;
    } else if ((a == "--data" || a == "--archive-dir" || a == "--gc-grace") && i + 1 < args.size()) {
      if (a == "--data") {
        data = args[++i];
      } else if (a == "--archive-dir") {
        archive = args[++i];
      } else {
        Result<std::chrono::seconds> g = ParseDuration("gc-grace", args[++i], 0, 365 * 86400);
        if (!g) return Usage(kGcUsage, g.error().message());
        grace = *g;
      }
    } else {
      return Usage(kGcUsage, "unexpected argument " + a);
    }
  }
  Result<Stores> stores = OpenDataDirectory(data, archive);
  if (!stores) return Failed("opening the data directory", stores.error());
  gc::Collector collector(*stores->meta, *stores->blobs, grace, NowSeconds);
  if (dry_run) {
    Result<meta::GarbageEstimate> e = collector.Estimate();
    if (!e) return Failed("estimating garbage", e.error());
    std::printf("gc (dry run): would drop %lld unused links and delete %lld blobs, reclaiming %lld bytes\n",
                static_cast<long long>(e->links), static_cast<long long>(e->blobs), static_cast<long long>(e->bytes));
    return 0;
  }
  // The first pass marks what became garbage; with a grace of 0 the second collects it at once.
  gc::CollectReport total;
  for (int pass = 0; pass < 2; ++pass) {
    Result<gc::CollectReport> r = collector.Collect();
    if (!r) return Failed("collecting garbage", r.error());
    total.links_dropped += r->links_dropped;
    total.blobs_deleted += r->blobs_deleted;
    total.bytes_reclaimed += r->bytes_reclaimed;
    total.failures += r->failures;
  }
  std::printf("gc: dropped %lld unused links, deleted %lld blobs, reclaimed %lld bytes%s\n",
              static_cast<long long>(total.links_dropped), static_cast<long long>(total.blobs_deleted),
              static_cast<long long>(total.bytes_reclaimed),
              total.failures > 0 ? " (some deletions failed; see the log)" : "");
  return total.failures > 0 ? 1 : 0;
}

int RunFsck(const std::vector<std::string>& args) {
  std::string data = "./data", archive;
  bool repair = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--repair") {
      repair = true;
    } else if (args[i] == "--data" && i + 1 < args.size()) {
      data = args[++i];
    } else if (args[i] == "--archive-dir" && i + 1 < args.size()) {
      archive = args[++i];
    } else {
      return Usage(kFsckUsage, "unexpected argument " + args[i]);
    }
  }
  Result<Stores> stores = OpenDataDirectory(data, archive);
  if (!stores) return Failed("opening the data directory", stores.error());
  meta::MetadataStore& meta = *stores->meta;
  int64_t checked = 0, missing = 0, corrupt = 0, unknown = 0, repaired = 0;

  // Every blob the metadata knows: stored, whole, of its size.
  std::set<std::string> known;
  std::string after;
  while (true) {
    Result<std::vector<meta::StoredBlob>> rows = meta.ListBlobRows(after, 1000);
    if (!rows) return Failed("listing blobs", rows.error());
    for (const meta::StoredBlob& row : *rows) {
      known.insert(std::string(row.digest.hex()));
      ++checked;
      std::string path = data + "/" + blob::fs::BlobRelativePath(row.digest);
      std::optional<std::pair<std::string, uint64_t>> got = HashFile(path);
      if (!got && !archive.empty()) {
        path = archive + "/" + blob::fs::BlobRelativePath(row.digest);
        got = HashFile(path);
      }
      if (!got) {
        ++missing;
        std::printf("missing: %s (%lld bytes) is referenced but not stored\n", row.digest.str().c_str(),
                    static_cast<long long>(row.size));
        continue;
      }
      if (got->first != row.digest.hex() || static_cast<int64_t>(got->second) != row.size) {
        ++corrupt;
        std::printf("corrupt: %s holds %llu bytes hashing to sha256:%s\n", row.digest.str().c_str(),
                    static_cast<unsigned long long>(got->second), got->first.c_str());
        if (repair) {
          std::error_code ec;
          fs::create_directories(data + "/quarantine", ec);
          fs::rename(path, data + "/quarantine/" + std::string(row.digest.hex()), ec);
          if (!ec) {
            ++repaired;
            std::printf("  moved to %s/quarantine (the blob is now missing: push it again)\n", data.c_str());
          }
        }
      }
    }
    if (rows->size() < 1000) break;
    after = rows->back().digest.str();
  }
  Result<std::vector<meta::StoredBlob>> pending = meta.PendingBlobDeletions(100000);
  if (!pending) return Failed("listing pending deletions", pending.error());
  for (const meta::StoredBlob& p : *pending) known.insert(std::string(p.digest.hex()));

  // Every stored blob: known to the metadata.
  std::error_code ec;
  const auto an_hour_ago = fs::file_time_type::clock::now() - std::chrono::hours(1);
  std::vector<std::string> roots = {data + "/blobs/sha256"};
  if (!archive.empty()) roots.push_back(archive + "/blobs/sha256");
  for (const std::string& root : roots) {
    ec.clear();
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      const std::string hex = it->path().filename().string();
      if (known.contains(hex)) continue;
      Result<oci::Digest> digest = oci::Digest::Parse("sha256:" + hex);
      ++unknown;
      std::printf("unreferenced: %s is stored but no metadata refers to it\n", it->path().string().c_str());
      if (!repair || !digest) continue;
      if (it->last_write_time(ec) > an_hour_ago) {
        std::printf("  kept: written within the hour (an upload may be committing it)\n");
        continue;
      }
      // Asked again just before deleting: it may have been committed since the listing.
      const std::string before = digest->str().substr(0, digest->str().size() - 1);
      Result<std::vector<meta::StoredBlob>> rows = meta.ListBlobRows(before, 16);
      if (!rows || std::any_of(rows->begin(), rows->end(), [&](const meta::StoredBlob& b) { return b.digest == *digest; })) {
        continue;
      }
      if (stores->blobs->Delete(*digest)) {
        ++repaired;
        std::printf("  deleted\n");
      }
    }
  }
  const int64_t problems = missing + corrupt + unknown;
  std::printf("fsck: %lld blobs checked: %lld missing, %lld corrupt, %lld unreferenced%s\n",
              static_cast<long long>(checked), static_cast<long long>(missing), static_cast<long long>(corrupt),
              static_cast<long long>(unknown),
              repair ? (", " + std::to_string(repaired) + " repaired").c_str() : "");
  if (problems == 0) return 0;
  // A repair that moved a corrupt blob away leaves it missing: the store is not clean yet.
  return repair && missing == 0 && corrupt == 0 && repaired == unknown ? 0 : 1;
}

}  // namespace berth::server
