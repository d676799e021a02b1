// The events the store writes with its own changes, and the replication queue, on every engine.
#include <boost/json/parse.hpp>

#include "meta/metadata_store_contract.h"
#include "meta/write_timings.h"

namespace berth::meta {
namespace {

oci::Digest D(char c) { return oci::Digest::Sha256Of(std::string(1, c)); }

std::string Field(const EventRecord& e, std::string_view key) {
  const boost::json::value v = boost::json::parse(e.detail);
  const boost::json::value* f = v.as_object().if_contains(key);
  return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
}

TEST_P(MetadataStoreContract, ChangesWriteTheirEventsInOrderAndOnlyWhenTheyChangeSomething) {
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  std::string a = "a", b = "b";
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), &a, 7).has_value());
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), &a, 8).has_value());  // unchanged: no event
  NewManifest replicated = Image('c', 'l');
  replicated.replicated_from = "eu-west-1/111122223333";
  ASSERT_TRUE(store_->PutManifest(repo_, replicated, &b, 9).has_value());
  ASSERT_TRUE(*store_->DeleteTag(repo_, "b"));
  ASSERT_FALSE(*store_->DeleteTag(repo_, "b"));
  ASSERT_TRUE(*store_->DeleteManifest(repo_, D('m')));
  ASSERT_TRUE(store_->AppendEvent({.time = 20, .detail_type = std::string(kPullThroughCacheAction),
                                   .repository = "team/app", .detail = "{\"sync-status\":\"SUCCESS\"}"})
                  .has_value());

  std::vector<EventRecord> events = *store_->ReadEvents(0, 100);
  ASSERT_EQ(events.size(), 5u);
  for (size_t i = 1; i < events.size(); ++i) EXPECT_GT(events[i].seq, events[i - 1].seq);
  EXPECT_EQ(events[0].detail_type, kImageAction);
  EXPECT_EQ(events[0].time, 7);
  EXPECT_EQ(events[0].repository, "team/app");
  EXPECT_EQ(Field(events[0], "action-type"), "PUSH");
  EXPECT_EQ(Field(events[0], "image-tag"), "a");
  EXPECT_EQ(Field(events[0], "image-digest"), D('m').str());
  EXPECT_EQ(Field(events[0], "manifest-media-type"), "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(events[1].detail_type, kReplicationAction);
  EXPECT_EQ(Field(events[1], "source-region"), "eu-west-1");
  EXPECT_EQ(Field(events[1], "source-account"), "111122223333");
  EXPECT_EQ(Field(events[1], "image-tag"), "b");
  EXPECT_EQ(Field(events[2], "action-type"), "DELETE");
  EXPECT_EQ(Field(events[2], "image-tag"), "b");
  EXPECT_EQ(Field(events[3], "action-type"), "DELETE");
  EXPECT_EQ(Field(events[3], "image-tag"), "");
  EXPECT_EQ(events[4].detail_type, kPullThroughCacheAction);

  EXPECT_EQ(store_->ReadEvents(events[2].seq, 1)->at(0).seq, events[3].seq);
  EXPECT_EQ(*store_->PruneEvents(events[1].seq, 0), 2);
  EXPECT_EQ(store_->ReadEvents(0, 100)->size(), 3u);
  EXPECT_EQ(*store_->PruneEvents(0, 21), 1);  // older than 21 s, whatever its number
  EXPECT_EQ(store_->ReadEvents(0, 100)->size(), 2u);
  EXPECT_EQ(*store_->PruneEvents(events[4].seq, 0), 2);
  EXPECT_TRUE(store_->ReadEvents(0, 100)->empty());
}

TEST_P(MetadataStoreContract, PruningSpansManyStepsAndStopsAtTheFirstEventToKeep) {
  // Over two steps of pruning, then one that keeps its tail: 700 events at times 0..699.
  std::vector<int64_t> seqs;
  for (int i = 0; i < 700; ++i) {
    ASSERT_TRUE(store_->AppendEvent({.time = i, .detail_type = std::string(kImageAction), .repository = "team/app",
                                     .detail = "{}"}).has_value());
  }
  const std::vector<EventRecord> appended = *store_->ReadEvents(0, 1000);
  for (const EventRecord& e : appended) seqs.push_back(e.seq);
  ASSERT_EQ(seqs.size(), 700u);
  EXPECT_EQ(*store_->PruneEvents(seqs[599], 0), 600);  // delivered through the 600th
  EXPECT_EQ(store_->ReadEvents(0, 1000)->front().seq, seqs[600]);
  EXPECT_EQ(*store_->PruneEvents(0, 650), 50);  // older than 650 s
  EXPECT_EQ(store_->ReadEvents(0, 1000)->size(), 50u);
}

// Readers' places: 0 before the first save, the last save after; a place kept as a named document
// (before positions had methods of their own) is read as it was. Saves are background writes.
TEST_P(MetadataStoreContract, ReadersKeepTheirPlaceInTheEventsAsBackgroundWrites) {
  EXPECT_EQ(*store_->ReadPosition("journal"), 0);
  const uint64_t changes = WriteLockWaits(WriteKind::kChange).Read().count;
  const uint64_t background = WriteLockWaits(WriteKind::kBackground).Read().count;
  ASSERT_TRUE(store_->SavePosition("journal", 41).has_value());
  ASSERT_TRUE(store_->SavePosition("journal", 42).has_value());
  ASSERT_TRUE(store_->SavePosition("webhook http://a/", 7).has_value());
  EXPECT_EQ(WriteLockWaits(WriteKind::kChange).Read().count, changes);
  EXPECT_EQ(WriteLockWaits(WriteKind::kBackground).Read().count, background + 3);
  EXPECT_EQ(*store_->ReadPosition("journal"), 42);
  EXPECT_EQ(*store_->ReadPosition("webhook http://a/"), 7);
  EXPECT_EQ(*store_->ReadPosition("replication"), 0);

  ASSERT_TRUE(store_->PutDocument("event-cursor", "replication", "1234", 0, 100).has_value());
  EXPECT_EQ(*store_->ReadPosition("replication"), 1234);
  ASSERT_TRUE(store_->SavePosition("replication", 1300).has_value());
  EXPECT_EQ(store_->GetDocument("event-cursor", "replication")->value().revision, 2);
  EXPECT_EQ(*store_->ReadPosition("replication"), 1300);
  ASSERT_TRUE(store_->PutDocument("event-cursor", "broken", "not a number", 0, 100).has_value());
  EXPECT_EQ(store_->ReadPosition("broken").error().code(), Code::kInternal);
}

TEST_P(MetadataStoreContract, ReplicationJobsMergeTagsRetryAndFinishOnlyAsRead) {
  PushBlob(repo_, D('c'), 10);
  PushBlob(repo_, D('l'), 20);
  ASSERT_TRUE(store_->PutManifest(repo_, Image('c', 'l'), nullptr, 1).has_value());
  EXPECT_FALSE(*store_->EnqueueReplication(repo_, D('x'), {"r/1"}, {}, 5));
  ASSERT_TRUE(*store_->EnqueueReplication(repo_, D('m'), {"us-west-2/111111111111", "eu-west-1/222222222222"},
                                          {"v1"}, 5));
  ASSERT_TRUE(*store_->EnqueueReplication(repo_, D('m'), {"us-west-2/111111111111"}, {"v2"}, 6));
  EXPECT_TRUE(store_->DueReplications(4, 10)->empty());
  std::vector<ReplicationJob> due = *store_->DueReplications(6, 10);
  ASSERT_EQ(due.size(), 2u);
  const ReplicationJob eu = due[0].destination == "eu-west-1/222222222222" ? due[0] : due[1];
  const ReplicationJob us = due[0].destination == "us-west-2/111111111111" ? due[0] : due[1];
  EXPECT_EQ(us.tags, (std::vector<std::string>{"v1", "v2"}));
  EXPECT_EQ(eu.tags, (std::vector<std::string>{"v1"}));
  EXPECT_EQ(us.repo_name, "team/app");

  // A retry waits until it is due, with its attempt counted.
  ASSERT_TRUE(*store_->FinishReplication(us, "IN_PROGRESS", "", 50, 7, nullptr));
  EXPECT_FALSE(*store_->FinishReplication(us, "COMPLETE", "", 0, 7, nullptr));  // read before the retry
  due = *store_->DueReplications(50, 10);
  ASSERT_EQ(due.size(), 2u);
  const ReplicationJob us2 = due[0].destination == "us-west-2/111111111111" ? due[0] : due[1];
  EXPECT_EQ(us2.attempts, 1);
  // A tag pushed while a copy runs keeps the job due: the copy read did not have it.
  ASSERT_TRUE(*store_->EnqueueReplication(repo_, D('m'), {"us-west-2/111111111111"}, {"v3"}, 51));
  EXPECT_FALSE(*store_->FinishReplication(us2, "COMPLETE", "", 0, 52, nullptr));
  due = *store_->DueReplications(60, 10);
  const ReplicationJob us3 = due[0].destination == "us-west-2/111111111111" ? due[0] : due[1];
  EXPECT_EQ(us3.tags, (std::vector<std::string>{"v1", "v2", "v3"}));
  EventRecord done{.time = 61, .detail_type = std::string(kReplicationAction), .repository = "team/app", .detail = "{}"};
  ASSERT_TRUE(*store_->FinishReplication(us3, "COMPLETE", "", 0, 61, &done));
  ASSERT_TRUE(*store_->FinishReplication(eu, "FAILED", "PEER_REFUSED", 0, 62, nullptr));
  EXPECT_TRUE(store_->DueReplications(1000, 10)->empty());
  EXPECT_EQ(store_->ReadEvents(0, 100)->back().detail_type, kReplicationAction);

  std::vector<ReplicationStatus> statuses = *store_->ReplicationStatuses(repo_, D('m'));
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].destination, "eu-west-1/222222222222");
  EXPECT_EQ(statuses[0].status, "FAILED");
  EXPECT_EQ(statuses[0].failure_code, "PEER_REFUSED");
  EXPECT_EQ(statuses[1].status, "COMPLETE");
  EXPECT_EQ(statuses[1].updated_at, 61);
  // A new tag asks again for what finished; a deleted image takes its jobs with it.
  ASSERT_TRUE(*store_->EnqueueReplication(repo_, D('m'), {"us-west-2/111111111111"}, {"v4"}, 70));
  EXPECT_EQ(store_->DueReplications(70, 10)->at(0).tags, (std::vector<std::string>{"v4"}));
  ASSERT_TRUE(*store_->DeleteManifest(repo_, D('m')));
  EXPECT_TRUE(store_->DueReplications(1000, 10)->empty());
  EXPECT_TRUE(store_->ReplicationStatuses(repo_, D('m'))->empty());
}

}  // namespace
}  // namespace berth::meta
