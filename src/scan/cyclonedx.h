// scan/cyclonedx.h
//
// An image's inventory as a CycloneDX 1.5 JSON SBOM: the image as the described component, its
// operating system, and every package as a library with its package URL (purl) and the layer
// that brought it. The output depends only on its inputs (no clock, no random serial number),
// so scanning an image again yields the same bytes and the same referrer digest. Pure.
#pragma once

#include <string>
#include <string_view>

#include "scan/inventory.h"

namespace berth::scan {

inline constexpr std::string_view kCycloneDxMediaType = "application/vnd.cyclonedx+json";

struct SbomSubject {
  std::string name;    // "registry/repository" or a layout path
  std::string digest;  // the image manifest's digest
  int64_t created_at = 0;  // the image's push time: the SBOM's timestamp
  std::string tool_version;
};

// "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12", "pkg:pypi/requests@2.25.0", ...
std::string PackageUrl(const OsRelease& os, const Package& package);

std::string CycloneDxJson(const Inventory& inventory, const SbomSubject& subject);

}  // namespace berth::scan
