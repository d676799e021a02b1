#include "scan/scanner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "oci/manifest.h"
#include "scan/cyclonedx.h"
#include "scan/pull_gate.h"
#include "scan/report.h"
#include "scan/test_layers.h"
#include "testing/local_stores.h"

namespace berth::scan {
namespace {

constexpr std::string_view kOsRelease = "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n";

std::string Dpkg(std::string_view openssl_version) {
  return "Package: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: " + std::string(openssl_version) +
         "\nArchitecture: amd64\n\nPackage: zlib1g\nStatus: install ok installed\nSource: zlib\n"
         "Version: 1:1.2.13.dfsg-1\nArchitecture: amd64\n\n";
}

std::string Osv(std::string_view id, std::string_view fixed, std::string_view modified) {
  return R"({"id":")" + std::string(id) + R"(","modified":")" + std::string(modified) +
         R"(","summary":"openssl flaw","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],)"
         R"("affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":")" +
         std::string(fixed) + R"("}]}]}]})";
}

class ScannerTest : public testing::LocalStoresTest {
 protected:
  void SetUp() override {
    LocalStoresTest::SetUp();
    scanner_ = std::make_unique<Scanner>(*meta_, *blobs_, [this] { return now_; });
  }
  void TearDown() override {
    scanner_.reset();
    LocalStoresTest::TearDown();
  }

  // Pushes an image of these layers (gzip tarballs) and returns its digest.
  oci::Digest PushImage(const std::vector<std::string>& layers, const std::string& tag) {
    const std::string config_bytes = R"({"architecture":"amd64","os":"linux","tag":")" + tag + "\"}";
    const oci::Digest config = Push(config_bytes);
    const auto config_size = static_cast<int64_t>(config_bytes.size());
    std::string payload = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
                          R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
                          config.str() + R"(","size":)" + std::to_string(config_size) + R"(},"layers":[)";
    std::vector<meta::NewManifest::BlobRef> blobs{{config, config_size}};
    for (size_t i = 0; i < layers.size(); ++i) {
      const oci::Digest digest = Push(layers[i]);
      const auto size = static_cast<int64_t>(layers[i].size());
      payload += std::string(i ? "," : "") + R"({"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" +
                 digest.str() + R"(","size":)" + std::to_string(size) + "}";
      blobs.push_back({digest, size});
    }
    payload += "]}";
    meta::NewManifest m{.digest = oci::Digest::Sha256Of(payload),
                        .media_type = std::string(oci::kOciManifest),
                        .artifact_type = "application/vnd.oci.image.config.v1+json",
                        .payload = payload,
                        .blobs = std::move(blobs)};
    EXPECT_TRUE(meta_->PutManifest(repo_, m, &tag, now_).has_value());
    return m.digest;
  }

  meta::ScanRecord Scan(const oci::Digest& image) {
    std::optional<meta::ScanRecord> r = *meta_->GetScan(repo_, image);
    EXPECT_TRUE(r.has_value());
    return r.value_or(meta::ScanRecord{});
  }

  std::unique_ptr<Scanner> scanner_;
};

TEST_F(ScannerTest, AVulnerablePackageIsFoundAndAFixResolvesItWithoutReadingTheLayersAgain) {
  ASSERT_TRUE(meta_->PutAdvisories({{.id = "DSA-1", .modified = "2024-01-01T00:00:00Z",
                                     .document = Osv("DSA-1", "3.0.11-1~deb12u2", "2024-01-01T00:00:00Z"),
                                     .packages = {{"Debian:12", "openssl"}}}},
                                   1, now_)
                  .has_value());
  // The base layer has the old openssl; the upper one upgrades nothing but deletes a file.
  const std::string base = MakeLayer({{"etc/os-release", std::string(kOsRelease)},
                                      {"var/lib/dpkg/status", Dpkg("3.0.11-1~deb12u1")},
                                      {"tmp/junk", "x"}});
  const std::string upper = MakeLayer({{"tmp/.wh.junk", ""}});
  const oci::Digest image = PushImage({base, upper}, "v1");
  ASSERT_TRUE(*meta_->RequestScan(repo_, image, "BASIC", now_));
  scanner_->RunOnce();

  meta::ScanRecord r = Scan(image);
  EXPECT_EQ(r.status, "COMPLETE") << r.description;
  EXPECT_EQ(r.vulndb_version, 1);
  std::vector<StoredFinding> findings = *FindingsFromJson(r.findings);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].id, "DSA-1");
  EXPECT_EQ(findings[0].severity, Severity::kCritical);
  EXPECT_EQ(findings[0].package.name, "libssl3");
  EXPECT_EQ(findings[0].package.version, "3.0.11-1~deb12u1");
  EXPECT_EQ(findings[0].fixed_version, "3.0.11-1~deb12u2");
  EXPECT_EQ(findings[0].package.layer, oci::Digest::Sha256Of(base).str());
  Inventory inventory = *InventoryFromJson(r.inventory);
  EXPECT_EQ(inventory.os.id, "debian");
  EXPECT_EQ(inventory.packages.size(), 2u);
  EXPECT_EQ(scanner_->layers_read(), 2u);

  // The SBOM is a referrer of the image, its layer a CycloneDX document naming the packages.
  std::vector<meta::Referrer> sboms = *meta_->ListReferrers(repo_, image, kCycloneDxMediaType, "", 10);
  ASSERT_EQ(sboms.size(), 1u);
  std::optional<meta::ManifestRecord> sbom_manifest = *meta_->GetManifest(repo_, &sboms[0].digest, nullptr);
  ASSERT_TRUE(sbom_manifest.has_value());
  oci::Manifest parsed = *oci::ParseManifest(sbom_manifest->media_type, sbom_manifest->payload);
  ASSERT_EQ(parsed.blobs.size(), 2u);
  std::unique_ptr<blob::BlobReader> reader = *blobs_->Open(parsed.blobs[1].digest);
  std::string sbom(reader->size(), '\0');
  ASSERT_EQ(*reader->ReadAt(0, sbom), sbom.size());
  EXPECT_NE(sbom.find(R"("bomFormat":"CycloneDX")"), std::string::npos);
  EXPECT_NE(sbom.find(R"("purl":"pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12")"), std::string::npos)
      << sbom;

  // The advisory now says the installed version is the fix: matched again, nothing found.
  ASSERT_TRUE(meta_->PutAdvisories({{.id = "DSA-1", .modified = "2024-02-01T00:00:00Z",
                                     .document = Osv("DSA-1", "3.0.11-1~deb12u1", "2024-02-01T00:00:00Z"),
                                     .packages = {{"Debian:12", "openssl"}}}},
                                   2, now_ + 10)
                  .has_value());
  scanner_->RunOnce();
  r = Scan(image);
  EXPECT_EQ(r.vulndb_version, 2);
  EXPECT_EQ(r.vulndb_updated_at, now_ + 10);
  EXPECT_TRUE(FindingsFromJson(r.findings)->empty());
  EXPECT_EQ(scanner_->images_rematched(), 1u);
  EXPECT_EQ(scanner_->layers_read(), 2u);

  // Deleting the image takes its SBOM with it.
  ASSERT_TRUE(*meta_->DeleteManifest(repo_, image));
  EXPECT_FALSE(meta_->GetManifest(repo_, &sboms[0].digest, nullptr)->has_value());
}

TEST_F(ScannerTest, ScanOnPushFollowsTheRepositoryAndTheRegistryRulesAndLayersAreReadOnce) {
  const std::string base = MakeLayer({{"etc/os-release", std::string(kOsRelease)},
                                      {"var/lib/dpkg/status", Dpkg("3.0.11-1~deb12u1")}});
  const oci::Digest first = PushImage({base}, "one");
  scanner_->RunOnce();
  EXPECT_FALSE(meta_->GetScan(repo_, first)->has_value());  // MANUAL: not scanned
  // A pass in a later second has looked at the first image for good.
  now_ += 2;
  scanner_->RunOnce();

  meta::RepositoryRecord repo = **meta_->GetRepository("team/app");
  repo.scan_on_push = true;
  ASSERT_TRUE(meta_->UpdateRepository(repo).has_value());
  ++now_;
  const oci::Digest second = PushImage({base, MakeLayer({{"app/main", "bin"}})}, "two");
  scanner_->RunOnce();
  EXPECT_EQ(Scan(second).status, "COMPLETE");
  EXPECT_FALSE(meta_->GetScan(repo_, first)->has_value());  // pushed before

  // ENHANCED with a rule that does not match this repository: not scanned, even with scanOnPush.
  ASSERT_TRUE(meta_->PutSetting(kScanningConfigSetting,
                                R"({"scanType":"ENHANCED","rules":[{"scanFrequency":"SCAN_ON_PUSH","repositoryFilters":[{"filter":"prod-*","filterType":"WILDCARD"}]}]})")
                  .has_value());
  ++now_;
  const oci::Digest third = PushImage({base, MakeLayer({{"app/other", "bin"}})}, "three");
  scanner_->RunOnce();
  EXPECT_FALSE(meta_->GetScan(repo_, third)->has_value());
  // The base layer was read once for two images... and again for the third only by request.
  EXPECT_EQ(scanner_->layers_read(), 2u);
  EXPECT_EQ(scanner_->layer_cache_hits(), 0u);
  ASSERT_TRUE(*meta_->RequestScan(repo_, second, "BASIC", now_));
  scanner_->RunOnce();
  EXPECT_EQ(scanner_->layers_read(), 2u);
  EXPECT_EQ(scanner_->layer_cache_hits(), 2u);
}

TEST_F(ScannerTest, BrokenLayersFailTheScanWithAReasonAndIndexesAreUnsupported) {
  const oci::Digest image = PushImage({"not a tarball at all, just bytes"}, "broken");
  ASSERT_TRUE(*meta_->RequestScan(repo_, image, "BASIC", now_));
  scanner_->RunOnce();
  meta::ScanRecord r = Scan(image);
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_NE(r.description.find("layer sha256:"), std::string::npos) << r.description;
  EXPECT_EQ(scanner_->scans_failed(), 1u);

  const oci::Digest empty = PushImage({MakeLayer({{"data/file", "x"}})}, "empty");
  ASSERT_TRUE(*meta_->RequestScan(repo_, empty, "BASIC", now_));
  scanner_->RunOnce();
  EXPECT_EQ(Scan(empty).status, "UNSUPPORTED_IMAGE");

  const std::string index = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})";
  meta::NewManifest m{.digest = oci::Digest::Sha256Of(index), .media_type = std::string(oci::kOciIndex), .payload = index};
  ASSERT_TRUE(meta_->PutManifest(repo_, m, nullptr, now_).has_value());
  ASSERT_TRUE(*meta_->RequestScan(repo_, m.digest, "BASIC", now_));
  scanner_->RunOnce();
  EXPECT_EQ(Scan(m.digest).status, "UNSUPPORTED_IMAGE");
}

TEST_F(ScannerTest, PullsAreRefusedAtTheThresholdUnlessExceptedAndRepositoryTagsWin) {
  ASSERT_TRUE(meta_->PutAdvisories({{.id = "DSA-1", .modified = "2024-01-01T00:00:00Z",
                                     .document = Osv("DSA-1", "3.0.11-1~deb12u2", "2024-01-01T00:00:00Z"),
                                     .packages = {{"Debian:12", "openssl"}}}},
                                   1, now_)
                  .has_value());
  const oci::Digest image = PushImage({MakeLayer({{"etc/os-release", std::string(kOsRelease)},
                                                  {"var/lib/dpkg/status", Dpkg("3.0.11-1~deb12u1")}})},
                                      "v1");
  PullGate gate(*meta_, [this] { return now_; });
  EXPECT_EQ((*gate.BlockFor(repo_))->threshold, Severity::kUndefined);
  ASSERT_TRUE(meta_->PutSetting(kPullBlockSeveritySetting, "HIGH").has_value());
  now_ += 10;  // the registry's settings are read again
  PullBlock block = **gate.BlockFor(repo_);
  EXPECT_EQ(block.threshold, Severity::kHigh);
  EXPECT_TRUE(gate.Check(repo_, image, block).has_value());  // not scanned yet: served

  ASSERT_TRUE(*meta_->RequestScan(repo_, image, "BASIC", now_));
  scanner_->RunOnce();
  Status refused = gate.Check(repo_, image, block);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().reason(), "DENIED");
  EXPECT_NE(refused.error().message().find("DSA-1 (CRITICAL, libssl3 3.0.11-1~deb12u1)"), std::string::npos)
      << refused.error().message();

  block.exceptions = {"DSA-1"};
  EXPECT_TRUE(gate.Check(repo_, image, block).has_value());
  // The repository's tags replace the registry's setting.
  ASSERT_TRUE(meta_->TagResource(repo_, {{std::string(kPullBlockSeverityTag), "CRITICAL"}, {std::string(kPullBlockExceptionsTag), "X-1, DSA-1"}}, 50).has_value());
  PullBlock repo_block = **gate.BlockFor(repo_);
  EXPECT_EQ(repo_block.threshold, Severity::kCritical);
  EXPECT_EQ(repo_block.exceptions, (std::set<std::string>{"DSA-1", "X-1"}));
  EXPECT_TRUE(gate.Check(repo_, image, repo_block).has_value());

  EXPECT_FALSE(ParseBlockSeverity("SEVERE").has_value());
  EXPECT_FALSE(ParseBlockExceptions("CVE-1 bad/id").has_value());
}

TEST(ScanningConfigTest, FiltersAndRulesFollowEcr) {
  EXPECT_TRUE(RepositoryFilterMatches("prod", "team/prod-api"));  // no '*': contains
  EXPECT_TRUE(RepositoryFilterMatches("prod*", "prod"));
  EXPECT_TRUE(RepositoryFilterMatches("prod*", "prodrepo"));
  EXPECT_FALSE(RepositoryFilterMatches("prod*", "team/prod"));
  EXPECT_TRUE(RepositoryFilterMatches("*/api", "team/api"));

  ScanningConfig basic = *ScanningConfigFromJson(
      R"({"scanType":"BASIC","rules":[{"scanFrequency":"SCAN_ON_PUSH","repositoryFilters":[{"filter":"prod","filterType":"WILDCARD"}]}]})");
  EXPECT_EQ(ScanningFor(basic, "prod-api", false).frequency, "SCAN_ON_PUSH");
  EXPECT_EQ(ScanningFor(basic, "prod-api", false).applied_filters, std::vector<std::string>{"prod"});
  EXPECT_EQ(ScanningFor(basic, "dev", false).frequency, "MANUAL");
  EXPECT_TRUE(ScanningFor(basic, "dev", true).scans_on_push);

  ScanningConfig enhanced = *ScanningConfigFromJson(
      R"({"scanType":"ENHANCED","rules":[{"scanFrequency":"SCAN_ON_PUSH","repositoryFilters":[{"filter":"*"}]},)"
      R"({"scanFrequency":"CONTINUOUS_SCAN","repositoryFilters":[{"filter":"prod"}]}]})");
  EXPECT_EQ(ScanningFor(enhanced, "prod-api", false).frequency, "CONTINUOUS_SCAN");  // continuous wins
  EXPECT_EQ(ScanningFor(enhanced, "dev", false).frequency, "SCAN_ON_PUSH");
  EXPECT_EQ(ScanningConfigFromJson(ScanningConfigToJson(enhanced))->rules.size(), 2u);

  auto invalid = [](std::string_view json) {
    Result<ScanningConfig> c = ScanningConfigFromJson(json);
    return !c && c.error().reason() == "ValidationException";
  };
  EXPECT_TRUE(invalid(R"({"scanType":"BASIC","rules":[{"scanFrequency":"CONTINUOUS_SCAN","repositoryFilters":[{"filter":"a"}]}]})"));
  EXPECT_TRUE(invalid(R"({"scanType":"DEEP"})"));
  EXPECT_TRUE(invalid(R"({"rules":[{"scanFrequency":"SCAN_ON_PUSH","repositoryFilters":[]}]})"));
  EXPECT_TRUE(invalid(R"({"rules":[{"scanFrequency":"SCAN_ON_PUSH","repositoryFilters":[{"filter":"UPPER"}]}]})"));
}

}  // namespace
}  // namespace berth::scan
