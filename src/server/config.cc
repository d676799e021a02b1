#include "server/config.h"

#include <algorithm>
#include <fstream>
#include <optional>

#include "base/strings.h"

namespace berth::server {
namespace {

std::unexpected<Error> Bad(std::string message) {
  return Fail(Code::kInvalidArgument, std::move(message));
}

Status ApplyListen(Config& c, std::string_view value) {
  size_t colon = value.rfind(':');
  if (colon == std::string_view::npos) return Bad("--listen wants HOST:PORT, got " + std::string(value));
  std::optional<uint64_t> port = ParseUint64(value.substr(colon + 1));
  if (!port || *port > 65535) return Bad("--listen has a bad port: " + std::string(value));
  std::string_view host = value.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  c.listen_host = host.empty() ? "0.0.0.0" : std::string(host);
  c.listen_port = static_cast<uint16_t>(*port);
  return {};
}

Result<std::chrono::seconds> Seconds(std::string_view key, std::optional<std::string_view> value,
                                     uint64_t max) {
  std::optional<uint64_t> secs = value ? ParseUint64(*value) : std::nullopt;
  if (!secs || *secs == 0 || *secs > max) {
    return Bad("--" + std::string(key) + " wants seconds between 1 and " + std::to_string(max));
  }
  return std::chrono::seconds(*secs);
}

}  // namespace

Result<std::chrono::seconds> ParseDuration(std::string_view key, std::string_view value, int64_t min, int64_t max) {
  uint64_t unit = 1;
  std::string_view digits = value;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      default: unit = 0; break;
    }
    if (unit != 0) digits.remove_suffix(1);
    if (unit == 0) unit = 1;
  }
  std::optional<uint64_t> n = ParseUint64(digits);
  if (!n || *n > static_cast<uint64_t>(max) || static_cast<int64_t>(*n * unit) < min ||
      static_cast<int64_t>(*n * unit) > max) {
    return Bad("--" + std::string(key) + " wants a duration such as 30s, 5m, 1h or 2d, from " + std::to_string(min) +
               " to " + std::to_string(max) + " seconds; got '" + std::string(value.substr(0, 40)) + "'");
  }
  return std::chrono::seconds(*n * unit);
}

Result<uint64_t> ParseSize(std::string_view key, std::string_view value, uint64_t max) {
  const std::string bad = "--" + std::string(key) + " wants a size in bytes, as 4096, 512K, 256M or 2G, at most " +
                          std::to_string(max >> 30) + "G";
  size_t digits = 0;
  while (digits < value.size() && value[digits] >= '0' && value[digits] <= '9') ++digits;
  std::optional<uint64_t> n = digits > 0 && digits <= 15 ? ParseUint64(value.substr(0, digits)) : std::nullopt;
  if (!n) return Bad(bad);
  std::string_view unit = value.substr(digits);
  if (unit.ends_with("iB")) unit.remove_suffix(2);
  int shift = 0;
  if (unit == "K" || unit == "k") shift = 10;
  else if (unit == "M" || unit == "m") shift = 20;
  else if (unit == "G" || unit == "g") shift = 30;
  else if (!unit.empty() && unit != "B") return Bad(bad);
  if (*n > (max >> shift)) return Bad(bad);
  return *n << shift;
}

namespace {

// Applies one setting; `value` is nullopt for a bare boolean flag.
Status Apply(Config& c, std::string_view key, std::optional<std::string_view> value) {
  auto need = [&]() -> Result<std::string_view> {
    if (!value) return Bad("--" + std::string(key) + " needs a value");
    return *value;
  };
  auto boolean = [&]() -> Result<bool> {
    if (!value || *value == "true" || *value == "1") return true;
    if (*value == "false" || *value == "0") return false;
    return Bad("--" + std::string(key) + " wants true or false");
  };
  if (key == "listen") {
    BERTH_ASSIGN(std::string_view v, need());
    return ApplyListen(c, v);
  }
  if (key == "data") {
    BERTH_ASSIGN(std::string_view v, need());
    c.data_dir = v;
  } else if (key == "meta") {
    BERTH_ASSIGN(std::string_view v, need());
    if (!v.starts_with("postgres://") && !v.starts_with("postgresql://")) {
      return Bad("--meta wants a postgres:// or postgresql:// URI (leave it out for the embedded SQLite store)");
    }
    c.meta_uri = v;
  } else if (key == "blobs") {
    BERTH_ASSIGN(std::string_view v, need());
    if (!v.starts_with("s3://")) {
      return Bad("--blobs wants s3://BUCKET[/PREFIX] (leave it out for files under --data)");
    }
    c.blobs_uri = v;
  } else if (key == "secret-key-file") {
    BERTH_ASSIGN(std::string_view v, need());
    c.secret_key_file = v;
  } else if (key == "blob-redirect") {
    BERTH_ASSIGN(c.blob_redirect, boolean());
  } else if (key == "tls-cert") {
    BERTH_ASSIGN(std::string_view v, need());
    c.tls_cert = v;
  } else if (key == "tls-key") {
    BERTH_ASSIGN(std::string_view v, need());
    c.tls_key = v;
  } else if (key == "anonymous") {
    BERTH_ASSIGN(c.anonymous, boolean());
  } else if (key == "no-delete") {
    BERTH_ASSIGN(bool off, boolean());
    c.delete_enabled = !off;
  } else if (key == "log-level") {
    BERTH_ASSIGN(std::string_view v, need());
    if (v != "debug" && v != "info" && v != "warn" && v != "error") {
      return Bad("--log-level must be debug, info, warn or error");
    }
    c.log_level = v;
  } else if (key == "upload-idle-timeout") {
    BERTH_ASSIGN(c.upload_idle_timeout, Seconds(key, value, 365 * 24 * 3600));
  } else if (key == "token-ttl") {
    BERTH_ASSIGN(c.token_ttl, Seconds(key, value, 12 * 3600));
  } else if (key == "idle-timeout") {
    BERTH_ASSIGN(c.idle_timeout, Seconds(key, value, 3600));
  } else if (key == "io-timeout") {
    BERTH_ASSIGN(c.io_timeout, Seconds(key, value, 3600));
  } else if (key == "drain-timeout") {
    BERTH_ASSIGN(c.drain_timeout, Seconds(key, value, 3600));
  } else if (key == "region") {
    BERTH_ASSIGN(std::string_view v, need());
    bool ok = !v.empty() && v.size() <= 32;
    for (char ch : v) ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-');
    if (!ok) return Bad("--region wants a region name such as us-east-1");
    c.region = v;
  } else if (key == "account-id") {
    BERTH_ASSIGN(std::string_view v, need());
    if (v.size() != 12 || v.find_first_not_of("0123456789") != std::string_view::npos) {
      return Bad("--account-id wants 12 digits");
    }
    c.account_id = v;
  } else if (key == "external-url") {
    BERTH_ASSIGN(std::string_view v, need());
    if (!(v.starts_with("http://") || v.starts_with("https://")) || v.size() > 256) {
      return Bad("--external-url wants http://HOST[:PORT] or https://HOST[:PORT]");
    }
    c.external_url = v;
    while (c.external_url.ends_with("/")) c.external_url.pop_back();
  } else if (key == "auth-mode") {
    BERTH_ASSIGN(std::string_view v, need());
    if (v != "basic" && v != "bearer") return Bad("--auth-mode must be basic or bearer");
    c.bearer = v == "bearer";
  } else if (key == "no-audit") {
    BERTH_ASSIGN(bool off, boolean());
    c.audit = !off;
  } else if (key == "no-console") {
    BERTH_ASSIGN(bool off, boolean());
    c.console = !off;
  } else if (key == "console-session-ttl") {
    BERTH_ASSIGN(std::string_view v, need());
    std::optional<uint64_t> n = ParseUint64(v);
    if (!n || *n < 60 || *n > 7 * 24 * 3600) return Bad("--console-session-ttl wants seconds from 60 to 604800");
    c.console_session_ttl = std::chrono::seconds(*n);
  } else if (key == "audit-file-bytes") {
    BERTH_ASSIGN(std::string_view v, need());
    std::optional<uint64_t> n = ParseUint64(v);
    if (!n || *n < 4096 || *n > (uint64_t{1} << 40)) return Bad("--audit-file-bytes wants a size from 4096 bytes to 1 TiB");
    c.audit_file_bytes = *n;
  } else if (key == "lifecycle-interval") {
    BERTH_ASSIGN(std::string_view v, need());
    BERTH_ASSIGN(c.lifecycle_interval, ParseDuration(key, v, 1, 30 * 86400));
  } else if (key == "usage-interval") {
    BERTH_ASSIGN(std::string_view v, need());
    BERTH_ASSIGN(c.usage_interval, ParseDuration(key, v, 1, 86400));
  } else if (key == "gc-interval") {
    BERTH_ASSIGN(std::string_view v, need());
    BERTH_ASSIGN(c.gc_interval, ParseDuration(key, v, 1, 30 * 86400));
  } else if (key == "scan-interval") {
    BERTH_ASSIGN(std::string_view v, need());
    BERTH_ASSIGN(c.scan_interval, ParseDuration(key, v, 1, 86400));
  } else if (key == "cache-tag-ttl") {
    BERTH_ASSIGN(std::string_view v, need());
    BERTH_ASSIGN(c.cache_tag_ttl, ParseDuration(key, v, 0, 365 * 86400));
  } else if (key == "cache-size") {
    BERTH_ASSIGN(std::string_view v, need());
    BERTH_ASSIGN(c.cache_size, ParseSize(key, v, uint64_t{1} << 40));
  } else if (key == "cache-ca-file") {
    BERTH_ASSIGN(std::string_view v, need());
    c.cache_ca_file = v;
  } else if (key == "gc-grace") {
    BERTH_ASSIGN(std::string_view v, need());
    BERTH_ASSIGN(c.gc_grace, ParseDuration(key, v, 0, 365 * 86400));
  } else if (key == "archive-dir") {
    BERTH_ASSIGN(std::string_view v, need());
    c.archive_dir = v;
  } else if (key == "event-webhook") {
    BERTH_ASSIGN(std::string_view v, need());
    if (!v.starts_with("http://") && !v.starts_with("https://")) return Bad("--event-webhook wants an http:// or https:// URL");
    if (c.event_webhooks.size() >= 16) return Bad("at most 16 --event-webhook targets");
    c.event_webhooks.emplace_back(v);
  } else if (key == "peer") {
    BERTH_ASSIGN(std::string_view v, need());
    const size_t eq = v.find('=');
    const size_t slash = v.find('/');
    const std::string_view usage = "--peer wants REGION/REGISTRY_ID=URL, as us-west-2/123456789012=https://host:5000";
    if (eq == std::string_view::npos || slash == std::string_view::npos || slash > eq) return Bad(std::string(usage));
    PeerSpec peer{.region = std::string(v.substr(0, slash)), .registry_id = std::string(v.substr(slash + 1, eq - slash - 1)),
                  .url = std::string(v.substr(eq + 1))};
    const bool region_ok = !peer.region.empty() && peer.region.size() <= 25 &&
                           std::all_of(peer.region.begin(), peer.region.end(), [](char ch) {
                             return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
                           });
    const bool id_ok = peer.registry_id.size() == 12 &&
                       std::all_of(peer.registry_id.begin(), peer.registry_id.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    const bool url_ok = peer.url.starts_with("http://") || peer.url.starts_with("https://");
    if (!region_ok || !id_ok || !url_ok) return Bad(std::string(usage));
    while (peer.url.ends_with('/')) peer.url.pop_back();
    for (const PeerSpec& p : c.peers) {
      if (p.region == peer.region && p.registry_id == peer.registry_id) {
        return Bad("--peer " + peer.region + "/" + peer.registry_id + " is given twice");
      }
    }
    if (c.peers.size() >= 25) return Bad("at most 25 --peer destinations (ECR's limit)");
    c.peers.push_back(std::move(peer));
  } else if (key == "replication-interval") {
    BERTH_ASSIGN(std::string_view v, need());
    BERTH_ASSIGN(c.replication_interval, ParseDuration(key, v, 1, 3600));
  } else if (key == "meta-connections") {
    BERTH_ASSIGN(std::string_view v, need());
    std::optional<uint64_t> n = ParseUint64(v);
    if (!n || *n < 1 || *n > 1000) return Bad("--meta-connections wants a number from 1 to 1000");
    c.meta_connections = *n;
  } else if (key == "io-threads") {
    BERTH_ASSIGN(std::string_view v, need());
    std::optional<uint64_t> n = ParseUint64(v);
    if (!n || *n > 256) return Bad("--io-threads wants a number from 0 to 256");
    c.io_threads = static_cast<unsigned>(*n);
  } else {
    return Bad("unknown setting --" + std::string(key));
  }
  return {};
}

bool IsBoolean(std::string_view key) {
  return key == "anonymous" || key == "no-delete" || key == "blob-redirect" || key == "no-audit" ||
         key == "no-console";
}

// The AWS settings a config file may hold, under the environment variables' names.
bool IsAwsSetting(std::string_view key) {
  for (std::string_view k : {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION",
                             "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) {
    if (key == k) return true;
  }
  return false;
}

Status ApplyFile(Config& c, const std::string& path) {
  std::ifstream in(path);
  if (!in) return Bad("cannot read config file " + path);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view text = Trim(line);
    if (text.empty() || text.front() == '#') continue;
    size_t eq = text.find('=');
    std::string_view key = Trim(text.substr(0, eq));
    std::optional<std::string_view> value;
    if (eq != std::string_view::npos) value = Trim(text.substr(eq + 1));
    if (IsAwsSetting(key)) {
      if (!value || value->empty()) return Bad(path + ":" + std::to_string(number) + ": " + std::string(key) + " needs a value");
      c.aws[std::string(key)] = std::string(*value);
      continue;
    }
    if (Status s = Apply(c, key, value); !s) {
      return Bad(path + ":" + std::to_string(number) + ": " + s.error().message());
    }
  }
  return {};
}

}  // namespace

Result<Config> ParseServeArgs(const std::vector<std::string>& args) {
  Config c;
  // The config file is applied first so that flags override it, wherever --config appears.
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" || args[i].starts_with("--config=")) {
      std::string path = args[i] == "--config" ? (i + 1 < args.size() ? args[i + 1] : "")
                                               : args[i].substr(9);
      if (path.empty()) return Bad("--config needs a file");
      BERTH_TRY(ApplyFile(c, path));
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (!arg.starts_with("--")) return Bad("unexpected argument " + std::string(arg));
    arg.remove_prefix(2);
    size_t eq = arg.find('=');
    std::string_view key = arg.substr(0, eq);
    std::optional<std::string_view> value;
    if (eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
    } else if (!IsBoolean(key)) {
      if (i + 1 >= args.size()) return Bad("--" + std::string(key) + " needs a value");
      value = args[++i];
    }
    if (key == "config") continue;
    BERTH_TRY(Apply(c, key, value));
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) return Bad("--tls-cert and --tls-key go together");
  if (!c.archive_dir.empty() && !c.blobs_uri.empty()) {
    return Bad("--archive-dir needs blobs in files (leave out --blobs); on S3, use the bucket's storage classes");
  }
  return c;
}

}  // namespace berth::server
