// replication/replicator.h
//
// Copies images to the registries the replication configuration names, durably:
//   - Routing (under the "replication" lease, every --replication-interval): reads the pushes
//     from the metadata store's events after its saved place (events/dispatcher.h's cursor
//     "replication"), and queues a job per image and matching destination (with the tag pushed)
//     in the store. A replicated push arrives as an ECR Replication Action, not a push, so
//     content goes one hop only; deletions are not replicated.
//   - Copying (worker threads, at most `workers` jobs at once): for each due job, the image's
//     blobs the peer lacks (asked with HEAD) are streamed to it, `blob_streams` at a time; then
//     an index's children, the manifest by digest, its referrers (signatures, SBOMs), and its
//     tags. A tag the peer holds immutable is left, so the copy there is untagged, as in ECR.
//     Everything is idempotent, so a job interrupted by a crash is simply done again; failures
//     the peer may recover from (unreachable, 5xx) are retried with backoff (1 s doubling to
//     5 min, for about a day); refusals make the job FAILED with a failureCode.
//   - The job's end is an ECR Replication Action event at the source (SUCCESS or FAILED, with
//     the destination), written in the transaction that records it.
// Backfill queues what existed before a rule: every image of the matching repositories.
//
// Thread-safe; Stop() (or destruction) waits for copies in progress.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "blob/blob_store.h"
#include "http/client.h"
#include "meta/metadata_store.h"
#include "replication/configuration.h"
#include "replication/peer.h"
#include "secrets/vault.h"

namespace berth::replication {

// Where the configuration is kept (ImageCatalog settings), as ECR's JSON.
inline constexpr std::string_view kConfigurationSetting = "replication-configuration";
// The secret holding a peer's credentials: "berth-peer/REGION/REGISTRY_ID".
std::string PeerSecretName(std::string_view destination);

Result<Configuration> LoadConfiguration(meta::ImageCatalog& settings);

// Queues every image of the repositories (those starting with `prefix`, if given) that the
// configuration replicates, with its tags. Returns how many images were queued.
// (The registry itself is never a destination: PutReplicationConfiguration refuses it.)
Result<size_t> Backfill(meta::MetadataStore& store, std::string_view prefix, int64_t now);

struct ReplicatorOptions {
  std::string region;
  std::string account;
  std::vector<PeerAddress> peers;
  size_t workers = 4;
  size_t blob_streams = 4;
  int64_t max_attempts = 300;  // with the 5-minute cap, about a day of retries
};

class Replicator {
 public:
  // Every reference must outlive this object.
  Replicator(meta::MetadataStore& store, blob::BlobStore& blobs, secrets::Vault& vault, http::Client& client,
             ReplicatorOptions options, std::function<int64_t()> clock);
  ~Replicator();
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;

  // Routes new pushes to jobs and hands due jobs to the workers. Under the lease.
  void RunOnce();
  // Routes the pushes not yet routed, under the configuration in force: called before the
  // configuration changes, so that what was pushed before a rule is judged by the rules then.
  Status RoutePending();
  void Stop();

  uint64_t images_replicated() const { return replicated_.load(); }
  uint64_t blobs_sent() const { return blobs_sent_.load(); }
  uint64_t bytes_sent() const { return bytes_sent_.load(); }
  uint64_t failures() const { return failures_.load(); }

 private:
  // One batch of events routed; true when more may be waiting.
  Result<bool> RouteBatch();
  void Work();
  void Run(const meta::ReplicationJob& job);
  Status Copy(const meta::ReplicationJob& job, Peer& peer);
  // Copies the manifest (an index's children, an image's blobs, then the manifest, by `tag` if
  // given, else by digest) and its referrers.
  Status CopyManifest(Peer& peer, meta::RepositoryId repo, const std::string& name, const oci::Digest& digest,
                      std::string_view tag, std::set<std::string>& copied, int depth);
  // Points `tag` at the peer; an immutable tag there leaves the copy untagged.
  Status PutTagged(Peer& peer, const std::string& name, std::string_view tag, const meta::ManifestRecord& m);
  Status CopyBlobs(Peer& peer, const std::string& name, const std::vector<oci::Digest>& digests);
  Result<std::unique_ptr<Peer>> PeerFor(const std::string& destination);
  std::string Self() const { return options_.region + "/" + options_.account; }

  meta::MetadataStore& store_;
  blob::BlobStore& blobs_;
  secrets::Vault& vault_;
  http::Client& client_;
  const ReplicatorOptions options_;
  const std::function<int64_t()> clock_;

  std::mutex route_mu_;  // one routing pass at a time in this process
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<meta::ReplicationJob> queue_;
  std::set<std::string> taken_;  // jobs queued or running, by "repo digest destination"
  bool stopping_ = false;
  std::vector<std::thread> workers_;

  std::atomic<uint64_t> replicated_{0};
  std::atomic<uint64_t> blobs_sent_{0};
  std::atomic<uint64_t> bytes_sent_{0};
  std::atomic<uint64_t> failures_{0};
};

}  // namespace berth::replication
