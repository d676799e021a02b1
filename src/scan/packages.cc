#include "scan/packages.h"

#include <boost/json.hpp>
#include <functional>

namespace berth::scan {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

void ForEachLine(std::string_view text, const std::function<void(std::string_view)>& fn) {
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string_view::npos) j = text.size();
    fn(text.substr(i, j - i));
    i = j + 1;
  }
}

std::string_view PackageTypeName(PackageType type) {
  switch (type) {
    case PackageType::kDpkg: return "dpkg";
    case PackageType::kApk: return "apk";
    case PackageType::kRpm: return "rpm";
    case PackageType::kPython: return "python";
    case PackageType::kNpm: return "npm";
    case PackageType::kGo: return "go";
    case PackageType::kMaven: return "maven";
  }
  return "unknown";
}

OsRelease ParseOsRelease(std::string_view text) {
  OsRelease os;
  ForEachLine(text, [&](std::string_view line) {
    line = Trim(line);
    if (line.empty() || line.front() == '#') return;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return;
    std::string_view key = line.substr(0, eq), raw = Trim(line.substr(eq + 1));
    // Shell-style: "..." or '...' with backslash escapes inside double quotes.
    std::string value;
    if (!raw.empty() && (raw.front() == '"' || raw.front() == '\'')) {
      char quote = raw.front();
      for (size_t i = 1; i < raw.size() && raw[i] != quote; ++i) {
        if (quote == '"' && raw[i] == '\\' && i + 1 < raw.size()) ++i;
        value += raw[i];
      }
    } else {
      value = std::string(raw);
    }
    if (key == "ID") os.id = value;
    else if (key == "VERSION_ID") os.version_id = value;
    else if (key == "PRETTY_NAME") os.pretty_name = value;
    else if (key == "VERSION_CODENAME") os.version_codename = value;
  });
  return os;
}

std::vector<Package> ParseDpkgStatus(std::string_view text, bool require_installed) {
  std::vector<Package> out;
  Package current;
  std::string status;
  bool any = false;
  auto flush = [&]() {
    bool installed = !require_installed || status == "install ok installed";
    if (any && installed && !current.name.empty() && !current.version.empty()) {
      if (current.source_name.empty()) current.source_name = current.name;
      if (current.source_version.empty()) current.source_version = current.version;
      out.push_back(current);
    }
    current = Package{};
    status.clear();
    any = false;
  };
  ForEachLine(text, [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Trim(line).empty()) {
      flush();
      return;
    }
    if (line.front() == ' ' || line.front() == '\t') return;  // a continuation (Description, Conffiles)
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    any = true;
    std::string_view key = line.substr(0, colon), value = Trim(line.substr(colon + 1));
    if (key == "Package") {
      current.name = std::string(value);
    } else if (key == "Version") {
      current.version = std::string(value);
    } else if (key == "Architecture") {
      current.arch = std::string(value);
    } else if (key == "Status") {
      status = std::string(value);
    } else if (key == "Source") {
      // "Source: name" or "Source: name (version)" when a binNMU gave the binary its own.
      size_t paren = value.find('(');
      current.source_name = std::string(Trim(value.substr(0, paren)));
      if (paren != std::string_view::npos) {
        size_t close = value.find(')', paren);
        current.source_version = std::string(Trim(value.substr(paren + 1, close == std::string_view::npos ? std::string_view::npos : close - paren - 1)));
      }
    }
  });
  flush();
  for (auto& p : out) p.type = PackageType::kDpkg;
  return out;
}

std::vector<Package> ParseApkInstalled(std::string_view text) {
  std::vector<Package> out;
  Package current;
  auto flush = [&]() {
    if (!current.name.empty() && !current.version.empty()) {
      current.type = PackageType::kApk;
      if (current.source_name.empty()) current.source_name = current.name;
      current.source_version = current.version;
      out.push_back(current);
    }
    current = Package{};
  };
  ForEachLine(text, [&](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      flush();
      return;
    }
    if (line.size() < 2 || line[1] != ':') return;
    std::string value(line.substr(2));
    switch (line[0]) {
      case 'P': current.name = value; break;
      case 'V': current.version = value; break;
      case 'A': current.arch = value; break;
      case 'o': current.source_name = value; break;
      default: break;
    }
  });
  flush();
  return out;
}

std::vector<Package> ParsePythonMetadata(std::string_view text) {
  Package p;
  p.type = PackageType::kPython;
  bool done = false;
  ForEachLine(text, [&](std::string_view line) {
    if (done) return;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      done = true;  // the headers end at the first blank line; the description follows
      return;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.front() == ' ' || line.front() == '\t') return;
    std::string_view key = line.substr(0, colon), value = Trim(line.substr(colon + 1));
    if (key == "Name" && p.name.empty()) p.name = std::string(value);
    if (key == "Version" && p.version.empty()) p.version = std::string(value);
  });
  if (p.name.empty() || p.version.empty()) return {};
  p.source_name = p.name;
  p.source_version = p.version;
  return {p};
}

std::vector<Package> ParseNpmPackageJson(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(text, ec);
  if (ec || !doc.is_object()) return {};
  const auto& o = doc.as_object();
  auto* name = o.if_contains("name");
  auto* version = o.if_contains("version");
  if (!name || !version || !name->is_string() || !version->is_string()) return {};
  Package p;
  p.type = PackageType::kNpm;
  p.name = std::string(name->as_string());
  p.version = std::string(version->as_string());
  if (p.name.empty() || p.version.empty()) return {};
  p.source_name = p.name;
  p.source_version = p.version;
  return {p};
}

}  // namespace berth::scan
