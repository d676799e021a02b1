// The MetadataStoreContract tests of lifecycle policies, archive, pull times and blob garbage collection (each
// engine instantiates the suite; see metadata_store_contract.h).
#include "meta/metadata_store_contract.h"

namespace berth::meta {
namespace {

oci::Digest D(char c) { return oci::Digest::Sha256Of(std::string(1, c)); }
Status Present() { return {}; }

std::vector<oci::Digest> Digests(const std::vector<StoredBlob>& blobs) {
  std::vector<oci::Digest> out;
  for (const StoredBlob& b : blobs) out.push_back(b.digest);
  return out;
}

TEST_P(MetadataStoreContract, UnusedLinksExpireAfterTheirGraceAndBlobsAfterTheirs) {
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  PushBlob(repo_, D('o'), 5);  // uploaded, never used by a manifest
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), nullptr, 1).has_value());

  EXPECT_EQ(*store_->ExpireUnusedLinks(1, 100), 0);  // linked at 1: not before the cutoff
  GarbageEstimate estimate = *store_->EstimateGarbage(10);
  EXPECT_EQ(estimate.links, 1);
  EXPECT_EQ(estimate.blobs, 1);
  EXPECT_EQ(estimate.bytes, 5);
  EXPECT_EQ(*store_->ExpireUnusedLinks(10, 100), 1);
  EXPECT_FALSE(store_->FindBlob(repo_, D('o'))->has_value());
  EXPECT_EQ(*store_->FindBlob(repo_, D('l')), 20u);

  EXPECT_EQ(*store_->MarkUnreferencedBlobs(20, 100), 1);
  EXPECT_EQ(*store_->MarkUnreferencedBlobs(21, 100), 0);  // already marked
  EXPECT_TRUE(store_->BeginBlobDeletion(19, 100)->empty());  // garbage since 20, not before
  std::vector<StoredBlob> doomed = *store_->BeginBlobDeletion(20, 100);
  ASSERT_EQ(Digests(doomed), std::vector<oci::Digest>{D('o')});
  EXPECT_EQ(doomed[0].size, 5);
  EXPECT_EQ(Digests(*store_->PendingBlobDeletions(10)), std::vector<oci::Digest>{D('o')});

  // While its bytes may be going, an upload of the same digest cannot commit.
  ASSERT_TRUE(store_->CreateUpload({.id = "again", .repository = repo_, .hash_state = "h"}).has_value());
  EXPECT_EQ(store_->CommitUpload("again", D('o'), 5, 30, Present).error().code(), Code::kUnavailable);
  ASSERT_TRUE(store_->EndBlobDeletion({D('o')}).has_value());
  EXPECT_TRUE(store_->PendingBlobDeletions(10)->empty());
  // Afterwards the commit asks whether the bytes survived.
  Status gone = store_->CommitUpload("again", D('o'), 5, 30, [] { return Fail(Code::kUnavailable, "gone"); });
  EXPECT_EQ(gone.error().message(), "gone");
  ASSERT_TRUE(store_->CommitUpload("again", D('o'), 5, 30, Present).has_value());
  EXPECT_EQ(*store_->FindBlob(repo_, D('o')), 5u);
}

TEST_P(MetadataStoreContract, BlobsOfADeletedImageAreCollectedUnlessAnotherImageUsesThem) {
  RepositoryId other = *store_->CreateRepositoryIfMissing("other", 1);
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), nullptr, 1).has_value());
  ASSERT_TRUE(*store_->MountBlob(other, repo_, D('l'), 1));
  NewManifest layer_only{.digest = D('n'), .media_type = "application/vnd.oci.image.manifest.v1+json",
                         .payload = "{}", .blobs = {{D('l'), 20}}};
  ASSERT_TRUE(store_->PutManifest(other, layer_only, nullptr, 1).has_value());
  ASSERT_TRUE(*store_->DeleteManifest(repo_, D('m')));

  EXPECT_EQ(*store_->ExpireUnusedLinks(10, 100), 2);  // c and l in team/app
  EXPECT_EQ(*store_->MarkUnreferencedBlobs(20, 100), 1);  // l is still other's
  EXPECT_EQ(Digests(*store_->BeginBlobDeletion(30, 100)), std::vector<oci::Digest>{D('c')});
  ASSERT_TRUE(store_->EndBlobDeletion({D('c')}).has_value());
  EXPECT_EQ(*store_->FindBlob(other, D('l')), 20u);
  EXPECT_TRUE(store_->ListBlobRows("", 10)->size() == 1);
}

TEST_P(MetadataStoreContract, ABlobUploadedAgainIsNoLongerGarbage) {
  PushBlob(repo_, D('o'), 5);
  ASSERT_EQ(*store_->ExpireUnusedLinks(10, 100), 1);
  ASSERT_EQ(*store_->MarkUnreferencedBlobs(20, 100), 1);
  ASSERT_TRUE(store_->CreateUpload({.id = "re", .repository = repo_, .hash_state = "h"}).has_value());
  ASSERT_TRUE(store_->CommitUpload("re", D('o'), 5, 25, Present).has_value());
  EXPECT_TRUE(store_->BeginBlobDeletion(1000, 100)->empty());
  ASSERT_EQ(*store_->ExpireUnusedLinks(30, 100), 1);
  EXPECT_EQ(*store_->MarkUnreferencedBlobs(40, 100), 1);  // a new mark, from 40
  EXPECT_TRUE(store_->BeginBlobDeletion(39, 100)->empty());
  EXPECT_EQ(store_->BeginBlobDeletion(40, 100)->size(), 1u);
}

TEST_P(MetadataStoreContract, LifecyclePoliciesAndPreviewsArePerRepository) {
  EXPECT_EQ(store_->SetLifecyclePolicy(repo_ + 1000, "{}").error().code(), Code::kNotFound);
  EXPECT_FALSE(store_->GetLifecyclePolicy(repo_)->has_value());
  ASSERT_TRUE(store_->SetLifecyclePolicy(repo_, "{\"rules\":[]}").has_value());
  ASSERT_TRUE(store_->MarkLifecycleEvaluated(repo_, 77).has_value());
  std::optional<LifecyclePolicyRecord> policy = *store_->GetLifecyclePolicy(repo_);
  ASSERT_TRUE(policy.has_value());
  EXPECT_EQ(policy->text, "{\"rules\":[]}");
  EXPECT_EQ(policy->evaluated_at, 77);
  std::vector<LifecycleTarget> targets = *store_->ListLifecyclePolicies(0, 10);
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].name, "team/app");
  EXPECT_TRUE(store_->ListLifecyclePolicies(repo_, 10)->empty());
  ASSERT_TRUE(store_->SetLifecyclePolicy(repo_, "").has_value());
  EXPECT_FALSE(store_->GetLifecyclePolicy(repo_)->has_value());

  EXPECT_FALSE(store_->GetLifecyclePreview(repo_)->has_value());
  ASSERT_TRUE(store_->SaveLifecyclePreview(repo_, {.policy = "p", .status = "IN_PROGRESS", .started_at = 5})
                  .has_value());
  ASSERT_TRUE(store_->SaveLifecyclePreview(repo_, {.policy = "p", .status = "COMPLETE", .results = "[]",
                                                   .started_at = 5}).has_value());
  std::optional<LifecyclePreviewRecord> preview = *store_->GetLifecyclePreview(repo_);
  ASSERT_TRUE(preview.has_value());
  EXPECT_EQ(preview->status, "COMPLETE");
  EXPECT_EQ(preview->results, "[]");
}

TEST_P(MetadataStoreContract, ImagesExpireOnlyAsEvaluated) {
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  std::string tag = "v1";
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), &tag, 1).has_value());
  NewManifest index{.digest = D('i'), .media_type = "application/vnd.oci.image.index.v1+json",
                    .payload = "{}", .manifests = {D('m')}};
  ASSERT_TRUE(store_->PutManifest(repo_, index, nullptr, 2).has_value());
  NewManifest signature{.digest = D('s'), .media_type = "application/vnd.oci.image.manifest.v1+json",
                        .subject = D('i'), .payload = "{}", .blobs = {{D('c'), 10}}};
  ASSERT_TRUE(store_->PutManifest(repo_, signature, nullptr, 3).has_value());

  auto children = *store_->ListIndexChildren(repo_);
  ASSERT_EQ(children.size(), 1u);
  EXPECT_EQ(children[0].first, D('i'));
  EXPECT_EQ(children[0].second, D('m'));

  EXPECT_EQ(*store_->ExpireImage(repo_, D('m'), {}), ExpireOutcome::kChanged);      // tagged v1 now
  EXPECT_EQ(*store_->ExpireImage(repo_, D('m'), {"v1"}), ExpireOutcome::kChanged);  // the index lists it
  EXPECT_EQ(*store_->ExpireImage(repo_, D('i'), {}), ExpireOutcome::kChanged);      // signed
  EXPECT_EQ(*store_->ExpireImage(repo_, D('s'), {}), ExpireOutcome::kExpired);
  EXPECT_EQ(*store_->ExpireImage(repo_, D('i'), {}), ExpireOutcome::kExpired);
  EXPECT_EQ(*store_->ExpireImage(repo_, D('m'), {"v1"}), ExpireOutcome::kExpired);
  EXPECT_EQ(*store_->ExpireImage(repo_, D('m'), {"v1"}), ExpireOutcome::kGone);
  EXPECT_TRUE(store_->ListTags(repo_, "", 10)->empty());
}

}  // namespace
}  // namespace berth::meta

namespace berth::meta {
namespace {

TEST_P(MetadataStoreContract, ArchivedImagesAreListedButNotServedUntilRestored) {
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  std::string tag = "v1";
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), &tag, 1).has_value());
  EXPECT_FALSE(*store_->SetStorageClass(repo_, D('x'), true, 5));
  ASSERT_TRUE(*store_->SetStorageClass(repo_, D('m'), true, 5));
  EXPECT_TRUE((*store_->GetManifest(repo_, nullptr, &tag))->archived);
  const oci::Digest m = D('m');
  EXPECT_TRUE((*store_->GetManifest(repo_, &m, nullptr))->archived);
  std::optional<ImageRecord> image = *store_->FindImage(repo_, D('m'));
  EXPECT_EQ(image->archived_at, 5);
  EXPECT_FALSE(image->activated_at.has_value());
  ASSERT_TRUE(*store_->SetStorageClass(repo_, D('m'), true, 6));  // already archived: unchanged
  EXPECT_EQ((*store_->FindImage(repo_, D('m')))->archived_at, 5);
  ASSERT_TRUE(*store_->SetStorageClass(repo_, D('m'), false, 7));
  image = *store_->FindImage(repo_, D('m'));
  EXPECT_FALSE(image->archived_at.has_value());
  EXPECT_EQ(image->activated_at, 7);
  EXPECT_FALSE((*store_->GetManifest(repo_, nullptr, &tag))->archived);
  // A push of an archived image restores it.
  ASSERT_TRUE(*store_->SetStorageClass(repo_, D('m'), true, 8));
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), nullptr, 9).has_value());
  image = *store_->FindImage(repo_, D('m'));
  EXPECT_FALSE(image->archived_at.has_value());
  EXPECT_EQ(image->activated_at, 9);
}

TEST_P(MetadataStoreContract, PullTimesAreRecordedAboutOnceADay) {
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), nullptr, 1).has_value());
  auto record = [&](std::vector<PulledImage> pulls) { return *store_->RecordPulls(pulls); };
  EXPECT_EQ(record({{repo_, D('m'), 1000}}), 1);
  EXPECT_EQ(record({{repo_, D('m'), 2000}}), 0);
  EXPECT_EQ((*store_->FindImage(repo_, D('m')))->last_pulled_at, 1000);
  // One batch: a day later the image is recorded again; an unknown image or repository is skipped.
  EXPECT_EQ(record({{repo_, D('x'), 1000 + 86400}, {repo_, D('m'), 1000 + 86400}, {repo_ + 999, D('m'), 5}}), 1);
  EXPECT_EQ((*store_->FindImage(repo_, D('m')))->last_pulled_at, 1000 + 86400);
  std::vector<PulledImage> too_many(ImageCatalog::kMaxPullsPerBatch + 1, PulledImage{repo_, D('m'), 1});
  EXPECT_FALSE(store_->RecordPulls(too_many).has_value());
  EXPECT_EQ(record(std::vector<PulledImage>(ImageCatalog::kMaxPullsPerBatch, PulledImage{repo_, D('m'), 200000})), 1);
  EXPECT_EQ((*store_->FindImage(repo_, D('m')))->last_pulled_at, 200000);
}

TEST_P(MetadataStoreContract, PullTimeExclusionsAreASetWithALimit) {
  const std::string a = "arn:aws:iam::123456789012:user/scanner", b = "arn:aws:iam::123456789012:role/backup";
  ASSERT_TRUE(store_->AddPullTimeExclusion(a, 10, 2).has_value());
  EXPECT_EQ(store_->AddPullTimeExclusion(a, 11, 2).error().code(), Code::kAlreadyExists);
  ASSERT_TRUE(store_->AddPullTimeExclusion(b, 12, 2).has_value());
  EXPECT_EQ(store_->AddPullTimeExclusion("arn:aws:iam::123456789012:user/x", 13, 2).error().code(),
            Code::kResourceExhausted);
  auto listed = *store_->ListPullTimeExclusions();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0], std::make_pair(b, int64_t{12}));
  EXPECT_TRUE(*store_->RemovePullTimeExclusion(b));
  EXPECT_FALSE(*store_->RemovePullTimeExclusion(b));
  EXPECT_EQ(store_->ListPullTimeExclusions()->size(), 1u);
}


TEST_P(MetadataStoreContract, CreationTemplatesArePutOncePerPrefixUpdatedListedAndDeleted) {
  CreationTemplate t{.prefix = "team", .document = R"({"appliedFor":["CREATE_ON_PUSH"]})", .created_at = 5, .updated_at = 5};
  ASSERT_TRUE(store_->PutCreationTemplate(t, true, 10).has_value());
  Status again = store_->PutCreationTemplate(t, true, 10);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().reason(), "TemplateAlreadyExistsException");
  Status missing = store_->PutCreationTemplate({.prefix = "nope", .document = "{}"}, false, 10);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().reason(), "TemplateNotFoundException");
  ASSERT_TRUE(store_->PutCreationTemplate({.prefix = "ROOT", .document = "{}", .created_at = 6, .updated_at = 6}, true, 10)
                  .has_value());
  Status full = store_->PutCreationTemplate({.prefix = "more", .document = "{}"}, true, 2);
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().reason(), "LimitExceededException");

  // An update replaces the document and keeps the creation time.
  ASSERT_TRUE(store_->PutCreationTemplate({.prefix = "team", .document = R"({"appliedFor":["REPLICATION"]})",
                                           .created_at = 99, .updated_at = 9},
                                          false, 10)
                  .has_value());
  std::vector<CreationTemplate> all = *store_->ListCreationTemplates();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].prefix, "ROOT");
  EXPECT_EQ(all[1].prefix, "team");
  EXPECT_EQ(all[1].document, R"({"appliedFor":["REPLICATION"]})");
  EXPECT_EQ(all[1].created_at, 5);
  EXPECT_EQ(all[1].updated_at, 9);

  std::optional<CreationTemplate> deleted = *store_->DeleteCreationTemplate("team");
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(deleted->document, R"({"appliedFor":["REPLICATION"]})");
  EXPECT_FALSE(store_->DeleteCreationTemplate("team")->has_value());
  EXPECT_EQ(store_->ListCreationTemplates()->size(), 1u);
}

TEST_P(MetadataStoreContract, NamedDocumentsAreCreatedOnceAndReplacedByRevision) {
  EXPECT_EQ(*store_->PutDocument("secret", "b", "one", 0, 10), 1);
  Result<int64_t> again = store_->PutDocument("secret", "b", "two", 0, 10);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), Code::kAlreadyExists);
  EXPECT_EQ(*store_->PutDocument("secret", "a", "x", 0, 10), 1);
  EXPECT_EQ(*store_->PutDocument("rule", "b", "other kind", 0, 10), 1);
  Result<int64_t> full = store_->PutDocument("secret", "c", "x", 0, 2);
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().code(), Code::kResourceExhausted);

  // Of two writers that read revision 1, the second loses.
  EXPECT_EQ(*store_->PutDocument("secret", "b", "two", 1, 10), 2);
  Result<int64_t> stale = store_->PutDocument("secret", "b", "three", 1, 10);
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code(), Code::kAborted);
  Result<int64_t> gone = store_->PutDocument("secret", "zz", "x", 1, 10);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code(), Code::kNotFound);

  std::optional<NamedDocument> b = *store_->GetDocument("secret", "b");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->document, "two");
  EXPECT_EQ(b->revision, 2);
  EXPECT_FALSE(store_->GetDocument("rule", "a")->has_value());

  std::vector<NamedDocument> page = *store_->ListDocuments("secret", "", 1);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].name, "a");
  page = *store_->ListDocuments("secret", "a", 10);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].name, "b");

  EXPECT_FALSE(store_->DeleteDocument("secret", "b", 1).has_value());
  EXPECT_TRUE(*store_->DeleteDocument("secret", "b", 2));
  EXPECT_FALSE(*store_->DeleteDocument("secret", "b", 0));
  EXPECT_EQ(store_->ListDocuments("secret", "", 10)->size(), 1u);
  EXPECT_EQ(store_->ListDocuments("rule", "", 10)->size(), 1u);
}

TEST_P(MetadataStoreContract, ARepositoryIsCreatedWithItsPoliciesInOneStep) {
  RepositoryRecord r = *store_->CreateRepository({.name = "team/new", .created_at = 3}, {{"k", "v"}},
                                                 R"({"Version":"2012-10-17","Statement":[]})", R"({"rules":[]})");
  EXPECT_EQ(store_->GetRepositoryAccess(r.id)->value().policy, R"({"Version":"2012-10-17","Statement":[]})");
  EXPECT_EQ(store_->GetLifecyclePolicy(r.id)->value().text, R"({"rules":[]})");
}

}  // namespace
}  // namespace berth::meta
