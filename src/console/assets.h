// console/assets.h
//
// The web console's files, built from console/ by esbuild and compiled into the binary
// (console/build.mjs writes console_assets.cc), so Berth serves its console with nothing else
// installed. Scripts and style sheets are named by their content hash and never change;
// "/console/" (index.html) names the current ones.
#pragma once

#include <span>
#include <string_view>

namespace berth::console {

struct Asset {
  std::string_view path;          // "/console/", "/console/assets/main-<hash>.js"
  std::string_view content_type;  // with charset
  std::string_view bytes;
  std::string_view gzip;          // the same bytes gzip-compressed
  bool immutable;                 // named by its content hash: cacheable for a year
};

// Every embedded file; empty in a build without the console (-DBERTH_CONSOLE=OFF).
std::span<const Asset> EmbeddedAssets();

}  // namespace berth::console
