#include "server/app.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include "api/access_control.h"
#include "api/auditor.h"
#include "api/cloudtrail/cloudtrail_api.h"
#include "api/secretsmanager/secretsmanager_api.h"
#include "cache/pull_through.h"
#include "events/dispatcher.h"
#include "events/webhook_secret.h"
#include "api/ecr/ecr_api.h"
#include "api/iam/iam_api.h"
#include "api/iam/query.h"
#include "api/oci/errors.h"
#include "api/oci/oci_api.h"
#include "api/pull_recorder.h"
#include "audit/trail.h"
#include "auth/keyring.h"
#include "auth/authenticator.h"
#include "auth/console_sessions.h"
#include "console/console_api.h"
#include "auth/authorizer.h"
#include "iam/directory.h"
#include "lifecycle/runner.h"
#include "blob/fs/fs_blob_store.h"
#include "blob/s3/s3_blob_store.h"
#include "crypto/random.h"
#include "gc/collector.h"
#include "scan/pull_gate.h"
#include "replication/replicator.h"
#include "scan/scanner.h"
#include "http/server.h"
#include "server/background.h"
#include "server/cli_support.h"
#include "meta/cache/cached_store.h"
#include "meta/postgres/postgres_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "meta/write_timings.h"
#include "telemetry/allocator.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"

namespace berth::server {
namespace {

namespace asio = boost::asio;

int Die(std::string_view what, const Error& error) {
  telemetry::LogError(what, {{"error", error.message()}});
  std::fprintf(stderr, "berth: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               error.message().c_str());
  return 1;
}

// This process, in leases: host, port and a random suffix (a restarted node is a new holder).
std::string NodeId(uint16_t port) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(port) + "/" + crypto::RandomString(8, "abcdefghijklmnopqrstuvwxyz0123456789");
}

// The account ID: configured, or chosen at random on first start and kept in the store.
Result<std::string> AccountId(const Config& config, meta::MetadataStore& store) {
  if (!config.account_id.empty()) return config.account_id;
  BERTH_ASSIGN(std::optional<std::string> stored, store.GetSetting("account_id"));
  if (stored) return *stored;
  std::string id = crypto::RandomString(12, "0123456789");
  if (id[0] == '0') id[0] = '1';
  BERTH_TRY(store.PutSetting("account_id", id));
  return id;
}

}  // namespace

// Files under --data, or an S3 bucket with settings from the config file, then the environment.
Result<std::unique_ptr<blob::BlobStore>> OpenBlobStore(const Config& config) {
  if (config.blobs_uri.empty()) return blob::fs::OpenFsBlobStore(config.data_dir, config.archive_dir);
  BERTH_ASSIGN(s3::Settings settings,
               s3::Resolve(config.blobs_uri, [&config](std::string_view name) -> std::optional<std::string> {
                 if (auto it = config.aws.find(std::string(name)); it != config.aws.end()) return it->second;
                 if (const char* v = std::getenv(std::string(name).c_str())) return std::string(v);
                 return std::nullopt;
               }));
  return blob::s3::OpenS3BlobStore(std::move(settings));
}

int Run(const Config& config) {
  telemetry::Level level;
  if (telemetry::ParseLevel(config.log_level, level)) telemetry::SetLogLevel(level);

  std::error_code fs_error;
  std::filesystem::create_directories(config.data_dir, fs_error);
  if (fs_error) return Die("creating data directory", Error(Code::kInternal, fs_error.message()));
  ::chmod(config.data_dir.c_str(), 0750);

  auto log_migration = [](int version, std::string_view what) {
    telemetry::LogInfo("metadata schema migrated", {{"version", static_cast<int64_t>(version)},
                                                    {"migration", what}});
  };
  Result<std::unique_ptr<meta::MetadataStore>> meta =
      config.meta_uri.empty()
          ? meta::sqlite::OpenSqliteStore(config.data_dir + "/meta.db", log_migration)
          : meta::postgres::OpenPostgresStore(config.meta_uri, log_migration,
                                                static_cast<size_t>(config.meta_connections));
  if (!meta) return Die("opening metadata store", meta.error());
  // Hot reads are answered from memory (meta/cache/cached_store.h): on PostgreSQL kept current
  // by the other nodes' notifications, on SQLite by this process, its only writer.
  auto wrapped = std::make_unique<meta::cache::CachedStore>(std::move(*meta), config.meta_uri,
                                                              static_cast<size_t>(config.cache_size));
  meta::cache::CachedStore* cached = wrapped.get();
  *meta = std::move(wrapped);
  Result<std::unique_ptr<blob::BlobStore>> blobs = OpenBlobStore(config);
  if (!blobs) return Die("opening blob store", blobs.error());
  if (config.blob_redirect && !(*blobs)->remote()) {
    return Die("starting", Error(Code::kInvalidArgument, "--blob-redirect needs --blobs s3://..."));
  }

  Result<auth::KeyRing> node_key = auth::KeyRing::LoadFile(
      config.secret_key_file.empty() ? config.data_dir + "/secret.key" : config.secret_key_file);
  if (!node_key) return Die("loading the secret key", node_key.error());
  Result<auth::KeyRing> keyring = auth::KeyRing::Join(*node_key, **meta);
  if (!keyring) return Die("loading the key ring", keyring.error());
  Result<auth::BootstrapResult> admin =
      auth::BootstrapAdmin(**meta, *keyring, config.data_dir, NowSeconds());
  if (!admin) return Die("creating the admin identity", admin.error());

  // Remote blob stores wait on the network in this pool (every S3 part sent, every chunk read).
  asio::thread_pool blocking((*blobs)->remote() ? 64 : 8);
  telemetry::Metrics metrics;
  meta::MetadataStore& store = **meta;
  metrics.AddGaugeCallback("berth_upload_sessions", "Upload sessions in progress (not yet committed).",
                           [&store] {
                             Result<int64_t> n = store.CountUploads();
                             return n ? static_cast<double>(*n) : -1.0;
                           });
  metrics.AddCounterCallback("berth_metadata_cache_hits_total", "Metadata reads answered from this node's cache.",
                             [cached] { return static_cast<double>(cached->cache().hits()); });
  metrics.AddCounterCallback("berth_metadata_cache_misses_total", "Cacheable metadata reads that asked the store.",
                             [cached] { return static_cast<double>(cached->cache().misses()); });
  metrics.AddGaugeCallback("berth_metadata_cache_bytes", "Memory the metadata cache holds (at most --cache-size).",
                           [cached] { return static_cast<double>(cached->cache().bytes()); });
  metrics.AddGaugeCallback("berth_metadata_cache_entries", "Entries in the metadata cache.",
                           [cached] { return static_cast<double>(cached->cache().entries()); });
  if (telemetry::ReadAllocatorStats()) {
    metrics.AddGaugeCallback("berth_allocator_allocated_bytes", "Bytes in blocks the process holds (jemalloc).",
                             [] { return static_cast<double>(telemetry::ReadAllocatorStats().value_or(telemetry::AllocatorStats{}).allocated); });
    metrics.AddGaugeCallback("berth_allocator_resident_bytes",
                             "Bytes of the allocator's pages in memory, its free pages included (jemalloc).",
                             [] { return static_cast<double>(telemetry::ReadAllocatorStats().value_or(telemetry::AllocatorStats{}).resident); });
  }
  if (!config.meta_uri.empty()) {
    metrics.AddCounterCallback("berth_metadata_queries_total", "Statements sent to PostgreSQL.",
                               [] { return static_cast<double>(meta::postgres::QueriesRun()); });
  }
  // What a slow write was: a wait behind another (background work's steps end as soon as a
  // change waits) or its own commit.
  using meta::WriteKind;
  for (const auto& [kind, label] : {std::pair{WriteKind::kChange, "kind=\"change\""},
                                    std::pair{WriteKind::kBackground, "kind=\"background\""}}) {
    metrics.AddHistogram("berth_metadata_write_wait_seconds",
                         "Time a metadata write waited for the single writer (SQLite's write lock, PostgreSQL's "
                         "advisory lock), by a change or background bookkeeping (pull times, pruning, leases).",
                         meta::WriteLockWaits(kind), label);
    metrics.AddHistogram("berth_metadata_commit_duration_seconds",
                         "Time a metadata COMMIT took: a change's waits for the disk, a background one's does not.",
                         meta::WriteCommits(kind), label);
  }

  Result<std::string> account_id = AccountId(config, store);
  if (!account_id) return Die("choosing the account ID", account_id.error());
  // IAM users, groups and policies; another node's change reaches this one through the change
  // feed, which the cache listens to.
  iam::Directory directory(store, *account_id);
  if (!config.meta_uri.empty()) {
    cached->OnIamChange([&directory](bool listening) { directory.MarkStale(listening); });
    directory.SyncWith([cached] { cached->DrainChanges(); });
  }
  if (Result<std::shared_ptr<const iam::Snapshot>> loaded = directory.Current(); !loaded) {
    return Die("loading IAM users", loaded.error());
  }
  Result<std::unique_ptr<auth::Authenticator>> authenticator =
      auth::Authenticator::Create(store, *keyring, config.anonymous, &directory, *account_id);
  if (!authenticator) return Die("loading access keys", authenticator.error());
  auth::Authorizer authorizer(&directory, *account_id);
  api::AccessControl access(store, authorizer, config.region, !config.tls_cert.empty(), NowSeconds);
  std::unique_ptr<audit::Trail> trail;
  if (config.audit) {
    Result<std::unique_ptr<audit::Trail>> opened =
        audit::Trail::Open(audit::TrailOptions{.dir = config.data_dir + "/audit", .max_file_bytes = config.audit_file_bytes});
    if (!opened) return Die("opening the audit trail", opened.error());
    trail = std::move(*opened);
  }
  api::Auditor auditor(trail.get(), *account_id, config.region);
  if (audit::Trail* t = trail.get()) {
    metrics.AddCounterCallback("berth_audit_records_total", "Audit records written to this node's trail.",
                               [t] { return static_cast<double>(t->written()); });
  }
  const std::string scheme = config.tls_cert.empty() ? "http" : "https";
  const std::string external_url =
      !config.external_url.empty()
          ? config.external_url
          : scheme + "://" + (config.listen_host.find(':') != std::string::npos ? "[" + config.listen_host + "]"
                                                                                 : config.listen_host) +
                ":" + std::to_string(config.listen_port);

  // The token service is the address clients reach Berth at, as they name the registry.
  const std::string token_service = external_url.substr(external_url.find("://") + 3);
  if (config.bearer) (*authenticator)->EnableBearer(token_service);

  api::PullRecorder pulls;
  api::UploadLocks upload_locks;
  // Set once the background jobs exist: a push nudges replication and event delivery, so a
  // peer or a webhook hears of it at once rather than at the next interval.
  std::atomic<Background*> nudge_background{nullptr};
  auto scan_on_push = [&store, &nudge_background](const meta::PushedImage& image) {
    scan::ScanOnPush(store, image, NowSeconds());
    if (Background* b = nudge_background.load()) {
      b->RunSoon("replication");
      b->RunSoon("events");
    }
  };
  scan::PullGate pull_gate(store, NowSeconds);
  secrets::Vault vault(store, *keyring, config.region, *account_id, NowSeconds);
  cache::PullThrough pull_through(store, **blobs, vault,
                                  cache::PullThroughOptions{.tag_ttl = config.cache_tag_ttl,
                                                            .spool_dir = config.data_dir,
                                                            .node_id = NodeId(config.listen_port),
                                                            .shared_store = !config.meta_uri.empty(),
                                                            .ca_file = config.cache_ca_file,
                                                            .on_image_stored = scan_on_push},
                                  NowSeconds);
  metrics.AddCounterCallback("berth_cache_manifests_fetched_total", "Manifests the pull-through cache fetched upstream.",
                             [&pull_through] { return static_cast<double>(pull_through.manifests_fetched()); });
  metrics.AddCounterCallback("berth_cache_blobs_fetched_total", "Blobs the pull-through cache downloaded upstream.",
                             [&pull_through] { return static_cast<double>(pull_through.blob_fetches().downloads()); });
  metrics.AddCounterCallback("berth_cache_bytes_fetched_total", "Blob bytes the pull-through cache downloaded upstream.",
                             [&pull_through] { return static_cast<double>(pull_through.blob_fetches().bytes()); });
  metrics.AddCounterCallback("berth_cache_images_imported_total", "Images the pull-through cache stored.",
                             [&pull_through] { return static_cast<double>(pull_through.images_imported()); });
  metrics.AddCounterCallback("berth_cache_tag_checks_total", "Cached tags asked of their upstream again after the TTL.",
                             [&pull_through] { return static_cast<double>(pull_through.tag_checks()); });
  api::oci::OciApi api(store, **blobs, **authenticator, access, auditor, blocking, metrics, pulls, upload_locks,
                       api::oci::OciApiOptions{.delete_enabled = config.delete_enabled,
                                               .upload_idle_timeout = config.upload_idle_timeout,
                                               .blob_redirect = config.blob_redirect,
                                               .bearer = config.bearer,
                                               .bearer_realm = external_url + "/v2/token",
                                               .bearer_service = token_service,
                                               .on_image_pushed = scan_on_push,
                                               .pull_gate = &pull_gate,
                                               .pull_through = &pull_through},
                       NowSeconds);
  lifecycle::Runner lifecycle_runner(store, **blobs, NowSeconds);
  gc::Collector collector(store, **blobs, config.gc_grace, NowSeconds);
  metrics.AddCounterCallback("berth_lifecycle_runs_total", "Lifecycle policy runs, one per repository with a policy.",
                             [&lifecycle_runner] { return static_cast<double>(lifecycle_runner.runs()); });
  metrics.AddCounterCallback("berth_lifecycle_images_expired_total", "Images lifecycle policies expired.",
                             [&lifecycle_runner] { return static_cast<double>(lifecycle_runner.images_expired()); });
  metrics.AddCounterCallback("berth_lifecycle_images_archived_total", "Images lifecycle policies moved to the archive.",
                             [&lifecycle_runner] { return static_cast<double>(lifecycle_runner.images_archived()); });
  metrics.AddCounterCallback("berth_gc_runs_total", "Garbage collections this node ran.",
                             [&collector] { return static_cast<double>(collector.runs()); });
  metrics.AddCounterCallback("berth_gc_blobs_deleted_total", "Blobs whose bytes garbage collection deleted.",
                             [&collector] { return static_cast<double>(collector.blobs_deleted()); });
  metrics.AddCounterCallback("berth_gc_bytes_reclaimed_total", "Bytes garbage collection reclaimed.",
                             [&collector] { return static_cast<double>(collector.bytes_reclaimed()); });
  metrics.AddCounterCallback("berth_gc_links_dropped_total",
                             "Repository links to blobs no manifest used, dropped after the grace period.",
                             [&collector] { return static_cast<double>(collector.links_dropped()); });
  scan::Scanner scanner(store, **blobs, NowSeconds, scan::ScannerOptions{.tool_version = BERTH_VERSION});
  metrics.AddCounterCallback("berth_scans_completed_total", "Image scans this node completed (any status but FAILED).",
                             [&scanner] { return static_cast<double>(scanner.scans_completed()); });
  metrics.AddCounterCallback("berth_scans_failed_total", "Image scans this node could not complete (FAILED).",
                             [&scanner] { return static_cast<double>(scanner.scans_failed()); });
  metrics.AddCounterCallback("berth_scan_layers_read_total", "Layers the scanner read from the blob store.",
                             [&scanner] { return static_cast<double>(scanner.layers_read()); });
  metrics.AddCounterCallback("berth_scan_layer_cache_hits_total", "Layers the scanner found summarized in its cache.",
                             [&scanner] { return static_cast<double>(scanner.layer_cache_hits()); });
  metrics.AddCounterCallback("berth_scans_rematched_total",
                             "Stored inventories matched again after the vulnerability database changed.",
                             [&scanner] { return static_cast<double>(scanner.images_rematched()); });
  // Events to other systems (events/dispatcher.h) and replication to peers
  // (replication/replicator.h), each under its lease. Webhook targets get a shorter deadline
  // than peers, whose answers may follow a large upload.
  http::Client webhook_client(http::ClientOptions{.timeout = std::chrono::seconds(10)});
  http::Client peer_client(http::ClientOptions{.timeout = std::chrono::seconds(60), .ca_file = config.cache_ca_file});
  Result<std::string> webhook_secret = events::LoadWebhookSecret(config.data_dir, store, *keyring);
  if (!webhook_secret) return Die("loading the webhook secret", webhook_secret.error());
  Result<std::unique_ptr<events::Dispatcher>> dispatcher = events::Dispatcher::Create(
      store, webhook_client,
      events::DispatcherOptions{.registry = {.account = *account_id, .region = config.region},
                                .journal_path = config.data_dir + "/events.jsonl",
                                .webhooks = config.event_webhooks,
                                .secret = *webhook_secret,
                                .user_agent = "Berth/" BERTH_VERSION},
      NowSeconds);
  if (!dispatcher) return Die("starting event delivery", dispatcher.error());
  metrics.AddCounterCallback("berth_events_delivered_total", "Events webhook targets accepted.",
                             [&dispatcher] { return static_cast<double>((*dispatcher)->delivered()); });
  metrics.AddCounterCallback("berth_event_delivery_failures_total", "Event deliveries a webhook target failed (retried).",
                             [&dispatcher] { return static_cast<double>((*dispatcher)->failed_attempts()); });
  metrics.AddCounterCallback("berth_events_journaled_total", "Events appended to DATA/events.jsonl.",
                             [&dispatcher] { return static_cast<double>((*dispatcher)->journaled()); });
  std::vector<replication::PeerAddress> peers;
  std::set<std::string> peer_keys;
  for (const PeerSpec& p : config.peers) {
    Result<http::Url> url = http::Url::Parse(p.url);
    if (!url) return Die("reading --peer " + p.region + "/" + p.registry_id, url.error());
    peers.push_back({.region = p.region, .registry_id = p.registry_id, .url = *url});
    peer_keys.insert(p.region + "/" + p.registry_id);
  }
  replication::Replicator replicator(store, **blobs, vault, peer_client,
                                     replication::ReplicatorOptions{.region = config.region,
                                                                    .account = *account_id,
                                                                    .peers = std::move(peers)},
                                     NowSeconds);
  metrics.AddCounterCallback("berth_replication_images_total", "Image copies to replication destinations completed.",
                             [&replicator] { return static_cast<double>(replicator.images_replicated()); });
  metrics.AddCounterCallback("berth_replication_failures_total", "Image copies that failed for good.",
                             [&replicator] { return static_cast<double>(replicator.failures()); });
  metrics.AddCounterCallback("berth_replication_blobs_sent_total", "Blobs sent to replication destinations.",
                             [&replicator] { return static_cast<double>(replicator.blobs_sent()); });
  metrics.AddCounterCallback("berth_replication_bytes_sent_total", "Blob bytes sent to replication destinations.",
                             [&replicator] { return static_cast<double>(replicator.bytes_sent()); });
  api::ecr::EcrApi ecr(store, **blobs, **authenticator, access, auditor, blocking, pulls, upload_locks, lifecycle_runner,
                       api::ecr::EcrApiOptions{.region = config.region,
                                               .account_id = *account_id,
                                               .external_url = external_url,
                                               .token_ttl_seconds = config.token_ttl.count(),
                                               .upload_idle_timeout = config.upload_idle_timeout,
                                               .on_image_pushed = scan_on_push,
                                               .pull_through = &pull_through,
                                               .replication_peers = std::move(peer_keys),
                                               .route_pending_replication = [&replicator] { return replicator.RoutePending(); }},
                       NowSeconds);
  api::iam::IamApi iam_api(**authenticator, access, auditor, directory, blocking,
                           api::iam::IamApiOptions{.region = config.region}, NowSeconds);
  api::cloudtrail::CloudTrailApi cloudtrail(**authenticator, access, auditor, blocking, config.region, NowSeconds);
  api::secretsmanager::SecretsManagerApi secrets_api(**authenticator, access, auditor, vault, blocking, NowSeconds);
  // The console's sessions are accepted by the AWS APIs only while the console is served.
  auth::ConsoleSessions console_sessions(store, **authenticator, config.console_session_ttl.count());
  if (config.console) (*authenticator)->EnableConsoleSessions(&console_sessions);
  console::ConsoleApi console_api(console_sessions, **authenticator, auditor, access, store, blocking,
                                  console::ConsoleOptions{.account_id = *account_id,
                                                          .region = config.region,
                                                          .secure_cookies = !config.tls_cert.empty()},
                                  NowSeconds);
  const unsigned io_threads =
      config.io_threads != 0 ? config.io_threads : std::max(2u, std::thread::hardware_concurrency());
  // One io_context per I/O thread (see http/server.h); the first also runs timers and signals.
  // Declared after everything a request's coroutine uses and before the server: a context
  // stopped with requests in flight (the drain deadline) destroys their coroutine frames when it
  // is destroyed, and those frames release upload locks and touch the APIs and metrics.
  std::vector<std::unique_ptr<asio::io_context>> io_contexts;
  std::vector<asio::io_context*> ios;
  for (unsigned i = 0; i < io_threads; ++i) {
    io_contexts.push_back(std::make_unique<asio::io_context>(1));
    ios.push_back(io_contexts.back().get());
  }
  asio::io_context& io = *ios.front();
  auto stop_all = [&ios] {
    for (asio::io_context* c : ios) c->stop();
  };

  // The JSON APIs are POST / with X-Amz-Target (CloudTrail's and Secrets Manager's prefixes, else ECR); IAM and STS are
  // form POSTs to /; everything else is the registry API.
  auto is_ecr = [](const http::Request& req) { return req.path() == "/" && req.Header("X-Amz-Target"); };
  const bool serve_console = config.console;
  auto route = [&api, &ecr, &iam_api, &cloudtrail, &secrets_api, &console_api, serve_console,
                is_ecr](http::Request& req) {
    if (serve_console && console::ConsoleApi::Claims(req)) return console_api.Handle(req);
    if (api::cloudtrail::CloudTrailApi::Claims(req)) return cloudtrail.Handle(req);
    if (api::secretsmanager::SecretsManagerApi::Claims(req)) return secrets_api.Handle(req);
    if (is_ecr(req)) return ecr.Handle(req);
    if (api::iam::IamApi::Claims(req)) return iam_api.Handle(req);
    return api.Handle(req);
  };
  auto internal_error = [is_ecr](const http::Request& req) {
    Error fault(Code::kInternal, "internal error");
    if (api::iam::IamApi::Claims(req)) return api::iam::QueryError(fault, api::iam::kIamXmlns, "");
    return is_ecr(req) ? api::ecr::ErrorResponse(fault) : api::oci::ErrorResponse(fault);
  };
  http::Server server(ios,
                      http::ServerOptions{.host = config.listen_host,
                                          .port = config.listen_port,
                                          .tls_cert_file = config.tls_cert,
                                          .tls_key_file = config.tls_key,
                                          .idle_timeout = config.idle_timeout,
                                          .io_timeout = config.io_timeout,
                                          .blocking_pool = &blocking,
                                          .internal_error = internal_error},
                      route, metrics);
  Result<uint16_t> port = server.Listen();
  if (!port) return Die("starting the listener", port.error());
  server.Start();

  telemetry::LogInfo("berth listening", {{"address", config.listen_host},
                                         {"port", static_cast<int64_t>(*port)},
                                         {"data", config.data_dir},
                                         {"metadata", config.meta_uri.empty() ? "sqlite" : "postgres"},
                                         {"blobs", config.blobs_uri.empty() ? "files" : config.blobs_uri},
                                         {"anonymous", config.anonymous ? "true" : "false"}});
  std::printf("berth listening on %s://%s:%u (data in %s)\n", scheme.c_str(),
              config.listen_host.c_str(), static_cast<unsigned>(*port), config.data_dir.c_str());
  std::printf("ECR API: aws ecr --endpoint-url %s --region %s (account %s)\n", external_url.c_str(),
              config.region.c_str(), account_id->c_str());
  if (config.anonymous) {
    std::printf("authentication is OFF (--anonymous)\n");
  } else if (!admin->credentials_file.empty()) {
    std::printf("admin credentials: %s (access key %s)\n", admin->credentials_file.c_str(),
                admin->access_key_id.c_str());
  } else {
    std::printf("admin access key: %s\n", admin->access_key_id.c_str());
  }
  std::fflush(stdout);

  Background background(io, blocking, store, pulls, metrics, NodeId(*port), NowSeconds);
  // Uploads idle past their timeout are purged a few times per timeout (at most every minute),
  // so a session outlives its timeout by at most a quarter of it.
  background.AddLeasedJob("upload-purge",
                          std::clamp<std::chrono::seconds>(config.upload_idle_timeout / 4, std::chrono::seconds(1),
                                                           std::chrono::seconds(60)),
                          [&api] {
                            Result<size_t> purged = api.PurgeIdleUploads();
                            if (!purged) {
                              telemetry::LogWarn("purging idle uploads failed", {{"error", purged.error().message()}});
                            } else if (*purged > 0) {
                              telemetry::LogInfo("purged idle uploads", {{"count", *purged}});
                            }
                          });
  background.AddLeasedJob("lifecycle", config.lifecycle_interval, [&lifecycle_runner] { lifecycle_runner.RunAll(); });
  background.AddLeasedJob("gc", config.gc_interval, [&collector] {
    if (Result<gc::CollectReport> r = collector.Collect(); !r) {
      telemetry::LogWarn("garbage collection failed", {{"error", r.error().message()}});
    }
  });
  // Storage used, sampled at the start of each interval; a year and a month of samples are kept.
  background.AddLeasedJob("usage", config.usage_interval, [&store, interval = config.usage_interval.count()] {
    const int64_t now = NowSeconds();
    if (Result<bool> r = store.RecordUsageSample(now - now % interval, now - 400 * 86400); !r) {
      telemetry::LogWarn("sampling the storage used failed", {{"error", r.error().message()}});
    }
  });
  background.AddLeasedJob("scan", config.scan_interval, [&scanner] { scanner.RunOnce(); });
  background.AddLeasedJob("events", std::chrono::seconds(1), [&dispatcher] { (*dispatcher)->RunOnce(); });
  background.AddLeasedJob("replication", config.replication_interval, [&replicator] { replicator.RunOnce(); });
  nudge_background = &background;
  background.Start();

  asio::steady_timer drain_deadline(io);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    telemetry::LogInfo("shutting down: draining in-flight requests", {{"signal", signal}});
    background.Stop();
    server.BeginShutdown(stop_all);
    drain_deadline.expires_after(config.drain_timeout);
    drain_deadline.async_wait([&stop_all](boost::system::error_code e) {
      if (!e) {
        telemetry::LogWarn("drain deadline passed; stopping with requests in flight");
        stop_all();
      }
    });
  });

  std::vector<std::thread> threads;
  // Each context runs until stop_all(), even while it has no connections.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  for (asio::io_context* c : ios) keep_running.push_back(asio::make_work_guard(*c));
  for (unsigned i = 1; i < io_threads; ++i) threads.emplace_back([c = ios[i]] { c->run(); });
  io.run();
  for (std::thread& t : threads) t.join();
  blocking.join();
  replicator.Stop();
  background.Finish();
  telemetry::LogInfo("berth stopped");
  return 0;
}

}  // namespace berth::server
