#include "meta/metadata_store_contract.h"

#include <algorithm>
#include <thread>

#include "meta/write_timings.h"

namespace berth::meta {
namespace {

oci::Digest D(char c) { return oci::Digest::Sha256Of(std::string(1, c)); }

}  // namespace

void MetadataStoreContract::SetUp() {
  // A parameterised test's name ends in "/<param>": one directory level, not two.
  std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::replace(test.begin(), test.end(), '/', '-');
  dir_ = std::filesystem::temp_directory_path() / ("berth-meta-" + std::to_string(getpid()) + "-" + test);
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  repo_ = *store_->CreateRepositoryIfMissing("team/app", 100);
}

void MetadataStoreContract::TearDown() {
  store_.reset();
  std::filesystem::remove_all(dir_);
}

std::unique_ptr<MetadataStore> MetadataStoreContract::Open() {
  Result<std::unique_ptr<MetadataStore>> store = GetParam().open(dir_.string());
  EXPECT_TRUE(store.has_value()) << store.error().message();
  return store ? std::move(*store) : nullptr;
}

void MetadataStoreContract::PushBlob(RepositoryId repo, const oci::Digest& digest, uint64_t size) {
  std::string id = "u-" + digest.str().substr(7, 12) + std::to_string(repo);
  ASSERT_TRUE(store_->CreateUpload({.id = id, .repository = repo, .hash_state = "h"}).has_value());
  ASSERT_TRUE(store_->CommitUpload(id, digest, size, 1, [] { return Status{}; }).has_value());
}

NewManifest MetadataStoreContract::Image(char config, char layer) {
  return NewManifest{.digest = D('m'),
                     .media_type = "application/vnd.oci.image.manifest.v1+json",
                     .payload = "{}",
                     .blobs = {{D(config), 10}, {D(layer), 20}}};
}

namespace {

// The process-wide write timings behind /metrics: every committed write counts its wait for the
// writer and its commit; a long background write counts its steps apart from changes.
TEST_P(MetadataStoreContract, WritesCountTheirWaitForTheWriterAndTheirCommit) {
  const uint64_t changes = WriteLockWaits(WriteKind::kChange).Read().count;
  const uint64_t steps = WriteLockWaits(WriteKind::kBackground).Read().count;
  const uint64_t commits = WriteCommits(WriteKind::kChange).Read().count;
  const uint64_t step_commits = WriteCommits(WriteKind::kBackground).Read().count;
  RepositoryRecord r = *store_->CreateRepository({.name = "timed", .created_at = 1}, {});
  EXPECT_EQ(WriteLockWaits(WriteKind::kChange).Read().count, changes + 1);
  EXPECT_EQ(WriteCommits(WriteKind::kChange).Read().count, commits + 1);
  EXPECT_EQ(WriteLockWaits(WriteKind::kBackground).Read().count, steps);
  PushBlob(r.id, D('c'), 10);
  PushBlob(r.id, D('l'), 20);
  ASSERT_TRUE(store_->PutManifest(r.id, Image('c', 'l'), nullptr, 100).has_value());
  const uint64_t changes_before_pulls = WriteLockWaits(WriteKind::kChange).Read().count;
  ASSERT_EQ(*store_->RecordPulls(std::vector<PulledImage>{{r.id, D('m'), 200}}), 1);
  EXPECT_GE(WriteLockWaits(WriteKind::kBackground).Read().count, steps + 1);
  EXPECT_EQ(WriteLockWaits(WriteKind::kChange).Read().count, changes_before_pulls);
  EXPECT_GE(WriteCommits(WriteKind::kBackground).Read().count, step_commits + 1);
  EXPECT_GT(WriteCommits(WriteKind::kChange).Read().sum, 0.0);
}

TEST_P(MetadataStoreContract, RepositoriesAreCreatedOnceAndListedInOrder) {
  EXPECT_EQ(*store_->CreateRepositoryIfMissing("team/app", 5), repo_);
  ASSERT_TRUE(store_->CreateRepositoryIfMissing("alpha", 5).has_value());
  ASSERT_TRUE(store_->CreateRepositoryIfMissing("zeta", 5).has_value());
  EXPECT_EQ(*store_->ListRepositories("", 10),
            (std::vector<std::string>{"alpha", "team/app", "zeta"}));
  EXPECT_EQ(*store_->ListRepositories("alpha", 1), (std::vector<std::string>{"team/app"}));
  EXPECT_FALSE(store_->FindRepository("nope")->has_value());
}

TEST_P(MetadataStoreContract, BlobsAreVisibleOnlyInTheirRepositories) {
  RepositoryId other = *store_->CreateRepositoryIfMissing("other", 1);
  PushBlob(repo_, D('a'), 10);
  EXPECT_EQ(*store_->FindBlob(repo_, D('a')), 10u);
  EXPECT_FALSE(store_->FindBlob(other, D('a'))->has_value());
  EXPECT_FALSE(*store_->MountBlob(repo_, other, D('a'), 1));  // other lacks it
  EXPECT_TRUE(*store_->MountBlob(other, repo_, D('a'), 1));
  EXPECT_EQ(*store_->FindBlob(other, D('a')), 10u);
  EXPECT_TRUE(*store_->UnlinkBlob(other, D('a')));
  EXPECT_FALSE(store_->FindBlob(other, D('a'))->has_value());
  EXPECT_EQ(*store_->FindBlob(repo_, D('a')), 10u);
}

TEST_P(MetadataStoreContract, CommittingAnUploadEndsItsSession) {
  ASSERT_TRUE(store_->CreateUpload({.id = "u1", .repository = repo_, .hash_state = "s"}).has_value());
  ASSERT_TRUE(store_->SaveUploadProgress("u1", 0, 7, "state7", 50).has_value());
  // A request that resumed from the old size lost the race: its progress is refused.
  Result<void> raced = store_->SaveUploadProgress("u1", 0, 9, "state9", 51);
  ASSERT_FALSE(raced.has_value());
  EXPECT_EQ(raced.error().reason(), "RANGE_INVALID");
  std::optional<UploadRecord> u = *store_->GetUpload("u1");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->size, 7u);
  EXPECT_EQ(u->hash_state, "state7");
  ASSERT_TRUE(store_->CommitUpload("u1", D('b'), 7, 60, [] { return Status{}; }).has_value());
  EXPECT_FALSE(store_->GetUpload("u1")->has_value());
  EXPECT_EQ(store_->CommitUpload("u1", D('b'), 7, 60, [] { return Status{}; }).error().code(), Code::kNotFound);
  EXPECT_EQ(store_->SaveUploadProgress("u1", 7, 8, "x", 1).error().code(), Code::kNotFound);
}

TEST_P(MetadataStoreContract, IdleUploadsAreFound) {
  ASSERT_TRUE(store_->CreateUpload({.id = "old", .repository = repo_, .updated_at = 10}).has_value());
  ASSERT_TRUE(store_->CreateUpload({.id = "new", .repository = repo_, .updated_at = 100}).has_value());
  EXPECT_EQ(*store_->IdleUploads(50, 10), (std::vector<std::string>{"old"}));
  EXPECT_EQ(*store_->CountUploads(), 2);
}

TEST_P(MetadataStoreContract, ManifestPushNeedsEveryBlobAndChangesNothingOtherwise) {
  PushBlob(repo_, D('c'), 10);
  std::string tag = "v1";
  Result<PutManifestOutcome> missing = store_->PutManifest(repo_, Image('c', 'l'), &tag, 1);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().reason(), "MANIFEST_BLOB_UNKNOWN");
  EXPECT_TRUE(store_->ListTags(repo_, "", 10)->empty());

  PushBlob(repo_, D('l'), 21);
  Result<PutManifestOutcome> wrong_size = store_->PutManifest(repo_, Image('c', 'l'), &tag, 1);
  ASSERT_FALSE(wrong_size.has_value());
  EXPECT_EQ(wrong_size.error().reason(), "MANIFEST_INVALID");

  PushBlob(repo_, D('k'), 20);
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'k'), &tag, 1).has_value());
  std::optional<ManifestRecord> by_tag = *store_->GetManifest(repo_, nullptr, &tag);
  ASSERT_TRUE(by_tag.has_value());
  EXPECT_EQ(by_tag->digest, D('m'));
  oci::Digest m = D('m');
  EXPECT_TRUE(store_->GetManifest(repo_, &m, nullptr)->has_value());
}

TEST_P(MetadataStoreContract, IndexesNeedTheirChildManifests) {
  NewManifest index{.digest = D('i'), .media_type = "application/vnd.oci.image.index.v1+json",
                    .payload = "{}", .manifests = {D('m')}};
  EXPECT_EQ(store_->PutManifest(repo_, index, nullptr, 1).error().reason(), "MANIFEST_CHILD_UNKNOWN");
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), nullptr, 1).has_value());
  EXPECT_TRUE(store_->PutManifest(repo_, index, nullptr, 1).has_value());
}

TEST_P(MetadataStoreContract, DeletingAManifestRemovesItsTagsButDeletingATagKeepsTheManifest) {
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  std::string a = "a", b = "b";
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), &a, 1).has_value());
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), &b, 1).has_value());
  EXPECT_EQ(*store_->ListTags(repo_, "", 10), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(*store_->DeleteTag(repo_, "a"));
  EXPECT_FALSE(*store_->DeleteTag(repo_, "a"));
  oci::Digest m = D('m');
  EXPECT_TRUE(store_->GetManifest(repo_, &m, nullptr)->has_value());
  EXPECT_TRUE(*store_->DeleteManifest(repo_, m));
  EXPECT_TRUE(store_->ListTags(repo_, "", 10)->empty());
  EXPECT_FALSE(*store_->DeleteManifest(repo_, m));
}

TEST_P(MetadataStoreContract, TagsPageInOrder) {
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  for (std::string t : {"c", "a", "b", "d"}) {
    ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), &t, 1).has_value());
  }
  EXPECT_EQ(*store_->ListTags(repo_, "", 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*store_->ListTags(repo_, "b", 2), (std::vector<std::string>{"c", "d"}));
  EXPECT_TRUE(store_->ListTags(repo_, "d", 2)->empty());
}

TEST_P(MetadataStoreContract, ReferrersAreFoundBySubjectAndFiltered) {
  PushBlob(repo_, D('c'), 10);
  NewManifest sbom{.digest = D('s'), .media_type = "application/vnd.oci.image.manifest.v1+json",
                   .artifact_type = "application/spdx+json", .subject = D('x'), .payload = "{}",
                   .blobs = {{D('c'), 10}}};
  NewManifest sig = sbom;
  sig.digest = D('t');
  sig.artifact_type = "application/signature";
  ASSERT_TRUE(store_->PutManifest(repo_, sbom, nullptr, 1).has_value());
  ASSERT_TRUE(store_->PutManifest(repo_, sig, nullptr, 1).has_value());
  EXPECT_EQ(store_->ListReferrers(repo_, D('x'), "", "", 10)->size(), 2u);
  std::vector<Referrer> only = *store_->ListReferrers(repo_, D('x'), "application/signature", "", 10);
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].digest, D('t'));
  EXPECT_TRUE(store_->ListReferrers(repo_, D('y'), "", "", 10)->empty());
  // Pages in digest order.
  std::vector<Referrer> first = *store_->ListReferrers(repo_, D('x'), "", "", 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].digest, D('s'));
  std::vector<Referrer> second = *store_->ListReferrers(repo_, D('x'), "", first[0].digest.str(), 1);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].digest, D('t'));
  EXPECT_TRUE(store_->ListReferrers(repo_, D('x'), "", second[0].digest.str(), 1)->empty());
}

TEST_P(MetadataStoreContract, RepositoryUsageCountsImagesAndSharedLayersOnce) {
  const RepositoryId other = *store_->CreateRepositoryIfMissing("team/other", 50);
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  PushBlob(repo_, D('k'), 20);
  std::string v1 = "v1", v2 = "v2";
  // Two images sharing config 'c': 10 + 20 + 20 bytes, not 10 + 20 + 10 + 20.
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), &v1, 300).has_value());
  NewManifest second = Image('c', 'k');
  second.digest = D('n');
  ASSERT_TRUE(store_->PutManifest(repo_, second, &v2, 400).has_value());
  // An index of both and a referrer: neither is counted as an image of its own.
  NewManifest index{.digest = D('i'), .media_type = "application/vnd.oci.image.index.v1+json",
                    .payload = "{}", .manifests = {D('m'), D('n')}};
  ASSERT_TRUE(store_->PutManifest(repo_, index, nullptr, 500).has_value());
  NewManifest sbom{.digest = D('s'), .media_type = "application/vnd.oci.image.manifest.v1+json",
                   .artifact_type = "application/spdx+json", .subject = D('i'), .payload = "{}",
                   .blobs = {{D('c'), 10}}};
  ASSERT_TRUE(store_->PutManifest(repo_, sbom, nullptr, 600).has_value());

  std::vector<RepositoryUsage> all = *store_->ListRepositoryUsage("", 10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "team/app");
  EXPECT_EQ(all[0].created_at, 100);
  EXPECT_EQ(all[0].images, 1);  // the index; its children and the referrer are parts of it
  EXPECT_EQ(all[0].bytes, 50);
  EXPECT_EQ(all[0].last_pushed_at, 600);
  EXPECT_EQ(all[1].name, "team/other");
  EXPECT_EQ(all[1].images, 0);
  EXPECT_EQ(all[1].bytes, 0);
  EXPECT_EQ(all[1].last_pushed_at, 0);
  (void)other;
  // Pages by name.
  std::vector<RepositoryUsage> page = *store_->ListRepositoryUsage("team/app", 10);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].name, "team/other");
  EXPECT_EQ(store_->ListRepositoryUsage("", 1)->size(), 1u);
}

TEST_P(MetadataStoreContract, UsageSamplesAreTakenOncePerTimeAndPruned) {
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), nullptr, 1).has_value());
  EXPECT_TRUE(*store_->RecordUsageSample(3600, 0));
  EXPECT_FALSE(*store_->RecordUsageSample(3600, 0));  // another node came first
  PushBlob(repo_, D('k'), 40);
  EXPECT_TRUE(*store_->RecordUsageSample(7200, 0));
  std::vector<UsageSample> samples = *store_->ListUsageSamples(0, 10);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].taken_at, 3600);
  EXPECT_EQ(samples[0].bytes, 30);
  EXPECT_EQ(samples[0].blobs, 2);
  EXPECT_EQ(samples[0].repositories, 1);
  EXPECT_EQ(samples[0].manifests, 1);
  EXPECT_EQ(samples[1].bytes, 70);
  EXPECT_EQ(store_->ListUsageSamples(3601, 10)->size(), 1u);
  EXPECT_EQ(store_->ListUsageSamples(0, 1)->size(), 1u);
  EXPECT_TRUE(*store_->RecordUsageSample(10800, 7200));  // drops the sample before 7200
  samples = *store_->ListUsageSamples(0, 10);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].taken_at, 7200);
}

TEST_P(MetadataStoreContract, SurvivesReopenAndConcurrentWriters) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 25; ++i) {
        ASSERT_TRUE(store_->CreateRepositoryIfMissing("r" + std::to_string(t * 100 + i), 1));
      }
    });
  }
  for (auto& th : threads) th.join();
  store_.reset();
  store_ = Open();
  EXPECT_EQ(store_->ListRepositories("", 1000)->size(), 101u);
}

TEST_P(MetadataStoreContract, AccessKeysAreUnique) {
  ASSERT_TRUE(store_->CreateAccessKey({.id = "AK", .secret = "s", .principal = "admin"}, 1));
  EXPECT_FALSE(store_->CreateAccessKey({.id = "AK", .secret = "t", .principal = "admin"}, 1));
  EXPECT_EQ(store_->ListAccessKeys()->size(), 1u);
}

TEST_P(MetadataStoreContract, TheIamDocumentChangesOnlyFromTheVersionItWasReadAt) {
  IamDocument empty = *store_->LoadIam();
  EXPECT_EQ(empty.version, 0);
  EXPECT_EQ(empty.json, "");
  EXPECT_EQ(*store_->IamVersion(), 0);
  ASSERT_TRUE(store_->SaveIam(0, "{\"users\":[]}"));
  EXPECT_EQ(*store_->IamVersion(), 1);
  EXPECT_EQ(store_->SaveIam(0, "{}").error().code(), Code::kAborted);
  ASSERT_TRUE(store_->SaveIam(1, "{\"users\":[1]}"));
  EXPECT_EQ(store_->SaveIam(1, "{}").error().code(), Code::kAborted);
  IamDocument now = *store_->LoadIam();
  EXPECT_EQ(now.version, 2);
  EXPECT_EQ(now.json, "{\"users\":[1]}");
  EXPECT_EQ(*store_->IamVersion(), 2);
}

TEST_P(MetadataStoreContract, RepositoryAccessHoldsThePolicyAndTheTags) {
  RepositoryRecord r = *store_->CreateRepository({.name = "guarded", .created_at = 1}, {{"team", "a"}});
  EXPECT_EQ(store_->GetRepositoryAccess(r.id)->value().policy, "");
  ASSERT_TRUE(store_->SetRepositoryPolicy(r.id, "{\"Statement\":[]}"));
  ASSERT_TRUE(store_->TagResource(r.id, {{"env", "prod"}}, 50));
  RepositoryAccess access = store_->GetRepositoryAccess(r.id)->value();
  EXPECT_EQ(access.policy, "{\"Statement\":[]}");
  EXPECT_EQ(access.tags, (ResourceTags{{"env", "prod"}, {"team", "a"}}));
  ASSERT_TRUE(store_->UntagResource(r.id, {"env"}));
  ASSERT_TRUE(store_->SetRepositoryPolicy(r.id, ""));
  access = store_->GetRepositoryAccess(r.id)->value();
  EXPECT_EQ(access.policy, "");
  EXPECT_EQ(access.tags, (ResourceTags{{"team", "a"}}));
  EXPECT_FALSE(store_->GetRepositoryAccess(r.id + 1000)->has_value());
  EXPECT_EQ(store_->SetRepositoryPolicy(r.id + 1000, "{}").error().code(), Code::kNotFound);
}

TEST_P(MetadataStoreContract, ARepositoryFoundByNameComesWithItsAccessAsItIsNow) {
  EXPECT_FALSE(store_->FindRepositoryAccess("shelf")->has_value());
  RepositoryRecord r = *store_->CreateRepository({.name = "shelf", .created_at = 1}, {{"team", "a"}});
  FoundRepository found = store_->FindRepositoryAccess("shelf")->value();
  EXPECT_EQ(found.id, r.id);
  EXPECT_EQ(found.access.policy, "");
  EXPECT_EQ(found.access.tags, (ResourceTags{{"team", "a"}}));
  // Every change is seen by the next read (a cached store drops what it held).
  ASSERT_TRUE(store_->SetRepositoryPolicy(r.id, "{\"Statement\":[]}"));
  ASSERT_TRUE(store_->TagResource(r.id, {{"berth:pull-block-severity", "HIGH"}}, 50));
  found = store_->FindRepositoryAccess("shelf")->value();
  EXPECT_EQ(found.access.policy, "{\"Statement\":[]}");
  EXPECT_EQ(found.access.tags, (ResourceTags{{"berth:pull-block-severity", "HIGH"}, {"team", "a"}}));
  ASSERT_TRUE(store_->UntagResource(r.id, {"berth:pull-block-severity"}));
  EXPECT_EQ(store_->FindRepositoryAccess("shelf")->value().access.tags, (ResourceTags{{"team", "a"}}));
  // The name taken again names the new repository.
  ASSERT_TRUE(store_->DeleteRepository(r.id, true).has_value());
  EXPECT_FALSE(store_->FindRepositoryAccess("shelf")->has_value());
  RepositoryRecord again = *store_->CreateRepository({.name = "shelf", .created_at = 2}, {});
  found = store_->FindRepositoryAccess("shelf")->value();
  EXPECT_EQ(found.id, again.id);
  EXPECT_TRUE(found.access.tags.empty());
}

TEST_P(MetadataStoreContract, ImmutableTagsCannotMoveButRepushingTheSameImageIsFine) {
  RepositoryRecord r = *store_->CreateRepository({.name = "locked", .created_at = 1,
                                                  .tag_mutability = "IMMUTABLE_WITH_EXCLUSION",
                                                  .mutability_filters = {"latest"}}, {});
  PushBlob(r.id, D('c'), 10);
  PushBlob(r.id, D('l'), 20);
  PushBlob(r.id, D('k'), 20);
  std::string v1 = "v1", latest = "latest";
  EXPECT_FALSE(store_->PutManifest(r.id, Image('c', 'l'), &v1, 1)->unchanged);
  EXPECT_TRUE(store_->PutManifest(r.id, Image('c', 'l'), &v1, 1)->unchanged);
  NewManifest other = Image('c', 'k');
  other.digest = D('o');
  EXPECT_EQ(store_->PutManifest(r.id, other, &v1, 1).error().reason(), "IMAGE_TAG_IMMUTABLE");
  ASSERT_TRUE(store_->PutManifest(r.id, Image('c', 'l'), &latest, 1).has_value());
  EXPECT_TRUE(store_->PutManifest(r.id, other, &latest, 1).has_value());  // excluded tag moves
}

TEST_P(MetadataStoreContract, RepositoryAdminAndImageCatalog) {
  RepositoryRecord r = *store_->CreateRepository({.name = "ecr/repo", .created_at = 7}, {{"team", "a"}});
  EXPECT_EQ(store_->CreateRepository({.name = "ecr/repo"}, {}).error().reason(),
            "RepositoryAlreadyExistsException");
  ASSERT_TRUE(store_->TagResource(r.id, {{"env", "prod"}, {"team", "b"}}, 50).has_value());
  EXPECT_EQ(*store_->GetResourceTags(r.id), (ResourceTags{{"env", "prod"}, {"team", "b"}}));
  EXPECT_EQ(store_->TagResource(r.id, {{"x", "1"}}, 2).error().reason(), "TooManyTagsException");
  ASSERT_TRUE(store_->UntagResource(r.id, {"team"}).has_value());
  EXPECT_EQ(store_->GetResourceTags(r.id)->size(), 1u);
  PushBlob(r.id, D('c'), 10);
  PushBlob(r.id, D('l'), 20);
  std::string a = "a", b = "b";
  ASSERT_TRUE(store_->PutManifest(r.id, Image('c', 'l'), &b, 100).has_value());
  ASSERT_TRUE(store_->PutManifest(r.id, Image('c', 'l'), &a, 100).has_value());
  std::vector<ImageRecord> images = *store_->ListImages(r.id, "", 10);
  ASSERT_EQ(images.size(), 1u);
  EXPECT_EQ(images[0].tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(images[0].size, 30);
  EXPECT_FALSE(images[0].last_pulled_at.has_value());
  ASSERT_EQ(*store_->RecordPulls(std::vector<PulledImage>{{r.id, D('m'), 200}}), 1);
  EXPECT_EQ(store_->FindImage(r.id, D('m'))->value().last_pulled_at, 200);
  EXPECT_EQ(store_->DeleteRepository(r.id, false).error().reason(), "RepositoryNotEmptyException");
  ASSERT_TRUE(store_->CreateUpload({.id = "pending", .repository = r.id, .hash_state = "h"}).has_value());
  EXPECT_EQ(*store_->DeleteRepository(r.id, true), (std::vector<std::string>{"pending"}));
  EXPECT_FALSE(store_->GetUpload("pending")->has_value());
  EXPECT_FALSE(store_->GetRepository("ecr/repo")->has_value());
  ASSERT_TRUE(store_->PutSetting("BLOB_MOUNTING", "DISABLED").has_value());
  EXPECT_EQ(*store_->GetSetting("BLOB_MOUNTING"), "DISABLED");
}

TEST_P(MetadataStoreContract, ABatchOfPullsSpanningManyStatementsRecordsEachImageOnce) {
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  std::vector<PulledImage> pulls;
  for (int i = 0; i < 150; ++i) {  // more than two statements' worth
    NewManifest image = Image('c', 'l');
    image.digest = oci::Digest::Sha256Of("image " + std::to_string(i));
    std::string tag = "t" + std::to_string(i);
    ASSERT_TRUE(store_->PutManifest(repo_, image, &tag, 1).has_value());
    pulls.push_back({repo_, image.digest, 1000 + i});
  }
  pulls.push_back({repo_, oci::Digest::Sha256Of("never pushed"), 1000});
  pulls.push_back(pulls.front());  // the same image twice in one batch: one change
  EXPECT_EQ(*store_->RecordPulls(pulls), 150);
  EXPECT_EQ(store_->FindImage(repo_, pulls[149].digest)->value().last_pulled_at, 1149);
  EXPECT_EQ(*store_->RecordPulls(pulls), 0);  // within the day
  pulls.resize(ImageCatalog::kMaxPullsPerBatch + 1, pulls.front());
  EXPECT_EQ(store_->RecordPulls(pulls).error().code(), Code::kInvalidArgument);
}

TEST_P(MetadataStoreContract, ALeaseHasOneHolderUntilItExpiresOrIsReleased) {
  EXPECT_TRUE(*store_->TryLease("purge", "node-a", 100, 30));
  EXPECT_FALSE(*store_->TryLease("purge", "node-b", 110, 30));
  EXPECT_TRUE(*store_->TryLease("other-work", "node-b", 110, 30));  // leases are independent
  EXPECT_TRUE(*store_->TryLease("purge", "node-a", 120, 30));       // the holder renews
  EXPECT_FALSE(*store_->TryLease("purge", "node-b", 149, 30));      // renewed until 150
  EXPECT_TRUE(*store_->TryLease("purge", "node-b", 150, 30));       // a dead holder's lease moves
  EXPECT_FALSE(*store_->TryLease("purge", "node-a", 151, 30));
  ASSERT_TRUE(store_->ReleaseLease("purge", "node-a").has_value());  // not a's: nothing happens
  EXPECT_FALSE(*store_->TryLease("purge", "node-a", 152, 30));
  ASSERT_TRUE(store_->ReleaseLease("purge", "node-b").has_value());
  EXPECT_TRUE(*store_->TryLease("purge", "node-a", 153, 30));
}

}  // namespace
}  // namespace berth::meta
