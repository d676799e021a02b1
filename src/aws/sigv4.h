// aws/sigv4.h
//
// AWS Signature Version 4: the canonical request, the string to sign, the signing key, and the
// verification of a signed request's Authorization header. Pure: no I/O, no clock (callers pass
// the time), no key lookup (callers pass a function). Tested against AWS's published
// aws-sig-v4-test-suite vectors.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"

namespace berth::aws {

struct Header {
  std::string name;   // any case
  std::string value;  // raw; repeated headers appear as several entries, in order
};

struct CanonicalInput {
  std::string_view method;
  std::string_view path;   // as on the request line, before '?'
  std::string_view query;  // after '?', may be empty
  std::vector<Header> headers;
  std::vector<std::string> signed_headers;  // lowercase, sorted
  std::string payload_sha256_hex;
};

std::string CanonicalRequest(const CanonicalInput& in);
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
// HMAC chain: "AWS4"+secret -> date -> region -> service -> "aws4_request".
std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service);
std::string HexHmacSha256(std::string_view key, std::string_view data);
std::string HexSha256(std::string_view data);

// The parts of "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/ecr/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=...".
struct ParsedAuthorization {
  std::string access_key_id;
  std::string date;  // yyyymmdd
  std::string region;
  std::string service;
  std::vector<std::string> signed_headers;
  std::string signature;
};
// Errors: kUnauthenticated with reason "IncompleteSignatureException" when malformed.
Result<ParsedAuthorization> ParseAuthorization(std::string_view header);

// A request header by its lowercase name: every value of a repeated header joined with ",", or
// nullopt when the request lacks it.
using HeaderLookup = std::function<std::optional<std::string>(std::string_view lowercase_name)>;

struct VerifyRequest {
  std::string_view method;
  std::string_view path;
  std::string_view query;
  // Verify asks only for authorization, x-amz-date, x-amz-content-sha256 and the signed headers.
  HeaderLookup header;
  std::string_view body;
};

struct VerifyPolicy {
  std::string region;
  std::string service;
  std::vector<std::string> required_signed_headers;  // e.g. host, x-amz-date, x-amz-target
  std::chrono::seconds max_skew{15 * 60};
};

struct Verified {
  std::string access_key_id;
};

// Looks up the secret of an access key; nullopt if the key is unknown.
using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key_id)>;

// Verifies the request's SigV4 Authorization header. Error reasons are the exception names AWS
// sends: IncompleteSignatureException (malformed or missing parts), UnrecognizedClientException
// (unknown key), InvalidSignatureException (wrong signature, region, service or payload hash),
// and InvalidSignatureException with a "Signature expired" message when the request time is off
// by more than max_skew; MissingAuthenticationTokenException without an Authorization header.
Result<Verified> Verify(const VerifyRequest& request, const VerifyPolicy& policy,
                        const SecretLookup& lookup, std::chrono::system_clock::time_point now);

// The credentials and scope Berth signs its own requests with (to S3).
struct SigningKeyInfo {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // sent as x-amz-security-token when set
  std::string region;
  std::string service;
};

struct OutgoingRequest {
  std::string_view method;
  std::string_view path;   // already URI-encoded, as sent; S3 paths are not normalised again
  std::string_view query;  // already URI-encoded, as sent
  std::vector<Header> headers;  // every one is signed; must include host
  std::string payload_sha256_hex;  // or "UNSIGNED-PAYLOAD"
};

// Adds x-amz-date, x-amz-content-sha256 (and x-amz-security-token) to `request.headers` and
// returns the Authorization header value that signs every header.
std::string SignRequest(OutgoingRequest& request, const SigningKeyInfo& key,
                        std::chrono::system_clock::time_point now);

// The query string of a presigned URL (query-string authentication) for `method` on `path` at
// `host`, valid for `expires` (1 s to 7 days): X-Amz-Algorithm ... X-Amz-Signature, with the
// payload unsigned as S3 requires for presigned URLs.
std::string PresignQuery(std::string_view method, std::string_view host, std::string_view path,
                         const SigningKeyInfo& key, std::chrono::seconds expires,
                         std::chrono::system_clock::time_point now);

// Formats and parses "yyyymmddThhmmssZ".
std::string AmzDate(std::chrono::system_clock::time_point t);
std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view text);

}  // namespace berth::aws
