// http/blocking_connection.h
//
// One keep-alive client connection driven synchronously: it has a private io_context, and each
// blocking call runs one asynchronous Beast operation to completion on it, which is how a
// deadline applies to every connect, write and read. Shared by the two blocking clients
// (http/client.cc, s3/client.cc); only translation units that compile Beast include it.
//
// Used by one thread at a time.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "base/error.h"

namespace berth::http {

inline constexpr std::string_view kTlsRefused = "TLS_REFUSED";

class BlockingConnection {
 public:
  boost::asio::io_context io;
  std::optional<boost::beast::tcp_stream> plain;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls;
  boost::beast::flat_buffer buffer;

  boost::beast::tcp_stream& lowest() { return tls ? boost::beast::get_lowest_layer(*tls) : *plain; }

  template <class F>
  void With(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(*plain);
    }
  }

  template <class Start>
  boost::system::error_code Run(std::chrono::seconds timeout, Start&& start) {
    lowest().expires_after(timeout);
    boost::system::error_code result = boost::asio::error::timed_out;
    start([&result](boost::system::error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run();
    return result;
  }

  // Resolves, connects and (with `tls_context`) shakes hands with SNI and host name
  // verification. kUnavailable naming the step that failed; reason kTlsRefused when the
  // server's certificate does not verify (a retry will not help).
  Status Connect(const std::string& host, uint16_t port, boost::asio::ssl::context* tls_context,
                 std::chrono::seconds timeout) {
    namespace asio = boost::asio;
    using tcp = asio::ip::tcp;
    // A flat_buffer reads at most its free capacity at a time (512 bytes when empty).
    buffer.reserve(64 * 1024);
    const std::string where = host + ":" + std::to_string(port);
    tcp::resolver resolver(io);
    boost::system::error_code ec;
    tcp::resolver::results_type addresses = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return Fail(Code::kUnavailable, "resolving " + host + ": " + ec.message());
    if (tls_context != nullptr) {
      tls.emplace(io, *tls_context);
    } else {
      plain.emplace(io);
    }
    ec = Run(timeout, [&](auto handler) { lowest().async_connect(addresses, handler); });
    if (ec) return Fail(Code::kUnavailable, "connecting to " + where + ": " + ec.message());
    lowest().socket().set_option(tcp::no_delay(true), ec);
    if (tls_context == nullptr) return {};
    if (!SSL_set_tlsext_host_name(tls->native_handle(), host.c_str())) {
      return Fail(Code::kUnavailable, "TLS: cannot set the server name " + host);
    }
    tls->set_verify_callback(asio::ssl::host_name_verification(host));
    ec = Run(timeout, [&](auto handler) { tls->async_handshake(asio::ssl::stream_base::client, handler); });
    if (ec && ec.category() == asio::error::get_ssl_category() && ec != asio::ssl::error::stream_truncated) {
      return Fail(Code::kUnavailable, "TLS handshake with " + where + ": " + ec.message(), std::string(kTlsRefused));
    }
    if (ec) return Fail(Code::kUnavailable, "TLS handshake with " + where + ": " + ec.message());
    return {};
  }
};

}  // namespace berth::http
