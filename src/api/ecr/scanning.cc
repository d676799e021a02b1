// Image scanning through ECR's API: the registry's scanning configuration, each repository's
// view of it, StartImageScan and DescribeImageScanFindings (basic findings for BASIC scans,
// Inspector-shaped enhanced findings for ENHANCED ones). The scans themselves run in the
// background (scan/scanner.h); these handlers read and request them.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <cstdio>

#include "api/ecr/ecr_api.h"
#include "api/ecr/paging.h"
#include "async/blocking.h"
#include "base/time.h"
#include "crypto/sha256.h"
#include "scan/report.h"
#include "scan/scanner.h"

namespace berth::api::ecr {
namespace {

namespace json = boost::json;

constexpr size_t kMaxScanningRepositories = 25;  // BatchGetRepositoryScanningConfiguration

// OSV's RFC 3339 times as epoch seconds (0 when absent or unreadable).
int64_t EpochOf(std::string_view rfc3339) {
  return ParseIsoTime(rfc3339).value_or(0);
}

std::string Score(double score) {
  char text[16];
  std::snprintf(text, sizeof text, "%.1f", score);
  return text;
}

std::string CvssVersion(std::string_view vector) {
  if (vector.starts_with("CVSS:3.1")) return "3.1";
  if (vector.starts_with("CVSS:3.0")) return "3.0";
  if (vector.starts_with("CVSS:4.0")) return "4.0";
  return "2.0";
}

// Inspector's packageManager names for Berth's package types.
std::string_view PackageManager(scan::PackageType type) {
  switch (type) {
    case scan::PackageType::kDpkg: return "OS";
    case scan::PackageType::kApk: return "OS";
    case scan::PackageType::kRpm: return "OS";
    case scan::PackageType::kPython: return "PYTHONPKG";
    case scan::PackageType::kNpm: return "NODEPKG";
    case scan::PackageType::kGo: return "GOMOD";
    case scan::PackageType::kMaven: return "JAR";
  }
  return "OS";
}

json::object BasicFinding(const scan::StoredFinding& f) {
  json::array attributes{json::object{{"key", "package_version"}, {"value", f.package.version}},
                         json::object{{"key", "package_name"}, {"value", f.package.name}}};
  if (f.score && !f.vector.empty()) {
    const bool v2 = CvssVersion(f.vector) == "2.0";
    attributes.push_back(json::object{{"key", v2 ? "CVSS2_VECTOR" : "CVSS3_VECTOR"}, {"value", f.vector}});
    attributes.push_back(json::object{{"key", v2 ? "CVSS2_SCORE" : "CVSS3_SCORE"}, {"value", Score(*f.score)}});
  }
  if (!f.fixed_version.empty()) attributes.push_back(json::object{{"key", "fixed_in_version"}, {"value", f.fixed_version}});
  json::object o{{"name", f.id}, {"severity", scan::SeverityName(f.severity)}, {"attributes", std::move(attributes)}};
  std::string_view description = f.description.empty() ? f.summary : f.description;
  if (!description.empty()) o["description"] = description.substr(0, 4096);
  if (!f.uri.empty()) o["uri"] = f.uri;
  return o;
}

}  // namespace

Result<berth::oci::Digest> EcrApi::ImageDigest(const meta::RepositoryRecord& repo, const json::object& id) {
  ResolvedImage r = ResolveImageId(meta_, repo.id, id);
  if (r.digest) return *r.digest;
  if (r.failure_code == "ImageNotFound") {
    return Fail(Code::kNotFound,
                "The image with imageId " + json::serialize(id) + " does not exist within the repository with name '" +
                    repo.name + "' in the registry with id '" + options_.account_id + "'",
                "ImageNotFoundException");
  }
  return Fail(Code::kInvalidArgument, r.failure_reason, "InvalidParameterException");
}

json::object EcrApi::ScanStatusJson(const meta::ScanRecord& scan) const {
  return json::object{{"status", scan.status}, {"description", scan.description}};
}

std::optional<json::object> EcrApi::ScanSummaryJson(const meta::ScanRecord& scan) const {
  if (!scan.completed_at || scan.status == "IN_PROGRESS") return std::nullopt;
  boost::system::error_code ec;
  json::value counts = json::parse(scan.severity_counts, ec);
  json::object out{{"imageScanCompletedAt", *scan.completed_at},
                   {"findingSeverityCounts", !ec && counts.is_object() ? counts.get_object() : json::object()}};
  if (scan.vulndb_updated_at > 0) out["vulnerabilitySourceUpdatedAt"] = scan.vulndb_updated_at;
  return out;
}

json::object EcrApi::EnhancedFinding(const meta::RepositoryRecord& repo, const berth::oci::Digest& digest,
                                     const std::vector<std::string>& tags, const meta::ScanRecord& scan,
                                     const scan::StoredFinding& f) const {
  const int64_t observed = scan.completed_at.value_or(scan.requested_at);
  json::object package{{"name", f.package.name},
                       {"version", f.package.version},
                       {"packageManager", PackageManager(f.package.type)}};
  // dpkg and rpm versions: epoch and release apart, as Inspector reports them.
  std::string_view version = f.package.version;
  if (size_t colon = version.find(':'); colon != std::string_view::npos && f.package.type != scan::PackageType::kApk) {
    int64_t epoch = 0;
    if (std::from_chars(version.data(), version.data() + colon, epoch).ec == std::errc()) {
      package["epoch"] = epoch;
      version.remove_prefix(colon + 1);
    }
  }
  if (f.package.type == scan::PackageType::kDpkg || f.package.type == scan::PackageType::kRpm) {
    if (size_t dash = version.rfind('-'); dash != std::string_view::npos) {
      package["version"] = version.substr(0, dash);
      package["release"] = version.substr(dash + 1);
    }
  }
  if (!f.package.arch.empty()) package["arch"] = f.package.arch;
  if (!f.package.path.empty()) package["filePath"] = f.package.path;
  if (!f.package.layer.empty()) package["sourceLayerHash"] = f.package.layer;
  if (!f.fixed_version.empty()) package["fixedInVersion"] = f.fixed_version;

  json::object details{{"vulnerabilityId", f.id},
                       {"source", "OSV"},
                       {"vendorSeverity", scan::SeverityName(f.severity)},
                       {"vulnerablePackages", json::array{std::move(package)}}};
  if (!f.uri.empty()) {
    details["sourceUrl"] = f.uri;
    details["referenceUrls"] = json::array{json::string(f.uri)};
  }
  if (!f.aliases.empty()) {
    json::array related;
    for (const std::string& a : f.aliases) related.push_back(json::string(a));
    details["relatedVulnerabilities"] = std::move(related);
  }
  if (int64_t t = EpochOf(f.published); t > 0) details["vendorCreatedAt"] = t;
  if (int64_t t = EpochOf(f.modified); t > 0) details["vendorUpdatedAt"] = t;

  json::array image_tags;
  for (const std::string& t : tags) image_tags.push_back(json::string(t));
  const std::string image_arn = RepositoryArn(repo.name) + "/" + digest.str();
  json::object resource{
      {"id", image_arn},
      {"type", "AWS_ECR_CONTAINER_IMAGE"},
      {"details", json::object{{"awsEcrContainerImage", json::object{{"imageHash", digest.str()},
                                                                      {"imageTags", std::move(image_tags)},
                                                                      {"registry", options_.account_id},
                                                                      {"repositoryName", repo.name},
                                                                      {"platform", "linux"}}}}}};
  std::string_view summary = f.summary.empty() ? f.description : f.summary;
  const std::string arn_id = crypto::Sha256::HexOf(image_arn + "\n" + f.id + "\n" + f.package.name).substr(0, 32);
  json::object out{{"awsAccountId", options_.account_id},
                   {"findingArn", "arn:aws:inspector2:" + options_.region + ":" + options_.account_id + ":finding/" + arn_id},
                   {"title", f.id + " - " + f.package.name},
                   {"description", (summary.empty() ? f.id : std::string(summary.substr(0, 4096)))},
                   {"severity", scan::SeverityName(f.severity)},
                   {"status", "ACTIVE"},
                   {"type", "PACKAGE_VULNERABILITY"},
                   {"firstObservedAt", observed},
                   {"lastObservedAt", observed},
                   {"updatedAt", observed},
                   {"fixAvailable", f.fixed_version.empty() ? "NO" : "YES"},
                   {"exploitAvailable", "NO"},
                   {"packageVulnerabilityDetails", std::move(details)},
                   {"resources", json::array{std::move(resource)}}};
  if (!f.fixed_version.empty()) {
    out["remediation"] = json::object{{"recommendation", json::object{{"text", "Upgrade " + f.package.name + " to " +
                                                                                 f.fixed_version + " or later."}}}};
  }
  if (f.score) {
    out["score"] = *f.score;
    json::object cvss{{"score", *f.score}, {"scoreSource", "OSV"}, {"scoringVector", f.vector},
                      {"version", CvssVersion(f.vector)}, {"adjustments", json::array()}};
    out["scoreDetails"] = json::object{{"cvss", std::move(cvss)}};
    out["packageVulnerabilityDetails"].as_object()["cvss"] =
        json::array{json::object{{"baseScore", *f.score}, {"scoringVector", f.vector}, {"source", "OSV"},
                                 {"version", CvssVersion(f.vector)}}};
  }
  return out;
}

http::Task<EcrApi::Output> EcrApi::PutRegistryScanningConfiguration(const Call& call) {
  json::object config{{"scanType", JsonStringView(call.input, "scanType").empty() ? "BASIC"
                                                                                  : JsonStringView(call.input, "scanType")}};
  if (const json::value* rules = call.input.if_contains("rules")) config["rules"] = *rules;
  BERTH_CO_ASSIGN(scan::ScanningConfig parsed, scan::ScanningConfigFromJson(json::serialize(config)));
  const std::string stored = scan::ScanningConfigToJson(parsed);
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.PutSetting(scan::kScanningConfigSetting, stored); }));
  co_return json::object{{"registryScanningConfiguration", json::parse(stored)}};
}

http::Task<EcrApi::Output> EcrApi::GetRegistryScanningConfiguration(const Call&) {
  BERTH_CO_ASSIGN(scan::ScanningConfig config, scan::LoadScanningConfig(meta_));
  co_return json::object{{"registryId", options_.account_id},
                         {"scanningConfiguration", json::parse(scan::ScanningConfigToJson(config))}};
}

http::Task<EcrApi::Output> EcrApi::BatchGetRepositoryScanningConfiguration(const Call& call) {
  const json::array& names = call.input.at("repositoryNames").as_array();
  if (names.size() > kMaxScanningRepositories) {
    co_return Fail(Code::kInvalidArgument, "at most 25 repositoryNames per call", "InvalidParameterException");
  }
  BERTH_CO_ASSIGN(scan::ScanningConfig config, scan::LoadScanningConfig(meta_));
  json::array configurations, failures;
  for (const json::value& name : names) {
    const std::string_view repo_name = name.get_string();
    BERTH_CO_ASSIGN(std::optional<meta::RepositoryRecord> repo, meta_.GetRepository(repo_name));
    if (!repo) {
      failures.push_back(json::object{{"repositoryName", repo_name},
                                      {"failureCode", "REPOSITORY_NOT_FOUND"},
                                      {"failureReason", "REPOSITORY_NOT_FOUND"}});
      continue;
    }
    scan::RepositoryScanning s = scan::ScanningFor(config, repo->name, repo->scan_on_push);
    json::array applied;
    for (const std::string& f : s.applied_filters) applied.push_back(json::object{{"filter", f}, {"filterType", "WILDCARD"}});
    configurations.push_back(json::object{{"repositoryArn", RepositoryArn(repo->name)},
                                          {"repositoryName", repo->name},
                                          {"scanOnPush", s.scans_on_push},
                                          {"scanFrequency", s.frequency},
                                          {"appliedScanFilters", std::move(applied)}});
  }
  co_return json::object{{"scanningConfigurations", std::move(configurations)}, {"failures", std::move(failures)}};
}

http::Task<EcrApi::Output> EcrApi::StartImageScan(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord repo, Repository(call.input));
  const json::object& id = call.input.at("imageId").as_object();
  BERTH_CO_ASSIGN(berth::oci::Digest digest, ImageDigest(repo, id));
  BERTH_CO_ASSIGN(std::optional<meta::ImageRecord> image, meta_.FindImage(repo.id, digest));
  if (!image) co_return Fail(Code::kNotFound, "The image " + digest.str() + " was just deleted", "ImageNotFoundException");
  if (image->archived_at) {
    co_return Fail(Code::kFailedPrecondition,
                   "The image " + digest.str() + " is archived; restore it with UpdateImageStorageClass to scan it",
                   "ImageArchivedException");
  }
  if (!scan::IsScannableImage(image->media_type, image->artifact_type)) {
    co_return Fail(Code::kInvalidArgument,
                   "The image " + digest.str() + " is a " + image->media_type +
                       (image->artifact_type.empty() ? "" : " of " + image->artifact_type) +
                       ", not a container image; scan the images an index lists",
                   "UnsupportedImageTypeException");
  }
  BERTH_CO_ASSIGN(scan::ScanningConfig config, scan::LoadScanningConfig(meta_));
  BERTH_CO_ASSIGN(std::optional<meta::ScanRecord> previous, meta_.GetScan(repo.id, digest));
  // ECR allows one scan per image a day; a scan still in progress is not started twice.
  const int64_t now = clock_();
  if (previous && (previous->status == "IN_PROGRESS" || previous->requested_at > now - 86400) &&
      previous->scan_type == config.scan_type) {
    co_return Fail(Code::kResourceExhausted,
                   "The scan quota per image has been exceeded. Wait and try again. (one scan per image in 24 hours; "
                   "the last was requested at " + IsoTime(previous->requested_at) + ")",
                   "LimitExceededException");
  }
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] {
    return meta_.RequestScan(repo.id, digest, config.scan_type, now);
  }));
  json::object image_id{{"imageDigest", digest.str()}};
  if (std::string_view tag = JsonStringView(id, "imageTag"); !tag.empty()) image_id["imageTag"] = tag;
  co_return json::object{{"registryId", options_.account_id},
                         {"repositoryName", repo.name},
                         {"imageId", std::move(image_id)},
                         {"imageScanStatus", json::object{{"status", "IN_PROGRESS"}, {"description", "The scan is in progress."}}}};
}

http::Task<EcrApi::Output> EcrApi::DescribeImageScanFindings(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord repo, Repository(call.input));
  const json::object& id = call.input.at("imageId").as_object();
  BERTH_CO_ASSIGN(berth::oci::Digest digest, ImageDigest(repo, id));
  BERTH_CO_ASSIGN(Page page, ParsePage(call.input, 100));
  BERTH_CO_ASSIGN(std::optional<meta::ScanRecord> scan, meta_.GetScan(repo.id, digest));
  json::object image_id{{"imageDigest", digest.str()}};
  if (std::string_view tag = JsonStringView(id, "imageTag"); !tag.empty()) image_id["imageTag"] = tag;
  if (!scan) {
    co_return Fail(Code::kNotFound,
                   "Image scan does not exist for the image with '" + json::serialize(image_id) +
                       "' in the repository with name '" + repo.name + "' in the registry with id '" +
                       options_.account_id + "'",
                   "ScanNotFoundException");
  }
  json::object out{{"registryId", options_.account_id},
                   {"repositoryName", repo.name},
                   {"imageId", image_id},
                   {"imageScanStatus", ScanStatusJson(*scan)}};
  std::optional<json::object> summary = ScanSummaryJson(*scan);
  if (!summary) co_return out;

  BERTH_CO_ASSIGN(std::vector<scan::StoredFinding> findings, scan::FindingsFromJson(scan->findings));
  size_t start = 0;
  if (!page.after.empty()) {
    if (std::from_chars(page.after.data(), page.after.data() + page.after.size(), start).ec != std::errc()) {
      co_return Fail(Code::kInvalidArgument, "Invalid parameter at 'nextToken'", "InvalidParameterException");
    }
  }
  json::object result = *std::move(summary);
  const size_t end = std::min(findings.size(), start + page.limit);
  json::array listed;
  const bool enhanced = scan->scan_type == "ENHANCED";
  std::vector<std::string> tags;
  if (enhanced) {
    BERTH_CO_ASSIGN(std::optional<meta::ImageRecord> image, meta_.FindImage(repo.id, digest));
    if (image) tags = image->tags;
  }
  for (size_t i = start; i < end; ++i) {
    listed.push_back(enhanced ? EnhancedFinding(repo, digest, tags, *scan, findings[i]) : BasicFinding(findings[i]));
  }
  result[enhanced ? "enhancedFindings" : "findings"] = std::move(listed);
  out["imageScanFindings"] = std::move(result);
  if (end < findings.size()) out["nextToken"] = EncodeToken(std::to_string(end));
  co_return out;
}

}  // namespace berth::api::ecr
