#include "http/client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <map>
#include <mutex>

#include "base/strings.h"
#include "http/blocking_connection.h"

namespace berth::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

std::unexpected<Error> Unreachable(const std::string& what, const error_code& ec) {
  return Fail(Code::kUnavailable, what + ": " + ec.message());
}

}  // namespace

Result<Url> Url::Parse(std::string_view text) {
  Url url;
  if (text.starts_with("https://")) {
    text.remove_prefix(8);
  } else if (text.starts_with("http://")) {
    url.tls = false;
    url.port = 80;
    text.remove_prefix(7);
  } else {
    return Fail(Code::kInvalidArgument, "a URL starts with https:// or http://");
  }
  const size_t slash = text.find_first_of("/?");
  std::string_view authority = text.substr(0, slash);
  if (slash != std::string_view::npos) {
    url.target = std::string(text.substr(slash));
    if (url.target.front() == '?') url.target.insert(0, "/");
  }
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return Fail(Code::kInvalidArgument, "a URL needs a host (and no user information)");
  }
  std::string_view port;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Fail(Code::kInvalidArgument, "an IPv6 host needs its ]");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Fail(Code::kInvalidArgument, "junk after the host");
      port = rest.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return Fail(Code::kInvalidArgument, "a URL needs a host");
  for (char c : url.host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_')) {
      return Fail(Code::kInvalidArgument, "the host has characters a host name cannot");
    }
  }
  if (!port.empty()) {
    std::optional<uint64_t> n = ParseUint64(port);
    if (!n || *n == 0 || *n > 65535) return Fail(Code::kInvalidArgument, "the port must be 1 to 65535");
    url.port = static_cast<uint16_t>(*n);
  }
  return url;
}

Result<Url> Url::Resolve(std::string_view location) const {
  if (location.starts_with("https://") || location.starts_with("http://")) return Parse(location);
  if (location.starts_with("//")) return Parse(std::string(tls ? "https:" : "http:") + std::string(location));
  Url out = *this;
  if (location.starts_with('/')) {
    out.target = std::string(location);
  } else {
    const size_t slash = target.rfind('/', target.find('?'));
    out.target = target.substr(0, slash + 1) + std::string(location);
  }
  return out;
}

std::string Url::HostHeader() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return (tls && port == 443) || (!tls && port == 80) ? h : h + ":" + std::to_string(port);
}

std::string Url::Origin() const { return std::string(tls ? "https://" : "http://") + HostHeader(); }

std::optional<std::string_view> ClientResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (IEquals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

Result<std::string> ClientResponse::ReadAll(size_t limit) {
  std::string out;
  char chunk[16384];
  while (true) {
    BERTH_ASSIGN(size_t n, Read(std::span<char>(chunk, sizeof chunk)));
    if (n == 0) return out;
    if (out.size() + n > limit) return Fail(Code::kResourceExhausted, "the answer is larger than " + std::to_string(limit) + " bytes");
    out.append(chunk, n);
  }
}

class Client::Connection : public BlockingConnection {
 public:
  std::string origin;
};

struct Client::Pool {
  std::mutex mu;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
  size_t max_idle = 16;

  void Release(std::unique_ptr<Connection> c) {
    std::lock_guard lock(mu);
    auto& list = idle[c->origin];
    if (list.size() < max_idle) list.push_back(std::move(c));
  }
  std::unique_ptr<Connection> TakeIdle(const std::string& origin) {
    std::lock_guard lock(mu);
    auto it = idle.find(origin);
    if (it == idle.end() || it->second.empty()) return nullptr;
    std::unique_ptr<Connection> c = std::move(it->second.back());
    it->second.pop_back();
    return c;
  }

  // The trust store, loaded on the first TLS connection: parsing the system's CA bundle (about
  // 140 certificates) took 20-35 ms per client at every start of a node, which may never open
  // one (most of its start-up; ADR 0010 step 30).
  asio::ssl::context& Tls(const ClientOptions& options) {
    std::call_once(tls_loaded, [&] {
      error_code ec;
      tls.set_default_verify_paths(ec);
      if (!options.ca_file.empty()) tls.load_verify_file(options.ca_file, ec);
      tls.set_verify_mode(asio::ssl::verify_peer, ec);
    });
    return tls;
  }
  asio::ssl::context tls{asio::ssl::context::tls_client};
  std::once_flag tls_loaded;
};

namespace {

class Body final : public ClientResponse {
 public:
  Body(std::unique_ptr<Client::Connection> c, std::unique_ptr<bhttp::response_parser<bhttp::buffer_body>> parser,
       std::chrono::seconds timeout, Client::Pool* pool)
      : c_(std::move(c)), parser_(std::move(parser)), timeout_(timeout), pool_(pool) {
    Finish();
  }

  Result<size_t> Read(std::span<char> out) override {
    size_t filled = 0;
    while (c_ && filled < out.size() && !parser_->is_done()) {
      auto& body = parser_->get().body();
      body.data = out.data() + filled;
      body.size = out.size() - filled;
      error_code ec;
      c_->With([&](auto& stream) {
        ec = c_->Run(timeout_, [&](auto handler) { bhttp::async_read(stream, c_->buffer, *parser_, handler); });
      });
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) {
        c_.reset();
        return Unreachable("reading an answer", ec);
      }
      filled = out.size() - parser_->get().body().size;
    }
    if (!c_ && filled == 0 && !done_) return Fail(Code::kUnavailable, "the connection broke mid-answer");
    Finish();
    return filled;
  }

 private:
  void Finish() {
    if (c_ && parser_->is_done()) {
      done_ = true;
      if (parser_->keep_alive()) pool_->Release(std::move(c_));
      c_.reset();
    }
  }

  std::unique_ptr<Client::Connection> c_;
  std::unique_ptr<bhttp::response_parser<bhttp::buffer_body>> parser_;
  std::chrono::seconds timeout_;
  Client::Pool* pool_;
  bool done_ = false;
};

// A body of known length, read straight from the socket into the caller's buffer (after the
// bytes that came with the headers): one read fills a whole buffer, with no copy through the
// parser's.
class LengthBody final : public ClientResponse {
 public:
  LengthBody(std::unique_ptr<Client::Connection> c, uint64_t length, bool keep_alive, std::chrono::seconds timeout,
             Client::Pool* pool)
      : c_(std::move(c)), remaining_(length), keep_alive_(keep_alive), timeout_(timeout), pool_(pool) {
    Finish();
  }

  Result<size_t> Read(std::span<char> out) override {
    if (!c_ && remaining_ > 0) return Fail(Code::kUnavailable, "the connection broke mid-answer");
    const size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), remaining_));
    size_t filled = 0;
    if (want > 0 && c_->buffer.size() > 0) {
      filled = asio::buffer_copy(asio::buffer(out.data(), want), c_->buffer.data());
      c_->buffer.consume(filled);
    }
    if (filled < want) {
      error_code ec;
      size_t got = 0;
      c_->With([&](auto& stream) {
        ec = c_->Run(timeout_, [&](auto handler) {
          // Whatever has arrived, at least one byte: the caller streams it on at once.
          stream.async_read_some(asio::buffer(out.data() + filled, want - filled),
                                 [&got, handler](error_code e, size_t n) mutable {
                                   got = n;
                                   handler(e);
                                 });
        });
      });
      if (ec) {
        c_.reset();
        return Unreachable("reading an answer", ec);
      }
      filled += got;
    }
    remaining_ -= filled;
    Finish();
    return filled;
  }

 private:
  void Finish() {
    if (c_ && remaining_ == 0) {
      if (keep_alive_ && c_->buffer.size() == 0) pool_->Release(std::move(c_));
      c_.reset();
    }
  }

  std::unique_ptr<Client::Connection> c_;
  uint64_t remaining_;
  bool keep_alive_;
  std::chrono::seconds timeout_;
  Client::Pool* pool_;
};

}  // namespace

Client::Client(ClientOptions options) : options_(std::move(options)), pool_(std::make_unique<Pool>()) {
  pool_->max_idle = options_.max_idle_per_origin;
}

Client::~Client() = default;

Status Client::SendBody(Connection& c, const ClientRequest& request) {
  uint64_t left = request.body_length;
  while (left > 0) {
    BERTH_ASSIGN(std::span<const char> chunk, request.body_source());
    if (chunk.empty()) return Fail(Code::kInternal, "the request body ended " + std::to_string(left) + " bytes early");
    if (chunk.size() > left) return Fail(Code::kInternal, "the request body is longer than its Content-Length");
    error_code ec;
    c.With([&](auto& stream) {
      ec = c.Run(options_.timeout, [&](auto handler) { asio::async_write(stream, asio::buffer(chunk.data(), chunk.size()), handler); });
    });
    if (ec) return Unreachable(request.method + " " + request.url.Origin() + " (sending the body)", ec);
    left -= chunk.size();
  }
  return {};
}

Result<std::unique_ptr<ClientResponse>> Client::Send(const ClientRequest& request) {
  const Url& url = request.url;
  const std::string origin = url.Origin();
  // A pooled connection may have been closed by the server meanwhile: then one fresh attempt.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> c = attempt == 0 ? pool_->TakeIdle(origin) : nullptr;
    const bool reused = c != nullptr;
    if (!c) {
      c = std::make_unique<Connection>();
      c->origin = origin;
      BERTH_TRY(c->Connect(url.host, url.port, url.tls ? &pool_->Tls(options_) : nullptr, options_.timeout));
    }
    bhttp::request<bhttp::string_body> m;
    m.version(11);
    m.method_string(request.method);
    m.target(url.target);
    m.set(bhttp::field::host, url.HostHeader());
    for (const auto& [k, v] : request.headers) m.set(k, v);
    m.keep_alive(true);
    error_code ec;
    if (request.body_source) {
      m.content_length(request.body_length);
      bhttp::request_serializer<bhttp::string_body> header(m);
      c->With([&](auto& stream) {
        ec = c->Run(options_.timeout, [&](auto handler) { bhttp::async_write_header(stream, header, handler); });
      });
      if (ec && reused) continue;
      if (!ec) BERTH_TRY(SendBody(*c, request));
    } else {
      m.body() = request.body;
      if (!request.body.empty() || request.method == "PUT" || request.method == "POST") m.prepare_payload();
      c->With([&](auto& stream) {
        ec = c->Run(options_.timeout, [&](auto handler) { bhttp::async_write(stream, m, handler); });
      });
    }
    auto parser = std::make_unique<bhttp::response_parser<bhttp::buffer_body>>();
    parser->body_limit(boost::none);
    if (request.method == "HEAD") parser->skip(true);
    if (!ec) {
      c->With([&](auto& stream) {
        ec = c->Run(options_.timeout, [&](auto handler) { bhttp::async_read_header(stream, c->buffer, *parser, handler); });
      });
    }
    if (ec && reused) continue;
    if (ec) return Unreachable(request.method + " " + url.Origin() + url.target.substr(0, url.target.find('?')), ec);
    const auto& header = parser->get();
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& field : header) headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    const int status = static_cast<int>(header.result_int());
    std::optional<uint64_t> length;
    if (parser->content_length()) length = *parser->content_length();
    std::unique_ptr<ClientResponse> body;
    if (length && !parser->chunked() && request.method != "HEAD" && status != 204 && status != 304) {
      body = std::make_unique<LengthBody>(std::move(c), *length, parser->keep_alive(), options_.timeout, pool_.get());
    } else {
      body = std::make_unique<Body>(std::move(c), std::move(parser), options_.timeout, pool_.get());
    }
    body->status = status;
    body->headers = std::move(headers);
    body->content_length = length;
    return std::unique_ptr<ClientResponse>(std::move(body));
  }
  return Fail(Code::kUnavailable, "no answer from " + url.Origin());
}

}  // namespace berth::http
