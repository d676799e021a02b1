// scan/packages.h
//
// What an image has installed, read from the package managers' own databases: os-release,
// dpkg's status file (and distroless images' status.d/ files), apk's installed database. Pure
// parsers over file contents; a malformed record is skipped, never fatal, since a database a
// package manager wrote half of still names the packages it finished.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::scan {

enum class PackageType { kDpkg, kApk, kRpm, kPython, kNpm, kGo, kMaven };

std::string_view PackageTypeName(PackageType type);  // "dpkg", "apk", ...

struct Package {
  PackageType type = PackageType::kDpkg;
  std::string name;
  std::string version;
  std::string source_name;     // the source package it was built from (dpkg Source, apk origin)
  std::string source_version;  // the source's version: the same as version, except for binNMUs
  std::string arch;
  std::string layer;  // digest of the layer that first had it, filled by the inventory
  std::string path;   // the database or file it was read from

  friend bool operator==(const Package&, const Package&) = default;
};

struct OsRelease {
  std::string id;          // "debian", "alpine"
  std::string version_id;  // "12", "3.19.1"
  std::string pretty_name;
  std::string version_codename;
};

OsRelease ParseOsRelease(std::string_view text);

// Calls fn with each line of text, without its "\n" (a "\r" before it is kept).
void ForEachLine(std::string_view text, const std::function<void(std::string_view)>& fn);

// Packages whose Status is "install ok installed" (status.d files have no Status: all count).
std::vector<Package> ParseDpkgStatus(std::string_view text, bool require_installed = true);

std::vector<Package> ParseApkInstalled(std::string_view text);

// A Python distribution's core metadata (`*.dist-info/METADATA`, `*.egg-info/PKG-INFO`):
// its Name and Version headers, or nothing.
std::vector<Package> ParsePythonMetadata(std::string_view text);
// An installed npm package's package.json: its name and version, or nothing.
std::vector<Package> ParseNpmPackageJson(std::string_view text);

}  // namespace berth::scan
