#include "scan/scanner.h"

#include <sys/resource.h>
#include <unistd.h>

#include <optional>
#include <set>
#include <thread>

#include "oci/manifest.h"
#include "base/time.h"
#include "scan/cyclonedx.h"
#include "scan/match.h"
#include "scan/osv.h"
#include "scan/report.h"
#include "telemetry/log.h"

namespace berth::scan {
namespace {

constexpr int kNice = 10;
// At first start, images pushed this long before are looked at for scan on push.
constexpr int64_t kFirstLookBackSeconds = 3600;

bool IsImageConfig(std::string_view type) {
  return type == "application/vnd.oci.image.config.v1+json" ||
         type == "application/vnd.docker.container.image.v1+json";
}

bool IsLayer(std::string_view media_type) {
  return media_type.find(".tar") != std::string_view::npos || media_type.find("rootfs.diff") != std::string_view::npos;
}

size_t SummaryBytes(const LayerSummary& s) {
  size_t n = sizeof(LayerSummary);
  for (const LayerEntry& e : s.entries) n += sizeof(LayerEntry) + e.path.size() + e.link_target.size();
  for (const auto& [path, content] : s.files) n += path.size() + content.size() + 64;
  return n;
}

meta::ScanRecord Ended(const meta::ScanTarget& target, std::string status, std::string description, int64_t now) {
  return meta::ScanRecord{.scan_type = target.scan_type,
                          .status = std::move(status),
                          .description = std::move(description),
                          .completed_at = now};
}

}  // namespace

Result<ScanningConfig> LoadScanningConfig(meta::MetadataStore& store) {
  BERTH_ASSIGN(std::optional<std::string> stored, store.GetSetting(kScanningConfigSetting));
  if (!stored) return ScanningConfig{};
  return ScanningConfigFromJson(*stored);
}

bool IsScannableImage(std::string_view media_type, std::string_view artifact_type) {
  return (media_type == oci::kOciManifest || media_type == oci::kDockerManifest) && IsImageConfig(artifact_type);
}

Result<bool> RequestScanOnPush(meta::MetadataStore& store, const ScanningConfig& config, const meta::PushedImage& image,
                               int64_t now) {
  if (!IsScannableImage(image.media_type, image.artifact_type)) return false;
  BERTH_ASSIGN(std::optional<meta::RepositoryRecord> repo, store.GetRepository(image.repo_name));
  if (!ScanningFor(config, image.repo_name, repo && repo->scan_on_push).scans_on_push) return false;
  return store.RequestScan(image.repo, image.digest, config.scan_type, now);
}

void ScanOnPush(meta::MetadataStore& store, const meta::PushedImage& image, int64_t now) {
  Result<ScanningConfig> config = LoadScanningConfig(store);
  Result<bool> requested = config ? RequestScanOnPush(store, *config, image, now) : std::unexpected(config.error());
  if (!requested) {
    telemetry::LogWarn("requesting a scan on push failed; the scanner's next pass will",
                       {{"repository", image.repo_name}, {"digest", image.digest.str()}, {"error", requested.error().message()}});
  }
}

Result<Inventory> ImageInventory(
    const oci::Manifest& manifest,
    const std::function<Result<std::shared_ptr<const LayerSummary>>(const oci::Digest&)>& summarize) {
  std::vector<std::shared_ptr<const LayerSummary>> held;
  std::vector<std::pair<std::string, const LayerSummary*>> layers;
  for (size_t i = 1; i < manifest.blobs.size(); ++i) {
    const oci::Descriptor& layer = manifest.blobs[i];
    if (layer.has_urls || !IsLayer(layer.media_type)) continue;  // foreign layers are not here to read
    Result<std::shared_ptr<const LayerSummary>> summary = summarize(layer.digest);
    if (!summary) {
      return Fail(summary.error().code(), "layer " + layer.digest.str() + ": " + summary.error().message());
    }
    held.push_back(*summary);
    layers.emplace_back(layer.digest.str(), held.back().get());
  }
  return BuildInventory(layers);
}

Scanner::Scanner(meta::MetadataStore& store, blob::BlobStore& blobs, std::function<int64_t()> clock,
                 ScannerOptions options)
    : store_(store), blobs_(blobs), clock_(std::move(clock)), options_(options) {}

void Scanner::RunOnce() {
  // Reading layers is CPU work off the request path: a thread of its own at a lower priority,
  // so pushes and pulls keep the CPU they need while a scan runs.
  try {
    std::thread worker([this] {
      (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kNice);
      RunNow();
    });
    worker.join();
  } catch (const std::system_error&) {
    RunNow();
  }
}

void Scanner::RunNow() {
  if (Status s = RequestScansOnPush(); !s) {
    telemetry::LogWarn("scan on push: reading new images failed", {{"error", s.error().message()}});
  }
  if (Status s = ScanRequested(); !s) {
    telemetry::LogWarn("scanning failed", {{"error", s.error().message()}});
  }
  if (Status s = MatchAgain(); !s) {
    telemetry::LogWarn("matching scans again failed", {{"error", s.error().message()}});
  }
}

Status Scanner::RequestScansOnPush() {
  if (push_cursor_ < 0) push_cursor_ = clock_() - kFirstLookBackSeconds;
  BERTH_ASSIGN(ScanningConfig config, LoadScanningConfig(store_));
  while (true) {
    BERTH_ASSIGN(std::vector<meta::PushedImage> pushed, store_.UnscannedImages(push_cursor_, 500));
    for (const meta::PushedImage& image : pushed) BERTH_TRY(RequestScanOnPush(store_, config, image, clock_()));
    if (pushed.size() < 500) {
      // More images may still come in the current second: it is looked at again next pass.
      if (!pushed.empty()) push_cursor_ = std::max(push_cursor_, std::min(clock_(), pushed.back().pushed_at + 1));
      return {};
    }
    // A full page: move on (past a second holding 500 images not scanned on push, if need be).
    push_cursor_ = std::max(push_cursor_ + (pushed.front().pushed_at == pushed.back().pushed_at ? 1 : 0),
                            pushed.back().pushed_at);
  }
}

Status Scanner::ScanRequested() {
  while (true) {
    BERTH_ASSIGN(std::vector<meta::ScanTarget> pending, store_.PendingScans(options_.batch));
    if (pending.empty()) return {};
    for (const meta::ScanTarget& target : pending) BERTH_TRY(ScanImage(target));
  }
}

Result<meta::ScanRecord> Scanner::ScanImage(const meta::ScanTarget& target) {
  BERTH_ASSIGN(meta::VulnDbState db, store_.GetVulnDbState());
  Result<meta::ScanRecord> result = Inspect(target, db);
  if (!result) {
    // A store that is down keeps the request for the next pass; any other error ends this scan,
    // so no image can hold up the ones requested after it.
    if (result.error().code() == Code::kUnavailable) return std::unexpected(result.error());
    result = Ended(target, "FAILED", result.error().message(), clock_());
  }
  (result->status == "FAILED" ? scans_failed_ : scans_completed_)++;
  telemetry::LogInfo("image scanned", {{"repository", target.repo_name},
                                       {"digest", target.digest.str()},
                                       {"status", result->status},
                                       {"description", result->description}});
  BERTH_TRY(store_.SaveScan(target, *result));
  return result;
}

Result<meta::ScanRecord> Scanner::Inspect(const meta::ScanTarget& target, const meta::VulnDbState& db) {
  BERTH_ASSIGN(std::optional<meta::ManifestRecord> record, store_.GetManifest(target.repo, &target.digest, nullptr));
  if (!record) return Fail(Code::kNotFound, "the image is gone");
  if (record->archived) {
    return Ended(target, "IMAGE_ARCHIVED", "The image is archived; restore it with UpdateImageStorageClass to scan it.",
                 clock_());
  }
  BERTH_ASSIGN(oci::Manifest manifest, oci::ParseManifest(record->media_type, record->payload));
  if (manifest.kind != oci::ManifestKind::kImage || !IsImageConfig(manifest.artifact_type)) {
    return Ended(target, "UNSUPPORTED_IMAGE",
                 "Only container images are scanned; an index is scanned through its images.", clock_());
  }
  if (manifest.blobs.size() > options_.max_layers + 1) {
    return Fail(Code::kInvalidArgument, "the image has more than " + std::to_string(options_.max_layers) + " layers");
  }
  const bool language = target.scan_type == "ENHANCED";
  BERTH_ASSIGN(Inventory inventory, ImageInventory(manifest, [&](const oci::Digest& layer) {
                 return Summary(layer, language);
               }));
  if (inventory.os.id.empty() && inventory.packages.empty()) {
    return Ended(target, "UNSUPPORTED_IMAGE", "The operating system and/or package manager are not supported.",
                 clock_());
  }
  if (options_.sbom_referrers) {
    if (Status attached = AttachSbom(target, *record, inventory); !attached) {
      telemetry::LogWarn("storing the SBOM referrer failed; the scan completes without it",
                         {{"repository", target.repo_name}, {"digest", target.digest.str()},
                          {"error", attached.error().message()}});
    }
  }
  meta::ScanRecord out = Ended(target, language ? "ACTIVE" : "COMPLETE",
                               language ? "Continuous scan is selected for image." : "The scan was completed successfully.",
                               clock_());
  out.vulndb_version = db.version;
  out.vulndb_updated_at = db.updated_at;
  out.inventory = InventoryToJson(inventory);
  BERTH_TRY(MatchInto(inventory, out));
  return out;
}

Status Scanner::MatchInto(const Inventory& inventory, meta::ScanRecord& record) {
  std::set<std::pair<std::string, std::string>> wanted;
  for (const Package& p : inventory.packages) {
    for (const std::string& ecosystem : OsvEcosystems(inventory.os, p.type)) {
      if (!p.source_name.empty()) wanted.emplace(ecosystem, p.source_name);
      wanted.emplace(ecosystem, p.name);
    }
  }
  BERTH_ASSIGN(auto documents, store_.FindAdvisories({wanted.begin(), wanted.end()}));
  AdvisoryIndex index;
  for (const auto& [id, document] : documents) {
    Result<Advisory> advisory = ParseOsv(document);
    if (advisory) index.Add(*std::move(advisory));  // stored ones were checked at import
  }
  const std::vector<Finding> findings = Match(inventory, index);
  record.findings = FindingsToJson(findings);
  record.severity_counts = SeverityCountsJson(findings);
  return {};
}

Status Scanner::StoreBlob(meta::RepositoryId repo, std::string_view bytes) {
  const oci::Digest digest = oci::Digest::Sha256Of(bytes);
  BERTH_ASSIGN(std::optional<uint64_t> present, store_.FindBlob(repo, digest));
  if (present) return {};
  // As a push stores a blob: bytes written and committed, then the upload committed in the
  // metadata (which links the blob to the repository).
  const std::string upload_id = "scan-" + std::string(digest.hex().substr(0, 16)) + "-" + std::to_string(clock_());
  BERTH_ASSIGN(std::unique_ptr<blob::BlobWriter> writer, blobs_.NewWriter(upload_id));
  BERTH_TRY(writer->Append(bytes));
  BERTH_TRY(writer->Commit(digest));
  BERTH_TRY(store_.CreateUpload({.id = upload_id, .repository = repo, .hash_state = ""}));
  return store_.CommitUpload(upload_id, digest, bytes.size(), clock_(), [] { return Status{}; });
}

Status Scanner::AttachSbom(const meta::ScanTarget& target, const meta::ManifestRecord& image, const Inventory& inventory) {
  BERTH_ASSIGN(std::optional<meta::ImageRecord> found, store_.FindImage(target.repo, target.digest));
  if (!found) return {};
  const std::string sbom = CycloneDxJson(inventory, SbomSubject{.name = target.repo_name,
                                                                .digest = target.digest.str(),
                                                                .created_at = found->pushed_at,
                                                                .tool_version = options_.tool_version});
  constexpr std::string_view kEmpty = "{}";
  BERTH_TRY(StoreBlob(target.repo, kEmpty));
  BERTH_TRY(StoreBlob(target.repo, sbom));
  const oci::Digest empty = oci::Digest::Sha256Of(kEmpty), sbom_digest = oci::Digest::Sha256Of(sbom);
  const std::string annotations = R"({"org.opencontainers.image.created":")" + IsoTime(found->pushed_at) + R"(",")" +
                                  std::string(meta::kSbomAnnotation) + R"(":"cyclonedx"})";
  const std::string payload =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":")" +
      std::string(kCycloneDxMediaType) + R"(","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":")" +
      empty.str() + R"(","size":2,"data":"e30="},"layers":[{"mediaType":")" + std::string(kCycloneDxMediaType) +
      R"(","digest":")" + sbom_digest.str() + R"(","size":)" + std::to_string(sbom.size()) +
      R"(,"annotations":{"org.opencontainers.image.title":"sbom.cdx.json"}}],"subject":{"mediaType":")" +
      image.media_type + R"(","digest":")" + target.digest.str() + R"(","size":)" +
      std::to_string(image.payload.size()) + R"(},"annotations":)" + annotations + "}";
  meta::NewManifest manifest{.digest = oci::Digest::Sha256Of(payload),
                             .media_type = std::string(oci::kOciManifest),
                             .artifact_type = std::string(kCycloneDxMediaType),
                             .annotations_json = annotations,
                             .subject = target.digest,
                             .payload = payload,
                             .blobs = {{empty, 2}, {sbom_digest, static_cast<int64_t>(sbom.size())}}};
  BERTH_ASSIGN(meta::PutManifestOutcome put, store_.PutManifest(target.repo, manifest, nullptr, clock_()));
  (void)put;  // the same inventory gives the same SBOM: storing it again changes nothing
  return {};
}

Status Scanner::MatchAgain() {
  BERTH_ASSIGN(meta::VulnDbState db, store_.GetVulnDbState());
  while (true) {
    BERTH_ASSIGN(auto stale, store_.StaleScans(db.version, options_.batch));
    if (stale.empty()) return {};
    for (auto& [target, record] : stale) {
      Result<Inventory> inventory = InventoryFromJson(record.inventory);
      if (inventory) {
        BERTH_TRY(MatchInto(*inventory, record));
      } else {
        telemetry::LogWarn("a stored inventory is unreadable; the image keeps its findings",
                           {{"repository", target.repo_name}, {"digest", target.digest.str()}});
      }
      record.vulndb_version = db.version;
      record.vulndb_updated_at = db.updated_at;
      BERTH_TRY(store_.SaveScan(target, record));
      ++images_rematched_;
    }
  }
}

Result<std::shared_ptr<const LayerSummary>> Scanner::Summary(const oci::Digest& layer, bool language_packages) {
  const std::string key = layer.str() + (language_packages ? "+lang" : "");
  {
    std::lock_guard lock(cache_mu_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      ++layer_cache_hits_;
      return it->second->summary;
    }
  }
  BERTH_ASSIGN(std::unique_ptr<blob::BlobReader> reader, blobs_.Open(layer));
  BERTH_ASSIGN(LayerSummary summary, SummarizeLayer(*reader, options_.limits,
                                                    SummaryOptions{.language_packages = language_packages}));
  ++layers_read_;
  auto shared = std::make_shared<const LayerSummary>(std::move(summary));
  const size_t bytes = SummaryBytes(*shared);
  if (bytes > options_.layer_cache_bytes) return shared;
  std::lock_guard lock(cache_mu_);
  if (cache_.contains(key)) return shared;
  lru_.push_front({key, shared, bytes});
  cache_.emplace(key, lru_.begin());
  cache_bytes_ += bytes;
  while (cache_bytes_ > options_.layer_cache_bytes && !lru_.empty()) {
    cache_bytes_ -= lru_.back().bytes;
    cache_.erase(lru_.back().key);
    lru_.pop_back();
  }
  return shared;
}

}  // namespace berth::scan
