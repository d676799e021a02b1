// scan/scanner.h
//
// Scanning carried out on the metadata and blob stores, as one background job per cluster
// (under the "scan" lease). Each pass:
//   1. requests a scan of every image pushed since the last pass into a repository that scans
//      on push (the registry's rules and the repository's scanOnPush; scan/scanning_config.h);
//      found by push time in the store, so a push acknowledged just before a crash is scanned;
//   2. scans what is requested (on push or by StartImageScan): the layers' summaries (read once
//      per layer and kept in a bounded in-memory cache, since images share base layers), the
//      inventory, the matching advisories, stored with the database version they were matched at;
//      a completed scan's CycloneDX SBOM is stored as an OCI referrer of the image (artifactType
//      application/vnd.cyclonedx+json, annotated dev.berth.sbom), which goes with its image;
//   3. matches the stored inventories of older scans again once the vulnerability database has
//      a newer version (continuous scanning): no layer is read.
// A layer that cannot be read (broken, hostile, missing) fails its scan with the reason; a store
// that is unavailable leaves the request for the next pass.
//
// Thread-safe; blocking. RunOnce runs the pass on a thread of its own at a lower priority.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/error.h"
#include "blob/blob_store.h"
#include "meta/metadata_store.h"
#include "oci/manifest.h"
#include "scan/inventory.h"
#include "scan/scanning_config.h"

namespace berth::scan {

inline constexpr std::string_view kScanningConfigSetting = "registry_scanning_configuration";

struct ScannerOptions {
  LayerLimits limits;
  size_t layer_cache_bytes = 64ULL << 20;
  size_t max_layers = 512;   // an image with more fails its scan
  size_t batch = 32;         // images scanned or matched again per store read
  bool sbom_referrers = true;  // store each completed scan's CycloneDX SBOM as a referrer of its image
  std::string tool_version;    // Berth's, named in the SBOMs
};

// The registry's scanning configuration as stored (the default, BASIC with no rules, if none).
Result<ScanningConfig> LoadScanningConfig(meta::MetadataStore& store);

// Whether a manifest of this media type and config/artifact type is a container image that
// scanning reads (not an index, a signature or another artifact).
bool IsScannableImage(std::string_view media_type, std::string_view artifact_type);

// An image's inventory from its layers (config first in manifest.blobs, as oci::ParseManifest
// gives them), each summarized by `summarize`; foreign layers and blobs that are not tar layers
// are skipped. A layer that fails names itself in the error.
Result<Inventory> ImageInventory(
    const oci::Manifest& manifest,
    const std::function<Result<std::shared_ptr<const LayerSummary>>(const oci::Digest&)>& summarize);

// Requests the scan of a pushed image if its repository scans on push under `config`; true if
// it did. Called as a manifest is stored, so DescribeImageScanFindings knows of the scan at once;
// the scanner's pass requests what this missed (a crash in between).
Result<bool> RequestScanOnPush(meta::MetadataStore& store, const ScanningConfig& config, const meta::PushedImage& image,
                               int64_t now);
// The same with the stored configuration; failures are logged (the push has succeeded).
void ScanOnPush(meta::MetadataStore& store, const meta::PushedImage& image, int64_t now);

class Scanner {
 public:
  Scanner(meta::MetadataStore& store, blob::BlobStore& blobs, std::function<int64_t()> clock, ScannerOptions options = {});

  void RunOnce();
  // Scans one requested image and stores the result; what is stored is returned.
  Result<meta::ScanRecord> ScanImage(const meta::ScanTarget& target);

  uint64_t scans_completed() const { return scans_completed_; }
  uint64_t scans_failed() const { return scans_failed_; }
  uint64_t layers_read() const { return layers_read_; }
  uint64_t layer_cache_hits() const { return layer_cache_hits_; }
  uint64_t images_rematched() const { return images_rematched_; }

 private:
  void RunNow();
  Status RequestScansOnPush();
  Status ScanRequested();
  Status MatchAgain();
  Result<meta::ScanRecord> Inspect(const meta::ScanTarget& target, const meta::VulnDbState& db);
  // Matches the inventory and stores findings and their severity counts in `record`.
  Status MatchInto(const Inventory& inventory, meta::ScanRecord& record);
  Status AttachSbom(const meta::ScanTarget& target, const meta::ManifestRecord& image, const Inventory& inventory);
  Status StoreBlob(meta::RepositoryId repo, std::string_view bytes);
  Result<std::shared_ptr<const LayerSummary>> Summary(const oci::Digest& layer, bool language_packages);

  meta::MetadataStore& store_;
  blob::BlobStore& blobs_;
  std::function<int64_t()> clock_;
  const ScannerOptions options_;
  int64_t push_cursor_ = -1;  // pushed_at from which new images are looked at; -1: not yet set

  struct CachedLayer {
    std::string key;
    std::shared_ptr<const LayerSummary> summary;
    size_t bytes = 0;
  };
  std::mutex cache_mu_;
  std::list<CachedLayer> lru_;  // most recently used first
  std::map<std::string, std::list<CachedLayer>::iterator, std::less<>> cache_;
  size_t cache_bytes_ = 0;

  std::atomic<uint64_t> scans_completed_{0};
  std::atomic<uint64_t> scans_failed_{0};
  std::atomic<uint64_t> layers_read_{0};
  std::atomic<uint64_t> layer_cache_hits_{0};
  std::atomic<uint64_t> images_rematched_{0};
};

}  // namespace berth::scan
