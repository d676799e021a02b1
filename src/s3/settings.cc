#include "s3/settings.h"

#include "base/strings.h"

namespace berth::s3 {
namespace {

bool IsBucketName(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  }
  return b.front() != '.' && b.front() != '-' && b.back() != '.' && b.back() != '-';
}

bool IsPrefixSegment(std::string_view s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

std::unexpected<Error> Invalid(std::string message) {
  return Fail(Code::kInvalidArgument, std::move(message));
}

}  // namespace

std::string Endpoint::HostHeader() const {
  const bool default_port = (tls && port == 443) || (!tls && port == 80);
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? h : h + ":" + std::to_string(port);
}

std::string Settings::ObjectPath(std::string_view key) const {
  std::string path = path_style ? "/" + bucket : "";
  path += "/";
  // Keys are made of the prefix and Berth's own names; encode segment by segment all the same.
  size_t start = 0;
  while (start <= key.size() && !key.empty()) {
    size_t slash = key.find('/', start);
    path += PercentEncode(key.substr(start, slash == std::string_view::npos ? std::string_view::npos
                                                                             : slash - start));
    if (slash == std::string_view::npos) break;
    path += '/';
    start = slash + 1;
  }
  return path;
}

std::string Settings::Host() const {
  return path_style ? endpoint.HostHeader() : bucket + "." + endpoint.HostHeader();
}

Result<Location> ParseLocation(std::string_view uri) {
  constexpr std::string_view kScheme = "s3://";
  if (!uri.starts_with(kScheme)) return Invalid("--blobs must look like s3://bucket[/prefix]");
  uri.remove_prefix(kScheme.size());
  size_t slash = uri.find('/');
  Location out{.bucket = std::string(uri.substr(0, slash)), .prefix = ""};
  if (!IsBucketName(out.bucket)) {
    return Invalid("--blobs: '" + out.bucket.substr(0, 80) +
                   "' is not an S3 bucket name (3-63 lowercase letters, digits, '.' and '-')");
  }
  std::string_view rest = slash == std::string_view::npos ? std::string_view() : uri.substr(slash + 1);
  while (!rest.empty()) {
    size_t next = rest.find('/');
    std::string_view segment = rest.substr(0, next);
    if (!segment.empty()) {
      if (!IsPrefixSegment(segment)) {
        return Invalid("--blobs: prefix segments may use A-Z a-z 0-9 . _ - only");
      }
      out.prefix += std::string(segment) + "/";
    }
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
  }
  if (out.prefix.size() > 512) return Invalid("--blobs: the prefix is longer than 512 characters");
  return out;
}

Result<Endpoint> ParseEndpoint(std::string_view url) {
  Endpoint e;
  if (url.starts_with("https://")) {
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
    e.tls = false;
    e.port = 80;
  } else {
    return Invalid("the S3 endpoint must start with http:// or https://");
  }
  if (url.ends_with('/')) url.remove_suffix(1);
  if (url.empty() || url.find('/') != std::string_view::npos || url.find('@') != std::string_view::npos) {
    return Invalid("the S3 endpoint must be scheme://host[:port], without a path or credentials");
  }
  std::string_view host = url, port;
  if (url.front() == '[') {
    size_t close = url.find(']');
    if (close == std::string_view::npos) return Invalid("the S3 endpoint has an unclosed '['");
    host = url.substr(1, close - 1);
    if (close + 1 < url.size()) {
      if (url[close + 1] != ':') return Invalid("the S3 endpoint is malformed after ']'");
      port = url.substr(close + 2);
    }
  } else if (size_t colon = url.rfind(':'); colon != std::string_view::npos) {
    host = url.substr(0, colon);
    port = url.substr(colon + 1);
  }
  if (host.empty()) return Invalid("the S3 endpoint has no host");
  if (!port.empty()) {
    std::optional<uint64_t> p = ParseUint64(port);
    if (!p || *p == 0 || *p > 65535) return Invalid("the S3 endpoint's port is not 1-65535");
    e.port = static_cast<uint16_t>(*p);
  }
  e.host = std::string(host);
  return e;
}

Result<Settings> Resolve(std::string_view blobs_uri, const Lookup& lookup) {
  BERTH_ASSIGN(Location location, ParseLocation(blobs_uri));
  auto first = [&](std::initializer_list<std::string_view> names) -> std::string {
    for (std::string_view n : names) {
      std::optional<std::string> v = lookup(n);
      if (v && !v->empty()) return *v;
    }
    return "";
  };
  Settings s;
  s.bucket = std::move(location.bucket);
  s.prefix = std::move(location.prefix);
  s.key.service = "s3";
  s.key.region = first({"AWS_REGION", "AWS_DEFAULT_REGION"});
  if (s.key.region.empty()) s.key.region = "us-east-1";
  s.key.access_key_id = first({"AWS_ACCESS_KEY_ID"});
  s.key.secret_access_key = first({"AWS_SECRET_ACCESS_KEY"});
  s.key.session_token = first({"AWS_SESSION_TOKEN"});
  if (s.key.access_key_id.empty() || s.key.secret_access_key.empty()) {
    return Invalid("S3 blobs need credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                   "(or aws_access_key_id and aws_secret_access_key in the config file)");
  }
  std::string endpoint = first({"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  if (endpoint.empty()) {
    s.endpoint = Endpoint{.tls = true, .host = "s3." + s.key.region + ".amazonaws.com", .port = 443};
    // Virtual-hosted style, unless the bucket name cannot be a DNS label under TLS.
    s.path_style = s.bucket.find('.') != std::string::npos;
  } else {
    BERTH_ASSIGN(s.endpoint, ParseEndpoint(endpoint));
    s.path_style = true;
  }
  return s;
}

}  // namespace berth::s3
