// The MetadataStoreContract tests of the vulnerability database (each engine instantiates the
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

}  // namespace
}  // namespace berth::meta
