// s3/client.h
//
// A blocking S3 client for the blob store: SigV4-signed requests over pooled keep-alive
// connections (HTTP, or HTTPS with the system's CA bundle), bounded retries, and streamed GETs.
// Callers run it on the blocking pool, never on an I/O thread.
//
// Retries: a request that fails to connect, loses its connection, times out, or gets 500, 502,
// 503, 504 or a SlowDown (503/429) is retried up to `max_attempts` times with exponential backoff;
// every S3 call Berth makes is idempotent (an object or part written twice holds the same
// bytes). What still fails is kUnavailable, which the APIs answer with 503 and Retry-After.
// Other S3 errors come back as a Response for the caller to judge.
//
// Thread safety: every method may be called concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/sigv4.h"
#include "base/error.h"
#include "s3/settings.h"

namespace berth::s3 {

struct Request {
  std::string_view method;
  std::string_view key;    // object key; empty addresses the bucket
  std::string query;       // canonical: sorted, encoded, "k=" for empty values
  std::vector<aws::Header> headers;
  std::string_view body;
  // The body's SHA-256 in hex when the caller knows it (a blob's digest); computed otherwise
  // (over plain HTTP) or left UNSIGNED-PAYLOAD (over TLS, which protects the bytes).
  std::string payload_sha256;
};

struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::string_view> Header(std::string_view name) const;  // case-insensitive
};

// The bytes of one GET, read in order.
class ObjectStream {
 public:
  virtual ~ObjectStream() = default;
  // Fills `out` as far as the object goes; 0 only at its end.
  virtual Result<size_t> Read(std::span<char> out) = 0;
};

struct ClientOptions {
  int max_attempts = 4;
  std::chrono::milliseconds first_backoff{100};
  std::chrono::seconds timeout{60};  // one connect, read or write making no progress
  size_t max_idle_connections = 32;
  size_t max_response_bytes = 16 << 20;  // buffered answers: XML documents, small objects
};

class Client {
 public:
  Client(Settings settings, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const Settings& settings() const { return settings_; }

  // Sends the request (retrying as above) and buffers the answer.
  Result<Response> Send(Request request);

  // GET of `key` from byte `offset` to its end. kNotFound (reason NoSuchKey) when absent;
  // kUnavailable when the store cannot answer.
  Result<std::unique_ptr<ObjectStream>> Get(std::string_view key, uint64_t offset);

  // A presigned GET URL for `key`, valid for `ttl`.
  std::string PresignedGetUrl(std::string_view key, std::chrono::seconds ttl) const;

  // Implementation detail, public for the connection pool in client.cc.
  class Connection;

 private:
  Result<std::unique_ptr<Connection>> Acquire();
  void Release(std::unique_ptr<Connection> connection);
  // One attempt each; `retryable` says whether a failure may pass on another attempt.
  Result<Response> SendOnce(const Request& request, const std::string& path, bool& retryable);
  Result<std::unique_ptr<ObjectStream>> GetOnce(const Request& request, const std::string& path,
                                                bool& retryable);

  Settings settings_;
  ClientOptions options_;
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

// An error for an S3 answer the caller did not expect: kUnavailable for 5xx, kInternal else,
// with S3's code and message.
Error S3Failure(std::string_view what, const Response& response);

}  // namespace berth::s3
