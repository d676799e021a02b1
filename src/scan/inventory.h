// scan/inventory.h
//
// From layers to the list of installed packages. Each layer is read once into a LayerSummary
// (its whiteouts, symlinks and the package databases it wrote; small, and the same whichever
// image the layer is in, so it can be cached by layer digest); an image's summaries applied in
// order give its final file system (ImageFs) and from it the Inventory: the operating system
// and every package with the layer that first had it.
//
// Fidelity bound: only paths a summary records take part in the merge, so an upper layer that
// replaces a whole directory with a plain file hides the files below it only if they were
// recorded paths — no real image does that to a package database.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "blob/blob_store.h"
#include "scan/layer_reader.h"
#include "scan/packages.h"

namespace berth::scan {

struct SummaryOptions {
  bool language_packages = false;          // ENHANCED: Python, npm (beyond the OS databases)
  size_t max_file_bytes = 64ULL << 20;     // a package database bigger than this is refused
  size_t max_total_bytes = 256ULL << 20;   // all kept content of one layer
};

struct LayerSummary {
  std::vector<LayerEntry> entries;  // whiteouts, opaque markers, symlinks, hard links, kept files
  std::vector<std::pair<std::string, std::string>> files;  // (path, content) of the kept files
};

// Is this a file the inventory reads (matched on the path as stored in the layer)?
bool WantedForInventory(std::string_view path, bool language_packages);

Result<LayerSummary> SummarizeLayer(blob::BlobReader& blob, const LayerLimits& limits, const SummaryOptions& options);
Result<LayerSummary> SummarizeLayerBytes(std::string_view bytes, const LayerLimits& limits,
                                         const SummaryOptions& options);

struct Inventory {
  OsRelease os;
  std::vector<Package> packages;  // sorted by type, name, version
};

// `layers`: (digest, summary) from the base layer up.
Inventory BuildInventory(const std::vector<std::pair<std::string, const LayerSummary*>>& layers);

}  // namespace berth::scan
