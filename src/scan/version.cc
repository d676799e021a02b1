#include "scan/version.h"

#include "base/strings.h"

namespace berth::scan {

std::optional<Ecosystem> EcosystemFromOsv(std::string_view name) {
  std::string_view base = name.substr(0, name.find(':'));
  if (base == "Debian" || base == "Ubuntu") return Ecosystem::kDebian;
  if (base == "Alpine" || base == "Wolfi" || base == "Chainguard") return Ecosystem::kAlpine;
  if (base == "Red Hat" || base == "Rocky Linux" || base == "AlmaLinux" || base == "openSUSE" || base == "SUSE" ||
      base == "Mageia" || base == "Photon OS" || base == "Azure Linux" || base == "Oracle Linux")
    return Ecosystem::kRpm;
  if (base == "PyPI") return Ecosystem::kPyPI;
  if (base == "npm") return Ecosystem::kNpm;
  if (base == "Go") return Ecosystem::kGo;
  if (base == "Maven") return Ecosystem::kMaven;
  return std::nullopt;
}

int CompareVersions(Ecosystem ecosystem, std::string_view a, std::string_view b) {
  switch (ecosystem) {
    case Ecosystem::kDebian: return CompareDpkg(a, b);
    case Ecosystem::kAlpine: return CompareApk(a, b);
    case Ecosystem::kRpm: return CompareRpm(a, b);
    case Ecosystem::kPyPI: return ComparePep440(a, b);
    case Ecosystem::kNpm:
    case Ecosystem::kGo: return CompareSemver(a, b);
    case Ecosystem::kMaven: return CompareMaven(a, b);
  }
  return 0;
}

}  // namespace berth::scan
