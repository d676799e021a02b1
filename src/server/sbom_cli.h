// server/sbom_cli.h
//
// `berth sbom`: an image's CycloneDX SBOM (scan/cyclonedx.h) on stdout.
//   berth sbom [--data DIR | --meta URI] REPOSITORY:TAG | REPOSITORY@DIGEST
//       from the stored scan's inventory (the same document the scan stored as a referrer);
//       safe while Berth serves; exit 1 when the image has no completed scan
//   berth sbom --layout DIR[:REF] [--enhanced]
//       scans an OCI image layout on disk now (REF: a tag annotation or a manifest digest; the
//       only image when omitted), language packages too with --enhanced
// Exit status 2 on bad usage or failure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::server {

inline constexpr std::string_view kSbomUsage =
    "usage: berth sbom [--data DIR | --meta URI] REPOSITORY:TAG | REPOSITORY@DIGEST\n"
    "       berth sbom --layout DIR[:REF] [--enhanced]\n";

int RunSbom(const std::vector<std::string>& args);

}  // namespace berth::server
