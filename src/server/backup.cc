#include "server/backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "base/error.h"
#include "base/files.h"
#include "blob/fs/fs_backup.h"
#include "meta/sqlite/backup.h"

namespace berth::server {
namespace {

struct BackupArgs {
  std::string data = "./data";
  std::string to;
  bool copy = false;
};

Result<BackupArgs> ParseBackupArgs(const std::vector<std::string>& args) {
  BackupArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& into) -> Status {
      if (i + 1 >= args.size()) return Fail(Code::kInvalidArgument, a + " needs a value");
      into = args[++i];
      return {};
    };
    if (a == "--data") {
      BERTH_TRY(value(out.data));
    } else if (a == "--to") {
      BERTH_TRY(value(out.to));
    } else if (a == "--copy") {
      out.copy = true;
    } else {
      return Fail(Code::kInvalidArgument, "unknown argument " + a);
    }
  }
  if (out.to.empty()) return Fail(Code::kInvalidArgument, "--to DEST is required");
  while (out.to.size() > 1 && out.to.back() == '/') out.to.pop_back();
  return out;
}

// Copies a small private file (the key ring, the admin's credentials) with its mode; absent is
// fine (an --anonymous data directory may have no credentials).
Status CopySecretFile(const std::string& from, const std::string& to) {
  std::error_code ec;
  if (!std::filesystem::exists(from, ec)) return {};
  std::filesystem::copy_file(from, to, ec);
  if (ec) return Fail(Code::kInternal, "copy " + from + ": " + ec.message());
  if (::chmod(to.c_str(), 0600) != 0) return FailErrno("chmod " + to, errno);
  return FsyncPath(to, false);
}

Status MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0750) != 0) return FailErrno("mkdir " + path, errno);
  return {};
}

Status BuildBackup(const BackupArgs& args, const std::string& staging,
                   std::chrono::steady_clock::time_point started);

Status Backup(const BackupArgs& args) {
  const auto started = std::chrono::steady_clock::now();
  std::error_code ec;
  if (!std::filesystem::exists(args.data + "/meta.db", ec)) {
    return Fail(Code::kNotFound, args.data + " is not a Berth data directory (no meta.db)");
  }
  if (std::filesystem::exists(args.to, ec)) {
    return Fail(Code::kAlreadyExists, args.to + " already exists; a backup is written to a new directory");
  }
  std::filesystem::path dest = std::filesystem::absolute(args.to, ec);
  const std::string parent = dest.parent_path().string();
  if (!std::filesystem::is_directory(parent, ec)) {
    return Fail(Code::kNotFound, "the directory " + parent + " that should hold " + args.to + " does not exist");
  }
  // Built beside DEST under a name no backup has, then renamed: DEST is whole or absent.
  const std::string staging = dest.string() + ".partial";
  std::filesystem::remove_all(staging, ec);
  BERTH_TRY(MakeDir(staging));

  Status built = BuildBackup(args, staging, started);
  if (!built) {
    std::filesystem::remove_all(staging, ec);
    return built;
  }
  if (::rename(staging.c_str(), dest.c_str()) != 0) return FailErrno("rename " + staging, errno);
  BERTH_TRY(FsyncPath(parent, true));
  std::printf("backup of %s is complete in %s\n", args.data.c_str(), dest.c_str());
  return {};
}

Status BuildBackup(const BackupArgs& args, const std::string& staging,
                   std::chrono::steady_clock::time_point started) {
  BERTH_ASSIGN(meta::sqlite::DatabaseSnapshot snapshot,
               meta::sqlite::SnapshotDatabase(args.data + "/meta.db", staging + "/meta.db"));
  const auto snapshot_done = std::chrono::steady_clock::now();
  for (const char* dir : {"/blobs", "/blobs/sha256", "/uploads"}) BERTH_TRY(MakeDir(staging + dir));
  BERTH_ASSIGN(blob::fs::CopyStats copied,
               blob::fs::CopyBlobs(args.data, staging, snapshot.blobs,
                                   args.copy ? blob::fs::CopyMode::kCopy
                                             : blob::fs::CopyMode::kLinkWherePossible));
  BERTH_TRY(CopySecretFile(args.data + "/secret.key", staging + "/secret.key"));
  BERTH_TRY(CopySecretFile(args.data + "/admin-credentials", staging + "/admin-credentials"));
  for (const char* dir : {"/blobs/sha256", "/blobs", "/uploads", ""}) BERTH_TRY(FsyncPath(staging + dir, true));

  using Ms = std::chrono::milliseconds;
  const auto now = std::chrono::steady_clock::now();
  std::printf(
      "backup of %s taken in %.3f s (database snapshot %.3f s)\n"
      "  %lld repositories, %lld manifests, %zu blobs: %llu hard-linked, %llu copied (%llu bytes)\n",
      args.data.c_str(),
      static_cast<double>(std::chrono::duration_cast<Ms>(now - started).count()) / 1000.0,
      static_cast<double>(std::chrono::duration_cast<Ms>(snapshot_done - started).count()) / 1000.0,
      static_cast<long long>(snapshot.repositories), static_cast<long long>(snapshot.manifests),
      snapshot.blobs.size(), static_cast<unsigned long long>(copied.linked),
      static_cast<unsigned long long>(copied.copied), static_cast<unsigned long long>(copied.bytes_copied));
  if (snapshot.dropped_uploads > 0) {
    std::printf("  %lld upload sessions in progress were left out\n",
                static_cast<long long>(snapshot.dropped_uploads));
  }
  return {};
}

}  // namespace

int RunBackup(const std::vector<std::string>& args) {
  Result<BackupArgs> parsed = ParseBackupArgs(args);
  if (!parsed) {
    std::fprintf(stderr, "berth backup: %s\n%s", parsed.error().message().c_str(), kBackupUsage.data());
    return 2;
  }
  if (Status done = Backup(*parsed); !done) {
    std::fprintf(stderr, "berth backup: %s\n", done.error().message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace berth::server
