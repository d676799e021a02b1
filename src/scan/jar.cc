#include "scan/jar.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <set>
#include <string>

namespace berth::scan {
namespace {

constexpr int kMaxDepth = 2;
constexpr size_t kMaxPomProperties = 64 << 10;

bool ReadEntry(struct archive* a, size_t limit, std::string& out) {
  out.clear();
  char buffer[1 << 16];
  while (true) {
    la_ssize_t n = archive_read_data(a, buffer, sizeof buffer);
    if (n < 0) return false;
    if (n == 0) return true;
    if (out.size() + static_cast<size_t>(n) > limit) return false;
    out.append(buffer, static_cast<size_t>(n));
  }
}

void ParsePomProperties(std::string_view text, std::vector<Package>& out) {
  std::string group, artifact, version;
  ForEachLine(text, [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || line.starts_with("#")) return;
    std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "groupId") group = std::string(value);
    else if (key == "artifactId") artifact = std::string(value);
    else if (key == "version") version = std::string(value);
  });
  if (group.empty() || artifact.empty() || version.empty()) return;
  Package p;
  p.type = PackageType::kMaven;
  p.name = group + ":" + artifact;
  p.version = version;
  p.source_name = p.name;
  p.source_version = p.version;
  out.push_back(std::move(p));
}

void Walk(std::string_view jar, int depth, std::vector<Package>& out) {
  std::unique_ptr<struct archive, decltype(&archive_read_free)> a(archive_read_new(), &archive_read_free);
  archive_read_support_format_zip(a.get());
  if (archive_read_open_memory(a.get(), jar.data(), jar.size()) != ARCHIVE_OK) return;
  struct archive_entry* entry = nullptr;
  std::string content;
  while (archive_read_next_header(a.get(), &entry) == ARCHIVE_OK) {
    const char* raw = archive_entry_pathname(entry);
    if (!raw || archive_entry_filetype(entry) != AE_IFREG) continue;
    std::string_view name(raw);
    if (name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties")) {
      if (ReadEntry(a.get(), kMaxPomProperties, content)) ParsePomProperties(content, out);
    } else if (depth < kMaxDepth && (name.ends_with(".jar") || name.ends_with(".war"))) {
      if (ReadEntry(a.get(), kMaxJarBytes, content)) Walk(content, depth + 1, out);
    }
  }
}

}  // namespace

std::vector<Package> JavaPackagesInJar(std::string_view jar) {
  std::vector<Package> found;
  Walk(jar, 1, found);
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<Package> out;
  for (auto& p : found)
    if (seen.emplace(p.name, p.version).second) out.push_back(std::move(p));
  return out;
}

}  // namespace berth::scan
