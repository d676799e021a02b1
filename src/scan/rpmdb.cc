#include "scan/rpmdb.h"

#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

namespace berth::scan {
namespace {

constexpr uint32_t kTagName = 1000, kTagVersion = 1001, kTagRelease = 1002, kTagEpoch = 1003, kTagArch = 1022,
                   kTagSourceRpm = 1044;
constexpr uint32_t kTypeInt32 = 4, kTypeString = 6, kTypeI18nString = 9;
constexpr uint32_t kMaxEntries = 100'000;

uint32_t Be32(std::string_view s, size_t at) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

// "openssl-3.0.7-24.el9.src.rpm" -> name "openssl", version "3.0.7-24.el9".
void SplitSourceRpm(std::string_view srpm, Package& p) {
  if (srpm.ends_with(".src.rpm")) srpm.remove_suffix(8);
  else if (srpm.ends_with(".nosrc.rpm")) srpm.remove_suffix(10);
  size_t release = srpm.rfind('-');
  if (release == std::string_view::npos || release == 0) return;
  size_t version = srpm.rfind('-', release - 1);
  if (version == std::string_view::npos || version == 0) return;
  p.source_name = std::string(srpm.substr(0, version));
  p.source_version = std::string(srpm.substr(version + 1));
}

}  // namespace

std::optional<Package> ParseRpmHeader(std::string_view blob) {
  if (blob.size() < 8) return std::nullopt;
  uint32_t il = Be32(blob, 0), dl = Be32(blob, 4);
  if (il == 0 || il > kMaxEntries) return std::nullopt;
  uint64_t index_end = 8 + static_cast<uint64_t>(il) * 16;
  if (index_end + dl > blob.size()) return std::nullopt;
  std::string_view data = blob.substr(static_cast<size_t>(index_end), dl);
  Package p;
  p.type = PackageType::kRpm;
  std::string version, release, srpm;
  std::optional<uint32_t> epoch;
  for (uint32_t i = 0; i < il; ++i) {
    size_t e = 8 + static_cast<size_t>(i) * 16;
    uint32_t tag = Be32(blob, e), type = Be32(blob, e + 4), offset = Be32(blob, e + 8), count = Be32(blob, e + 12);
    if (offset >= data.size()) continue;
    if (type == kTypeString || type == kTypeI18nString) {
      size_t end = data.find('\0', offset);
      if (end == std::string_view::npos) continue;  // unterminated: not trusted
      std::string value(data.substr(offset, end - offset));
      switch (tag) {
        case kTagName: p.name = value; break;
        case kTagVersion: version = value; break;
        case kTagRelease: release = value; break;
        case kTagArch: p.arch = value; break;
        case kTagSourceRpm: srpm = value; break;
        default: break;
      }
    } else if (type == kTypeInt32 && tag == kTagEpoch && count >= 1 && offset + 4 <= data.size()) {
      epoch = Be32(data, offset);
    }
  }
  if (p.name.empty() || version.empty() || p.name == "gpg-pubkey") return std::nullopt;
  p.version = (epoch && *epoch != 0 ? std::to_string(*epoch) + ":" : "") + version + (release.empty() ? "" : "-" + release);
  SplitSourceRpm(srpm, p);
  if (p.source_name.empty()) {
    p.source_name = p.name;
    p.source_version = p.version;
  } else if (epoch && *epoch != 0) {
    p.source_version = std::to_string(*epoch) + ":" + p.source_version;  // a source RPM's name omits the epoch
  }
  return p;
}

Result<std::vector<Package>> ParseRpmSqlite(std::string_view file) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(raw);
    return Fail(Code::kInternal, "sqlite: cannot open a memory database");
  }
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  // SQLite takes ownership of a copy it can free, and reads it in place: nothing touches disk.
  auto* copy = static_cast<unsigned char*>(sqlite3_malloc64(file.size()));
  if (!copy && !file.empty()) return Fail(Code::kResourceExhausted, "sqlite: out of memory for the rpm database");
  if (!file.empty()) std::memcpy(copy, file.data(), file.size());
  int rc = sqlite3_deserialize(db.get(), "main", copy, static_cast<sqlite3_int64>(file.size()),
                               static_cast<sqlite3_int64>(file.size()),
                               SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
  if (rc != SQLITE_OK) return Fail(Code::kInvalidArgument, std::string("rpmdb.sqlite: ") + sqlite3_errmsg(db.get()));
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db.get(), "SELECT blob FROM Packages", -1, &st, nullptr) != SQLITE_OK)
    return Fail(Code::kInvalidArgument, std::string("rpmdb.sqlite: ") + sqlite3_errmsg(db.get()));
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(st, &sqlite3_finalize);
  std::vector<Package> out;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const void* bytes = sqlite3_column_blob(st, 0);
    int n = sqlite3_column_bytes(st, 0);
    if (!bytes || n <= 0) continue;
    if (auto p = ParseRpmHeader({static_cast<const char*>(bytes), static_cast<size_t>(n)})) out.push_back(std::move(*p));
  }
  if (rc != SQLITE_DONE) return Fail(Code::kInvalidArgument, std::string("rpmdb.sqlite: ") + sqlite3_errmsg(db.get()));
  return out;
}

}  // namespace berth::scan
