// The MetadataStoreContract tests of the vulnerability database and image scans (each engine instantiates the
// suite; see metadata_store_contract.h).
#include "meta/metadata_store_contract.h"

namespace berth::meta {
namespace {

AdvisoryRow Advisory(std::string id, std::string modified, std::vector<std::pair<std::string, std::string>> packages) {
  return {.id = id, .modified = modified, .document = "{\"id\":\"" + id + "\",\"modified\":\"" + modified + "\"}",
          .packages = std::move(packages)};
}

TEST_P(MetadataStoreContract, AdvisoriesAreFoundByPackageAndImportsRaiseTheVersion) {
  VulnDbState empty = *store_->GetVulnDbState();
  EXPECT_EQ(empty.version, 0);
  EXPECT_EQ(empty.advisories, 0);

  ASSERT_EQ(*store_->PutAdvisories({Advisory("DSA-1", "2024-01-01T00:00:00Z", {{"Debian:12", "openssl"}, {"Debian:12", "openssl"}}),
                                    Advisory("GHSA-2", "2024-01-02T00:00:00Z", {{"PyPI", "requests"}, {"PyPI", "urllib3"}})},
                                   1, 100),
            2);
  VulnDbState first = *store_->GetVulnDbState();
  EXPECT_EQ(first.version, 1);
  EXPECT_EQ(first.updated_at, 100);
  EXPECT_EQ(first.advisories, 2);

  // The same again changes nothing, and the version stays.
  ASSERT_EQ(*store_->PutAdvisories({Advisory("DSA-1", "2024-01-01T00:00:00Z", {{"Debian:12", "openssl"}})}, 2, 200), 0);
  EXPECT_EQ(store_->GetVulnDbState()->version, 1);

  auto found = *store_->FindAdvisories({{"PyPI", "urllib3"}, {"PyPI", "requests"}, {"npm", "left-pad"}});
  ASSERT_EQ(found.size(), 1u) << "each advisory once";
  EXPECT_EQ(found[0].first, "GHSA-2");
  EXPECT_NE(found[0].second.find("GHSA-2"), std::string::npos);

  // An update replaces the packages it names.
  ASSERT_EQ(*store_->PutAdvisories({Advisory("GHSA-2", "2024-02-01T00:00:00Z", {{"PyPI", "urllib3"}})}, 2, 300), 1);
  EXPECT_TRUE(store_->FindAdvisories({{"PyPI", "requests"}})->empty());
  EXPECT_EQ(store_->FindAdvisories({{"PyPI", "urllib3"}})->size(), 1u);
  VulnDbState second = *store_->GetVulnDbState();
  EXPECT_EQ(second.version, 2);
  EXPECT_EQ(second.updated_at, 300);
  EXPECT_EQ(second.advisories, 2);
  EXPECT_TRUE(store_->FindAdvisories({{"debian:12", "openssl"}})->empty()) << "ecosystems are exact";
  // A second batch of the same import keeps its version.
  ASSERT_EQ(*store_->PutAdvisories({Advisory("DSA-9", "2024-03-01T00:00:00Z", {{"Debian:12", "curl"}})}, 2, 400), 1);
  EXPECT_EQ(store_->GetVulnDbState()->version, 2);
}


TEST_P(MetadataStoreContract, ScansAreRequestedSavedOnlyForTheLatestRequestAndGoWithTheirImage) {
  const oci::Digest image = oci::Digest::Sha256Of("m");
  PushBlob(repo_, oci::Digest::Sha256Of("c"), 10);
  PushBlob(repo_, oci::Digest::Sha256Of("l"), 20);
  EXPECT_FALSE(*store_->RequestScan(repo_, image, "BASIC", 5));  // no such image yet
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), nullptr, 10).has_value());

  // Scan on push finds it by push time until it has a scan.
  std::vector<PushedImage> pushed = *store_->UnscannedImages(10, 10);
  ASSERT_EQ(pushed.size(), 1u);
  EXPECT_EQ(pushed[0].digest, image);
  EXPECT_EQ(pushed[0].repo_name, "team/app");
  EXPECT_EQ(pushed[0].pushed_at, 10);
  EXPECT_TRUE(store_->UnscannedImages(11, 10)->empty());
  EXPECT_FALSE(store_->GetScan(repo_, image)->has_value());

  ASSERT_TRUE(*store_->RequestScan(repo_, image, "BASIC", 20));
  EXPECT_TRUE(store_->UnscannedImages(0, 10)->empty());
  std::vector<ScanTarget> pending = *store_->PendingScans(10);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].repo_name, "team/app");
  EXPECT_EQ(pending[0].scan_type, "BASIC");
  ScanRecord requested = **store_->GetScan(repo_, image);
  EXPECT_EQ(requested.status, "IN_PROGRESS");
  EXPECT_EQ(requested.requested_at, 20);
  EXPECT_FALSE(requested.completed_at.has_value());

  // A newer request makes the older scan's result stale: it is not stored.
  const ScanTarget first = pending[0];
  ASSERT_TRUE(*store_->RequestScan(repo_, image, "ENHANCED", 30));
  ScanRecord done{.status = "COMPLETE", .description = "done", .completed_at = 40, .vulndb_version = 3,
                  .vulndb_updated_at = 35, .inventory = "{\"packages\":[]}", .findings = "[]",
                  .severity_counts = "{\"CRITICAL\":1}"};
  EXPECT_FALSE(*store_->SaveScan(first, done));
  const ScanTarget second = store_->PendingScans(10)->at(0);
  EXPECT_EQ(second.scan_type, "ENHANCED");
  EXPECT_TRUE(*store_->SaveScan(second, done));
  ScanRecord saved = **store_->GetScan(repo_, image);
  EXPECT_EQ(saved.scan_type, "ENHANCED");
  EXPECT_EQ(saved.status, "COMPLETE");
  EXPECT_EQ(saved.completed_at, 40);
  EXPECT_EQ(saved.vulndb_version, 3);
  EXPECT_EQ(saved.vulndb_updated_at, 35);
  EXPECT_EQ(saved.findings, "[]");
  EXPECT_EQ(saved.severity_counts, "{\"CRITICAL\":1}");
  ScanRecord summary = **store_->GetScanSummary(repo_, image);
  EXPECT_EQ(summary.status, "COMPLETE");
  EXPECT_EQ(summary.severity_counts, "{\"CRITICAL\":1}");
  EXPECT_TRUE(summary.inventory.empty());
  EXPECT_TRUE(summary.findings.empty());
  EXPECT_TRUE(store_->PendingScans(10)->empty());

  // Matched against version 3: stale for version 4, not for 3.
  EXPECT_TRUE(store_->StaleScans(3, 10)->empty());
  auto stale = *store_->StaleScans(4, 10);
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].first.digest, image);
  EXPECT_EQ(stale[0].second.inventory, done.inventory);
  done.vulndb_version = 4;
  EXPECT_TRUE(*store_->SaveScan(stale[0].first, done));
  EXPECT_TRUE(store_->StaleScans(4, 10)->empty());

  // The scan goes with its image.
  ASSERT_TRUE(*store_->DeleteManifest(repo_, image));
  EXPECT_FALSE(store_->GetScan(repo_, image)->has_value());
  EXPECT_FALSE(*store_->SaveScan(second, done));
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), nullptr, 50).has_value());
  EXPECT_FALSE(store_->GetScan(repo_, image)->has_value());
}

}  // namespace
}  // namespace berth::meta
