#include "scan/inventory.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>

#include "scan/gobinary.h"
#include "scan/image_fs.h"
#include "scan/jar.h"
#include "scan/rpmdb.h"

namespace berth::scan {
namespace {

constexpr std::string_view kDpkgStatus = "var/lib/dpkg/status";
constexpr std::string_view kDpkgStatusD = "var/lib/dpkg/status.d/";
constexpr std::string_view kApkInstalled[] = {"lib/apk/db/installed", "usr/lib/apk/db/installed"};
constexpr std::string_view kOsRelease[] = {"etc/os-release", "usr/lib/os-release"};
// Kept content that is a Go program's build info rather than a file's bytes starts with this
// (no package database starts with a NUL byte).
constexpr std::string_view kGoBuildInfo = std::string_view("\0berth-go-buildinfo\n", 21);
// Likewise for the packages found in a Java archive: "name\tversion" lines.
constexpr std::string_view kJavaPackages = std::string_view("\0berth-java-packages\n", 22);
constexpr std::string_view kRpmSqlite[] = {"var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite"};

std::string_view Base(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view Parent(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

// site-packages/requests-2.31.0.dist-info/METADATA, .../foo.egg-info/PKG-INFO
bool IsPythonMetadata(std::string_view path) {
  std::string_view dir = Base(Parent(path)), file = Base(path);
  return (file == "METADATA" && dir.ends_with(".dist-info")) || (file == "PKG-INFO" && dir.ends_with(".egg-info"));
}

// node_modules/<name>/package.json or node_modules/@scope/<name>/package.json, not a file
// deeper inside a package.
bool IsNpmPackageJson(std::string_view path) {
  if (Base(path) != "package.json") return false;
  std::string_view dir = Parent(path), up = Parent(dir);
  if (Base(up) == "node_modules") return !Base(dir).empty();
  return Base(up).starts_with("@") && Base(Parent(up)) == "node_modules";
}

bool IsJavaArchive(std::string_view path) {
  return path.ends_with(".jar") || path.ends_with(".war") || path.ends_with(".ear");
}

// The packages a Java archive's kept summary lists.
std::vector<Package> JavaPackagesKept(std::string_view text) {
  std::vector<Package> out;
  ForEachLine(text, [&](std::string_view line) {
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos) return;
    Package p;
    p.type = PackageType::kMaven;
    p.name = p.source_name = std::string(line.substr(0, tab));
    p.version = p.source_version = std::string(line.substr(tab + 1));
    out.push_back(std::move(p));
  });
  return out;
}

bool IsWhiteout(std::string_view path) {
  size_t slash = path.rfind('/');
  return path.substr(slash == std::string_view::npos ? 0 : slash + 1).starts_with(".wh.");
}

class Summarizer : public LayerVisitor {
 public:
  explicit Summarizer(const SummaryOptions& options) : options_(options) {}

  bool Entry(const LayerEntry& entry) override {
    if (IsWhiteout(entry.path) || entry.type == EntryType::kSymlink || entry.type == EntryType::kHardlink) {
      summary_.entries.push_back(entry);
      return false;
    }
    if (entry.type != EntryType::kFile) return false;
    content_.clear();
    go_.reset();
    jar_ = false;
    if (options_.language_packages && IsJavaArchive(entry.path) && entry.size <= kMaxJarBytes) {
      jar_ = true;  // buffered whole: a zip's directory is at its end
      return true;
    }
    if (!WantedForInventory(entry.path, options_.language_packages)) {
      // An executable may be a Go program: its build info is found as it streams past.
      if (!options_.language_packages || !(entry.mode & 0111) || entry.size < 1024) return false;
      go_.emplace();
      return true;
    }
    summary_.entries.push_back(entry);
    return true;
  }

  Status Content(const LayerEntry& entry, std::string_view piece, bool last) override {
    if (jar_) {
      if (content_.size() + piece.size() > kMaxJarBytes) {
        jar_ = false;  // larger than it said: not read
        content_.clear();
        return {};
      }
      content_.append(piece);
      if (last) {
        std::string found;
        for (const auto& p : JavaPackagesInJar(content_)) found += p.name + "\t" + p.version + "\n";
        content_.clear();
        if (!found.empty()) {
          summary_.entries.push_back(entry);
          total_ += found.size();
          summary_.files.emplace_back(entry.path, std::string(kJavaPackages) + found);
        }
      }
      return {};
    }
    if (go_) {
      go_->Feed(piece);
      if (last) {
        if (auto info = go_->Result()) {
          summary_.entries.push_back(entry);
          total_ += info->size();
          summary_.files.emplace_back(entry.path, std::string(kGoBuildInfo) + *info);
        }
        go_.reset();
      }
      return {};
    }
    if (content_.size() + piece.size() > options_.max_file_bytes)
      return Fail(Code::kInvalidArgument, entry.path + " is larger than " + std::to_string(options_.max_file_bytes) + " bytes",
                  "LAYER_INVALID");
    total_ += piece.size();
    if (total_ > options_.max_total_bytes)
      return Fail(Code::kInvalidArgument, "package databases larger than " + std::to_string(options_.max_total_bytes) + " bytes",
                  "LAYER_INVALID");
    content_.append(piece);
    if (last) summary_.files.emplace_back(entry.path, std::move(content_));
    return {};
  }

  LayerSummary Take() { return std::move(summary_); }

 private:
  const SummaryOptions& options_;
  LayerSummary summary_;
  std::string content_;
  std::optional<GoBuildInfoFinder> go_;
  bool jar_ = false;
  size_t total_ = 0;
};

using PackageKey = std::tuple<PackageType, std::string, std::string, std::string>;  // type, name, version, arch

PackageKey KeyOf(const Package& p) { return {p.type, p.name, p.version, p.arch}; }

// Packages named by the databases among `paths` (as kept in `fs`).
std::vector<Package> PackagesIn(const ImageFs& fs, const std::vector<std::string>& paths) {
  std::vector<Package> out;
  auto add = [&](std::vector<Package> found, const std::string& path) {
    for (auto& p : found) {
      p.path = path;
      out.push_back(std::move(p));
    }
  };
  for (const auto& path : paths) {
    const ImageFs::File* file = fs.Find(path);
    if (!file) continue;
    if (path == kDpkgStatus) {
      add(ParseDpkgStatus(file->content), path);
    } else if (path.starts_with(kDpkgStatusD) && !path.ends_with(".md5sums")) {
      add(ParseDpkgStatus(file->content, /*require_installed=*/false), path);
    } else if (path == kApkInstalled[0] || path == kApkInstalled[1]) {
      add(ParseApkInstalled(file->content), path);
    } else if (path == kRpmSqlite[0] || path == kRpmSqlite[1]) {
      if (auto rpms = ParseRpmSqlite(file->content)) add(std::move(*rpms), path);  // a broken one names nothing
    } else if (file->content.starts_with(kJavaPackages)) {
      add(JavaPackagesKept(std::string_view(file->content).substr(kJavaPackages.size())), path);
    } else if (file->content.starts_with(kGoBuildInfo)) {
      add(ParseGoBuildInfo(std::string_view(file->content).substr(kGoBuildInfo.size())), path);
    } else if (IsPythonMetadata(path)) {
      add(ParsePythonMetadata(file->content), path);
    } else if (IsNpmPackageJson(path)) {
      add(ParseNpmPackageJson(file->content), path);
    }
  }
  return out;
}

}  // namespace

bool WantedForInventory(std::string_view path, bool language_packages) {
  if (path == kDpkgStatus) return true;
  if (language_packages && (IsPythonMetadata(path) || IsNpmPackageJson(path))) return true;
  if (path.starts_with(kDpkgStatusD)) return path.find('/', kDpkgStatusD.size()) == std::string_view::npos;
  for (auto p : kApkInstalled)
    if (path == p) return true;
  for (auto p : kOsRelease)
    if (path == p) return true;
  for (auto p : kRpmSqlite)
    if (path == p) return true;
  return false;
}

Result<LayerSummary> SummarizeLayer(blob::BlobReader& blob, const LayerLimits& limits, const SummaryOptions& options) {
  Summarizer summarizer(options);
  BERTH_TRY(ReadLayer(blob, limits, summarizer));
  return summarizer.Take();
}

Result<LayerSummary> SummarizeLayerBytes(std::string_view bytes, const LayerLimits& limits,
                                         const SummaryOptions& options) {
  Summarizer summarizer(options);
  BERTH_TRY(ReadLayerBytes(bytes, limits, summarizer));
  return summarizer.Take();
}

Inventory BuildInventory(const std::vector<std::pair<std::string, const LayerSummary*>>& layers) {
  ImageFs fs;
  std::map<PackageKey, std::string> first_layer;
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& [digest, summary] = layers[i];
    fs.BeginLayer(i);
    for (const auto& entry : summary->entries) fs.Add(entry);
    for (const auto& [path, content] : summary->files) fs.SetContent(path, content);
    fs.EndLayer();
    // The layer that first lists a package (at this version) is the one that brought it.
    for (const auto& p : PackagesIn(fs, fs.ChangedInLayer())) first_layer.try_emplace(KeyOf(p), digest);
  }
  Inventory inventory;
  for (auto path : kOsRelease) {
    if (const auto* file = fs.Find(path)) {
      inventory.os = ParseOsRelease(file->content);
      break;
    }
  }
  std::vector<std::string> databases;
  // Every kept file is a package database or a program's build info: the summaries keep nothing else.
  fs.ForEach([](std::string_view) { return true; },
             [&](const std::string& path, const ImageFs::File&) { databases.push_back(path); });
  for (auto& p : PackagesIn(fs, databases)) {
    if (auto it = first_layer.find(KeyOf(p)); it != first_layer.end()) p.layer = it->second;
    inventory.packages.push_back(std::move(p));
  }
  std::sort(inventory.packages.begin(), inventory.packages.end(),
            [](const Package& a, const Package& b) { return KeyOf(a) < KeyOf(b); });
  inventory.packages.erase(std::unique(inventory.packages.begin(), inventory.packages.end(),
                                       [](const Package& a, const Package& b) { return KeyOf(a) == KeyOf(b); }),
                           inventory.packages.end());
  return inventory;
}

}  // namespace berth::scan
