// s3/settings.h
//
// Where an S3 bucket is and how to sign for it: the `--blobs s3://bucket/prefix` location, the
// endpoint, region and credentials, from Berth's own settings first and then the standard AWS
// environment variables (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS_REGION, AWS_DEFAULT_REGION,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). Pure: callers pass the lookups.
//
// Without an endpoint, AWS's own (https://s3.<region>.amazonaws.com, virtual-hosted style) is
// used; a custom endpoint is addressed path-style (http://host:port/bucket/key), which every
// S3-compatible store accepts.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "aws/sigv4.h"
#include "base/error.h"

namespace berth::s3 {

struct Endpoint {
  bool tls = true;
  std::string host;  // no brackets, no port
  uint16_t port = 443;
  // The Host header: host, with ":port" when the port is not the scheme's default.
  std::string HostHeader() const;
};

struct Settings {
  std::string bucket;
  std::string prefix;  // "" or ends in '/'
  Endpoint endpoint;
  bool path_style = true;
  aws::SigningKeyInfo key;  // service "s3"

  // The request path of an object (or of the bucket when `key` is empty), URI-encoded.
  std::string ObjectPath(std::string_view key) const;
  // The Host header for this bucket's requests.
  std::string Host() const;
};

// Parses "s3://bucket" or "s3://bucket/some/prefix". Bucket names follow S3's rules (3-63
// lowercase letters, digits, dots, dashes); the prefix's segments use A-Z a-z 0-9 . _ - only.
struct Location {
  std::string bucket;
  std::string prefix;
};
Result<Location> ParseLocation(std::string_view uri);

// Parses "http://host[:port]" or "https://host[:port]" (a trailing '/' is allowed).
Result<Endpoint> ParseEndpoint(std::string_view url);

// A named value: Berth's setting first (config file keys use the environment names in lower
// case, e.g. aws_access_key_id), then the environment.
using Lookup = std::function<std::optional<std::string>(std::string_view name)>;

// kInvalidArgument naming what is missing or malformed.
Result<Settings> Resolve(std::string_view blobs_uri, const Lookup& lookup);

}  // namespace berth::s3
