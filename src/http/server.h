// http/server.h
//
// The HTTP/1.1 front door: Boost.Beast over Asio, one C++20 coroutine per connection, keep-alive, optional TLS, bounded headers, read/write timeouts against slow clients,
// sendfile() for blob bodies, an access log line and metrics per request, and a graceful drain.
//
// It is not a router: every request goes to the one Handler.
//
// Threading: one io_context per I/O thread, each run by exactly one thread. Connections are
// dealt round-robin to them and stay there, so a connection's coroutine never needs a strand and
// threads never hand completions to each other (on small requests that hand-off cost more than
// the request). Start() and BeginShutdown() may be called from any thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "http/message.h"
#include "telemetry/metrics.h"

namespace berth::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 5000;  // 0 picks a free port
  std::string tls_cert_file;  // PEM; TLS is on when both files are set
  std::string tls_key_file;
  size_t header_limit_bytes = 16 * 1024;
  std::chrono::seconds idle_timeout{60};  // waiting for the next request's headers
  std::chrono::seconds io_timeout{120};   // any single read or write of a body making no progress
  size_t max_connections = 4096;
  // Where bodies whose reads block (StreamBody::blocking(), e.g. blobs in S3) are read. Without
  // one such a body is not sent: the connection closes after the headers.
  boost::asio::thread_pool* blocking_pool = nullptr;
  // The answer to a request whose handler threw (after the server logs and counts it), in the
  // request's own protocol; a bare 500 when unset.
  std::function<Response(const Request&)> internal_error;
};

class Server {
 public:
  // `ios` (the acceptor runs on the first), `handler` and `metrics` must outlive the server.
  // REQUIRES: !ios.empty().
  Server(std::vector<boost::asio::io_context*> ios, ServerOptions options, Handler handler,
         telemetry::Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; returns the bound port.
  Result<uint16_t> Listen();
  // Starts accepting. REQUIRES: Listen() succeeded.
  void Start();
  // Stops accepting, closes idle connections, lets in-flight requests finish, then calls
  // `drained` (on an io_context thread).
  void BeginShutdown(std::function<void()> drained);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace berth::http
