// server/config.h
//
// Berth's configuration: command-line flags, optionally on top of a config file of
// "key = value" lines using the same names as the flags (without "--"). Pure parsing, no I/O but
// reading the named file.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"

namespace berth::server {

// A replication destination another registry serves: --peer REGION/REGISTRY_ID=URL.
struct PeerSpec {
  std::string region;
  std::string registry_id;  // 12 digits
  std::string url;          // http(s)://host[:port]
};

struct Config {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 5000;
  std::string data_dir = "./data";
  std::string meta_uri;  // postgres://...; empty: SQLite in data_dir
  uint64_t meta_connections = 16;  // per node, to PostgreSQL
  std::string blobs_uri;  // s3://bucket/prefix; empty: files in data_dir
  bool blob_redirect = false;  // blob GETs answer 307 to a presigned S3 URL
  // AWS_* settings from the config file (endpoint, region, credentials for S3); the environment
  // fills in what the file leaves out.
  std::map<std::string, std::string> aws;
  std::string secret_key_file;  // empty: <data_dir>/secret.key
  std::string tls_cert;
  std::string tls_key;
  bool anonymous = false;
  bool delete_enabled = true;
  std::string log_level = "info";
  std::chrono::seconds upload_idle_timeout{24 * 3600};
  unsigned io_threads = 0;  // 0: one per core
  std::chrono::seconds idle_timeout{60};  // a connection waiting for its next request
  std::chrono::seconds io_timeout{120};   // a body read or write making no progress
  std::chrono::seconds drain_timeout{30};  // on SIGTERM, how long in-flight requests may finish
  std::string region = "us-east-1";
  std::string account_id;    // 12 digits; empty: the one chosen on first start
  std::string external_url;  // how clients reach Berth; empty: from --listen
  std::chrono::seconds token_ttl{12 * 3600};  // registry logins from GetAuthorizationToken
  bool bearer = false;                        // --auth-mode bearer: the Docker token flow on /v2/
  bool audit = true;                          // the audit trail under <data_dir>/audit
  bool console = true;                        // the web console at /console/
  std::chrono::seconds console_session_ttl{8 * 3600};  // a console sign-in lasts this long
  uint64_t audit_file_bytes = 32 << 20;        // rotate the trail's file past this size
  std::chrono::seconds lifecycle_interval{24 * 3600};  // how often every lifecycle policy runs
  std::chrono::seconds gc_interval{600};               // how often garbage is collected
  std::chrono::seconds usage_interval{3600};           // how often storage used is sampled (the console's chart)
  std::chrono::seconds scan_interval{2};  // how often requested scans and database updates are looked for
  std::chrono::seconds cache_tag_ttl{24 * 3600};  // a pull-through cache's tag is checked upstream again after this
  std::string cache_ca_file;  // extra CAs (PEM) trusted for pull-through cache upstreams
  std::chrono::seconds gc_grace{3600};  // unused this long before a link or a blob goes
  std::string archive_dir;  // where blobs only archived images use are kept (file blobs only)
  std::vector<std::string> event_webhooks;  // --event-webhook URL, repeatable
  std::vector<PeerSpec> peers;              // --peer REGION/REGISTRY_ID=URL, repeatable
  std::chrono::seconds replication_interval{1};  // how often new pushes and due copies are looked for
  // The in-memory cache of hot metadata reads (meta/cache/read_cache.h): its bound, not its use.
  uint64_t cache_size = uint64_t{256} << 20;
};

// "0", "4096", "512K", "256M", "2G" (binary units; KiB, MiB, GiB too): bytes; kInvalidArgument
// naming `key` if it is not one of these or exceeds `max`.
Result<uint64_t> ParseSize(std::string_view key, std::string_view value, uint64_t max);

// "90", "90s", "5m", "1h", "2d": seconds; kInvalidArgument naming `key` if it is not one of
// these or lies outside [min, max].
Result<std::chrono::seconds> ParseDuration(std::string_view key, std::string_view value, int64_t min, int64_t max);

// Parses the arguments after "serve". kInvalidArgument with a message naming the bad flag.
Result<Config> ParseServeArgs(const std::vector<std::string>& args);

inline constexpr std::string_view kServeUsage =
    "usage: berth serve [--listen HOST:PORT] [--data DIR] [--config FILE] [--meta postgres://...]\n"
    "                   [--blobs s3://BUCKET[/PREFIX]] [--blob-redirect] [--secret-key-file FILE]\n"
    "                   [--tls-cert FILE --tls-key FILE] [--anonymous] [--no-delete]\n"
    "                   [--log-level debug|info|warn|error] [--upload-idle-timeout SECONDS]\n"
    "                   [--io-threads N] [--idle-timeout SECONDS] [--io-timeout SECONDS]\n"
    "                   [--region REGION] [--account-id 12DIGITS] [--external-url URL]\n"
    "                   [--token-ttl SECONDS] [--drain-timeout SECONDS]\n"
    "                   [--auth-mode basic|bearer] [--no-audit] [--audit-file-bytes N]\n"
    "                   [--no-console] [--console-session-ttl SECONDS]\n"
    "                   [--lifecycle-interval DURATION] [--gc-interval DURATION] [--gc-grace DURATION]\n"
    "                   [--usage-interval DURATION]\n"
    "                   [--archive-dir DIR] [--scan-interval DURATION]\n"
    "                   [--cache-tag-ttl DURATION] [--cache-ca-file FILE]\n"
    "                   [--event-webhook URL]... [--peer REGION/REGISTRY_ID=URL]...\n"
    "                   [--replication-interval DURATION] [--cache-size BYTES]\n"
    "                   [--meta-connections N]\n";

}  // namespace berth::server
