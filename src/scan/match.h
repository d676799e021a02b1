// scan/match.h
//
// Inventory x advisories -> findings. OS packages match advisories of their distribution's
// release ("Debian:12", "Alpine:v3.19") or of the distribution as a whole; an advisory naming
// a source package applies to every binary package built from it, compared at the source
// version (Debian publishes fixes per source package). Pure; the index is built once per
// database version and shared by every scan.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scan/inventory.h"
#include "scan/osv.h"

namespace berth::scan {

struct Finding {
  const Advisory* advisory = nullptr;
  Package package;
  std::string fixed_version;  // empty when no fix is published
};

class AdvisoryIndex {
 public:
  void Add(Advisory advisory);
  size_t size() const { return advisories_.size(); }
  // (advisory, affected entry) pairs for one ecosystem and package name.
  std::vector<std::pair<const Advisory*, const OsvAffected*>> Lookup(std::string_view ecosystem,
                                                                     std::string_view package) const;

 private:
  std::vector<std::unique_ptr<Advisory>> advisories_;
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<const Advisory*, const OsvAffected*>>, std::less<>>
      by_package_;
};

// The OSV ecosystems a package of this image is published under, most specific first:
// {"Debian:12", "Debian"}, {"Alpine:v3.19", "Alpine"}, {"PyPI"}, ... Empty when unknown.
std::vector<std::string> OsvEcosystems(const OsRelease& os, PackageType type);

// Sorted by severity (worst first), then advisory id, then package.
std::vector<Finding> Match(const Inventory& inventory, const AdvisoryIndex& index);

}  // namespace berth::scan
