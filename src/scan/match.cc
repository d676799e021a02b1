#include "scan/match.h"

#include <algorithm>
#include <set>

namespace berth::scan {

void AdvisoryIndex::Add(Advisory advisory) {
  auto owned = std::make_unique<Advisory>(std::move(advisory));
  for (const auto& affected : owned->affected)
    by_package_[{affected.ecosystem, affected.package}].emplace_back(owned.get(), &affected);
  advisories_.push_back(std::move(owned));
}

std::vector<std::pair<const Advisory*, const OsvAffected*>> AdvisoryIndex::Lookup(std::string_view ecosystem,
                                                                                    std::string_view package) const {
  auto it = by_package_.find(std::pair<std::string, std::string>(ecosystem, package));
  if (it == by_package_.end()) return {};
  return it->second;
}

std::vector<std::string> OsvEcosystems(const OsRelease& os, PackageType type) {
  switch (type) {
    case PackageType::kDpkg:
      if (os.id == "debian") {
        std::string major = os.version_id.substr(0, os.version_id.find('.'));
        return major.empty() ? std::vector<std::string>{"Debian"} : std::vector<std::string>{"Debian:" + major, "Debian"};
      }
      if (os.id == "ubuntu") return {"Ubuntu:" + os.version_id, "Ubuntu:" + os.version_id + ":LTS", "Ubuntu"};
      return {};
    case PackageType::kApk: {
      if (os.id != "alpine" && os.id != "wolfi") return {};
      if (os.id == "wolfi") return {"Wolfi"};
      // VERSION_ID 3.19.1 -> Alpine:v3.19
      size_t first = os.version_id.find('.');
      size_t second = first == std::string::npos ? std::string::npos : os.version_id.find('.', first + 1);
      std::string minor = os.version_id.substr(0, second);
      return {"Alpine:v" + minor, "Alpine"};
    }
    case PackageType::kRpm: {
      if (os.id == "rhel") return {"Red Hat"};
      if (os.id == "rocky") return {"Rocky Linux:" + os.version_id.substr(0, os.version_id.find('.')), "Rocky Linux"};
      if (os.id == "almalinux") return {"AlmaLinux:" + os.version_id.substr(0, os.version_id.find('.')), "AlmaLinux"};
      return {};
    }
    case PackageType::kPython: return {"PyPI"};
    case PackageType::kNpm: return {"npm"};
    case PackageType::kGo: return {"Go"};
    case PackageType::kMaven: return {"Maven"};
  }
  return {};
}

std::vector<Finding> Match(const Inventory& inventory, const AdvisoryIndex& index) {
  std::vector<Finding> out;
  for (const auto& package : inventory.packages) {
    std::set<const Advisory*> seen;  // one finding per advisory and package
    for (const auto& eco_name : OsvEcosystems(inventory.os, package.type)) {
      auto eco = EcosystemFromOsv(eco_name);
      if (!eco) continue;
      // By source package at the source version, then by the binary's own name and version.
      std::vector<std::pair<std::string, std::string>> names{{package.source_name, package.source_version}};
      if (package.source_name != package.name) names.emplace_back(package.name, package.version);
      for (const auto& [name, version] : names) {
        if (name.empty() || version.empty()) continue;
        for (const auto& [advisory, affected] : index.Lookup(eco_name, name)) {
          if (seen.contains(advisory) || !IsAffected(*eco, *affected, version)) continue;
          seen.insert(advisory);
          out.push_back({advisory, package, FixedVersion(*eco, *affected, version).value_or("")});
        }
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    if (a.advisory->severity != b.advisory->severity) return a.advisory->severity > b.advisory->severity;
    if (a.advisory->id != b.advisory->id) return a.advisory->id < b.advisory->id;
    return std::tie(a.package.name, a.package.version) < std::tie(b.package.name, b.package.version);
  });
  return out;
}

}  // namespace berth::scan
