#include "replication/replicator.h"

#include <boost/json/parse.hpp>

#include <algorithm>

#include "base/json.h"
#include "events/dispatcher.h"
#include "meta/event_details.h"
#include "oci/manifest.h"
#include "telemetry/log.h"

namespace berth::replication {
namespace {

namespace json = boost::json;

constexpr size_t kRouteBatch = 500;
constexpr int kMaxDepth = 4;  // index -> image -> referrer -> its referrer ...
constexpr size_t kMaxReferrers = 100;

std::string JobKey(const meta::ReplicationJob& j) {
  return std::to_string(j.repo) + " " + j.digest.str() + " " + j.destination;
}

std::string FailureCode(const Error& e) {
  if (!e.reason().empty() && e.reason().starts_with("PEER_")) return std::string(e.reason());
  switch (e.code()) {
    case Code::kPermissionDenied: return "PEER_ACCESS_DENIED";
    case Code::kUnavailable: return "PEER_UNREACHABLE";
    // The image lost a blob or a child here (a deleted image takes its job with it instead).
    case Code::kNotFound: return "SOURCE_IMAGE_INCOMPLETE";
    default: return "PEER_REFUSED";
  }
}

}  // namespace

std::string PeerSecretName(std::string_view destination) { return "berth-peer/" + std::string(destination); }

Result<Configuration> LoadConfiguration(meta::ImageCatalog& settings) {
  BERTH_ASSIGN(std::optional<std::string> text, settings.GetSetting(kConfigurationSetting));
  if (!text) return Configuration{};
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) return Fail(Code::kInternal, "the stored replication configuration is not JSON");
  return ParseConfiguration(v.as_object());
}

Result<size_t> Backfill(meta::MetadataStore& store, std::string_view prefix, int64_t now) {
  BERTH_ASSIGN(Configuration config, LoadConfiguration(store));
  size_t queued = 0;
  std::string after;
  while (true) {
    BERTH_ASSIGN(std::vector<std::string> names, store.ListRepositories(after, 1000));
    if (names.empty()) return queued;
    after = names.back();
    for (const std::string& name : names) {
      if (!name.starts_with(prefix)) continue;
      const std::vector<std::string> destinations = DestinationsFor(config, name);
      if (destinations.empty()) continue;
      BERTH_ASSIGN(std::optional<meta::RepositoryId> repo, store.FindRepository(name));
      if (!repo) continue;
      std::string after_digest;
      while (true) {
        BERTH_ASSIGN(std::vector<meta::ImageRecord> images, store.ListImages(*repo, after_digest, 500));
        if (images.empty()) break;
        after_digest = images.back().digest.str();
        for (const meta::ImageRecord& image : images) {
          BERTH_ASSIGN(bool queued_one, store.EnqueueReplication(*repo, image.digest, destinations, image.tags, now));
          queued += queued_one ? 1 : 0;
        }
      }
    }
  }
}

Replicator::Replicator(meta::MetadataStore& store, blob::BlobStore& blobs, secrets::Vault& vault, http::Client& client,
                       ReplicatorOptions options, std::function<int64_t()> clock)
    : store_(store), blobs_(blobs), vault_(vault), client_(client), options_(std::move(options)),
      clock_(std::move(clock)) {}

Replicator::~Replicator() { Stop(); }

void Replicator::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
}

void Replicator::RunOnce() {
  if (Status s = RoutePending(); !s) telemetry::LogWarn("routing pushes to replication failed", {{"error", s.error().message()}});
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    while (workers_.size() < options_.workers) workers_.emplace_back([this] { Work(); });
    if (queue_.size() >= options_.workers * 2) return;
  }
  Result<std::vector<meta::ReplicationJob>> due = store_.DueReplications(clock_(), 64);
  if (!due) {
    telemetry::LogWarn("reading the replication queue failed", {{"error", due.error().message()}});
    return;
  }
  std::lock_guard lock(mu_);
  for (meta::ReplicationJob& job : *due) {
    if (taken_.insert(JobKey(job)).second) queue_.push_back(std::move(job));
  }
  wake_.notify_all();
}

Status Replicator::RoutePending() {
  std::lock_guard routing(route_mu_);
  while (true) {
    BERTH_ASSIGN(bool more, RouteBatch());
    if (!more) return {};
  }
}

Result<bool> Replicator::RouteBatch() {
  BERTH_ASSIGN(int64_t cursor, store_.ReadPosition(events::kReplicationCursor));
  BERTH_ASSIGN(std::vector<meta::EventRecord> events, store_.ReadEvents(cursor, kRouteBatch));
  if (events.empty()) return false;
  BERTH_ASSIGN(Configuration config, LoadConfiguration(store_));
  const int64_t now = clock_();
  for (const meta::EventRecord& e : events) {
    if (e.detail_type != meta::kImageAction) continue;
    boost::system::error_code ec;
    json::value detail = json::parse(e.detail, ec);
    if (ec || !detail.is_object() || JsonString(detail.as_object(), "action-type") != "PUSH") continue;
    std::vector<std::string> destinations = DestinationsFor(config, e.repository);
    std::erase(destinations, Self());
    if (destinations.empty()) continue;
    Result<oci::Digest> digest = oci::Digest::Parse(JsonString(detail.as_object(), "image-digest"));
    if (!digest) continue;
    BERTH_ASSIGN(std::optional<meta::RepositoryId> repo, store_.FindRepository(e.repository));
    if (!repo) continue;
    std::vector<std::string> tags;
    if (std::string tag = JsonString(detail.as_object(), "image-tag"); !tag.empty()) tags.push_back(std::move(tag));
    BERTH_TRY(store_.EnqueueReplication(*repo, *digest, destinations, tags, now));
  }
  BERTH_TRY(store_.SavePosition(events::kReplicationCursor, events.back().seq));
  return events.size() == kRouteBatch;
}

void Replicator::Work() {
  while (true) {
    std::optional<meta::ReplicationJob> job;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Run(*job);
    std::lock_guard lock(mu_);
    taken_.erase(JobKey(*job));
  }
}

Result<std::unique_ptr<Peer>> Replicator::PeerFor(const std::string& destination) {
  const auto address = std::find_if(options_.peers.begin(), options_.peers.end(), [&](const PeerAddress& p) {
    return p.region + "/" + p.registry_id == destination;
  });
  if (address == options_.peers.end()) {
    return Fail(Code::kFailedPrecondition, "no --peer serves " + destination, "PEER_NOT_CONFIGURED");
  }
  std::optional<PeerCredentials> credentials;
  Result<std::string> secret = vault_.CurrentString(PeerSecretName(destination));
  if (secret) {
    Result<PeerCredentials> parsed = ParsePeerCredentials(*secret);
    if (!parsed) return Fail(Code::kFailedPrecondition, parsed.error().message(), "PEER_CREDENTIALS_INVALID");
    credentials = std::move(*parsed);
  } else if (secret.error().code() != Code::kNotFound) {
    return Fail(Code::kUnavailable, "reading the peer's secret: " + secret.error().message());
  }
  return std::make_unique<Peer>(client_, *address, std::move(credentials), Self());
}

void Replicator::Run(const meta::ReplicationJob& job) {
  Result<std::unique_ptr<Peer>> peer = PeerFor(job.destination);
  const Status copied = peer ? Copy(job, **peer) : Status(std::unexpected(peer.error()));
  const int64_t now = clock_();
  const bool retry = !copied && copied.error().code() == Code::kUnavailable && job.attempts + 1 < options_.max_attempts;
  const size_t slash = job.destination.find('/');
  const std::string destination_region = job.destination.substr(0, slash);
  const std::string destination_account = job.destination.substr(slash + 1);
  if (retry) {
    const int64_t wait = std::min<int64_t>(int64_t{1} << std::min<int64_t>(job.attempts, 9), 300);
    telemetry::LogWarn("replication will be tried again",
                       {{"repository", job.repo_name}, {"digest", job.digest.str()}, {"destination", job.destination},
                        {"error", copied.error().message()}, {"retry_in_seconds", wait}});
    (void)store_.FinishReplication(job, "IN_PROGRESS", "", now + wait, now, nullptr);
    return;
  }
  const std::string failure = copied ? std::string() : FailureCode(copied.error());
  if (!copied) {
    ++failures_;
    telemetry::LogWarn("replication failed", {{"repository", job.repo_name}, {"digest", job.digest.str()},
                                              {"destination", job.destination}, {"error", copied.error().message()}});
  } else {
    ++replicated_;
  }
  const meta::EventRecord event{
      .time = now,
      .detail_type = std::string(meta::kReplicationAction),
      .repository = job.repo_name,
      .detail = meta::ReplicationDetail({.result = copied ? "SUCCESS" : "FAILED",
                                         .repository = job.repo_name,
                                         .digest = job.digest.str(),
                                         .tag = job.tags.empty() ? std::string_view() : std::string_view(job.tags[0]),
                                         .source_account = options_.account,
                                         .source_region = options_.region,
                                         .destination_account = destination_account,
                                         .destination_region = destination_region,
                                         .failure_code = failure})};
  Result<bool> finished = store_.FinishReplication(job, copied ? "COMPLETE" : "FAILED", failure, 0, now, &event);
  if (!finished) telemetry::LogWarn("recording a replication failed", {{"error", finished.error().message()}});
}

Status Replicator::Copy(const meta::ReplicationJob& job, Peer& peer) {
  BERTH_TRY(peer.EnsureRepository(job.repo_name));
  std::set<std::string> copied;
  // The first tag goes with the manifest itself, so the peer records one change per image.
  BERTH_TRY(CopyManifest(peer, job.repo, job.repo_name, job.digest, job.tags.empty() ? "" : job.tags[0], copied, 0));
  if (job.tags.size() < 2) return {};
  BERTH_ASSIGN(std::optional<meta::ManifestRecord> m, store_.GetManifest(job.repo, &job.digest, nullptr));
  if (!m) return Fail(Code::kNotFound, "the image was deleted");
  for (size_t i = 1; i < job.tags.size(); ++i) BERTH_TRY(PutTagged(peer, job.repo_name, job.tags[i], *m));
  return {};
}

Status Replicator::PutTagged(Peer& peer, const std::string& name, std::string_view tag, const meta::ManifestRecord& m) {
  Status put = peer.PutManifest(name, tag, m.media_type, m.payload);
  if (put || put.error().code() != Code::kAlreadyExists) return put;
  telemetry::LogInfo("replicated untagged: the destination's tag is immutable",
                     {{"repository", name}, {"tag", std::string(tag)}, {"destination", peer.destination()}});
  return peer.PutManifest(name, m.digest.str(), m.media_type, m.payload);
}

Status Replicator::CopyManifest(Peer& peer, meta::RepositoryId repo, const std::string& name, const oci::Digest& digest,
                                std::string_view tag, std::set<std::string>& copied, int depth) {
  if (depth > kMaxDepth || !copied.insert(digest.str()).second) return {};
  BERTH_ASSIGN(std::optional<meta::ManifestRecord> m, store_.GetManifest(repo, &digest, nullptr));
  if (!m) return Fail(Code::kNotFound, "manifest " + digest.str() + " was deleted");
  BERTH_ASSIGN(oci::Manifest parsed, oci::ParseManifest(m->media_type, m->payload));
  for (const oci::Descriptor& child : parsed.manifests) {
    BERTH_TRY(CopyManifest(peer, repo, name, child.digest, "", copied, depth + 1));
  }
  std::vector<oci::Digest> blobs;
  for (const oci::Descriptor& b : parsed.blobs) {
    if (!b.has_urls) blobs.push_back(b.digest);
  }
  BERTH_TRY(CopyBlobs(peer, name, blobs));
  BERTH_TRY(tag.empty() ? peer.PutManifest(name, digest.str(), m->media_type, m->payload)
                        : PutTagged(peer, name, tag, *m));
  BERTH_ASSIGN(std::vector<meta::Referrer> referrers, store_.ListReferrers(repo, digest, "", "", kMaxReferrers));
  for (const meta::Referrer& r : referrers) BERTH_TRY(CopyManifest(peer, repo, name, r.digest, "", copied, depth + 1));
  return {};
}

Status Replicator::CopyBlobs(Peer& peer, const std::string& name, const std::vector<oci::Digest>& digests) {
  std::mutex mu;
  size_t next = 0;
  Status first_error;
  auto send = [&] {
    while (true) {
      size_t i;
      {
        std::lock_guard lock(mu);
        if (next >= digests.size() || !first_error) return;
        i = next++;
      }
      Status s = [&]() -> Status {
        BERTH_ASSIGN(bool has, peer.HasBlob(name, digests[i]));
        if (has) return {};
        BERTH_ASSIGN(std::unique_ptr<blob::BlobReader> reader, blobs_.Open(digests[i]));
        BERTH_TRY(peer.PushBlob(name, digests[i], *reader));
        ++blobs_sent_;
        bytes_sent_ += reader->size();
        return {};
      }();
      if (!s) {
        std::lock_guard lock(mu);
        if (first_error) first_error = std::move(s);
      }
    }
  };
  const size_t streams = std::min(options_.blob_streams, digests.size());
  std::vector<std::thread> threads;
  for (size_t t = 1; t < streams; ++t) threads.emplace_back(send);
  send();
  for (std::thread& t : threads) t.join();
  return first_error;
}

}  // namespace berth::replication
