// http/client.h
//
// A blocking HTTP/1.1 client for talking to other servers (upstream registries): HTTP or HTTPS
// (the system's CA bundle, or a CA file, with host name verification and SNI), keep-alive
// connections pooled per origin, a deadline on every connect, write and read, and response
// bodies streamed to the caller (chunked or sized). It follows no redirects: the caller decides
// (a registry must not send its credentials to a blob store it is redirected to).
//
// Callers run it on a blocking thread, never on an I/O thread. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"

namespace berth::http {

struct Url {
  bool tls = true;
  std::string host;  // a name, an IPv4 address, or an IPv6 address without brackets
  uint16_t port = 443;
  std::string target = "/";  // path and query, as sent

  // "https://host[:port][/path?query]"; kInvalidArgument for anything else.
  static Result<Url> Parse(std::string_view text);
  // The Location of a redirect, relative to this URL or absolute.
  Result<Url> Resolve(std::string_view location) const;
  // "https://host:port", the pool's key and what a Host header names (without default ports).
  std::string Origin() const;
  std::string HostHeader() const;
};

// The next bytes of a streamed request body, valid until the next call; empty only at its end.
using BodySource = std::function<Result<std::span<const char>>()>;

struct ClientRequest {
  std::string method = "GET";
  Url url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // A body too large to hold: `body_length` bytes read from `body_source` as they are sent
  // (then `body` is ignored). Such a request is not retried on a fresh connection.
  BodySource body_source;
  uint64_t body_length = 0;
};

// An answer whose body is read on demand. Destroying it before the body's end drops the
// connection; reading to the end returns it to the pool.
class ClientResponse {
 public:
  virtual ~ClientResponse() = default;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<uint64_t> content_length;

  std::optional<std::string_view> Header(std::string_view name) const;  // case-insensitive
  // Fills `out` as far as the body goes; 0 only at its end. kUnavailable when the connection
  // breaks or stalls past the deadline.
  virtual Result<size_t> Read(std::span<char> out) = 0;
  // The whole body; kResourceExhausted past `limit`.
  Result<std::string> ReadAll(size_t limit);
};

struct ClientOptions {
  std::chrono::seconds timeout{30};  // one connect, write or read making no progress
  size_t max_idle_per_origin = 16;
  std::string ca_file;  // extra trusted CAs (PEM), beside the system's
};

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // One attempt. kUnavailable when the server cannot be reached or answers nothing;
  // kUnavailable with reason "TLS_REFUSED" when its certificate does not verify.
  Result<std::unique_ptr<ClientResponse>> Send(const ClientRequest& request);

  // Public for the response bodies in client.cc.
  class Connection;
  struct Pool;

 private:
  Status SendBody(Connection& c, const ClientRequest& request);

  ClientOptions options_;
  std::unique_ptr<Pool> pool_;
};

}  // namespace berth::http
