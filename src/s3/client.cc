#include "s3/client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <mutex>
#include <thread>

#include "crypto/sha256.h"
#include "http/blocking_connection.h"
#include "s3/xml.h"

namespace berth::s3 {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

bool RetryableStatus(int status) {
  return status == 500 || status == 502 || status == 503 || status == 504 || status == 429;
}

std::unexpected<Error> Unreachable(const std::string& what, const error_code& ec) {
  return Fail(Code::kUnavailable, "the S3 store is unreachable (" + what + ": " + ec.message() + ")");
}

// Runs `attempt(retryable)` until it succeeds, fails for good, or has run max_attempts times,
// backing off between attempts.
template <class F>
auto Retrying(const ClientOptions& options, F&& attempt) -> decltype(attempt(std::declval<bool&>())) {
  std::chrono::milliseconds backoff = options.first_backoff;
  for (int tried = 1;; ++tried) {
    bool retryable = false;
    auto result = attempt(retryable);
    if (result || !retryable || tried >= options.max_attempts) return result;
    std::this_thread::sleep_for(backoff);
    backoff *= 4;
  }
}

}  // namespace

class Client::Connection : public http::BlockingConnection {};

struct Client::Pool {
  std::mutex mu;
  std::vector<std::unique_ptr<Connection>> idle;
  asio::ssl::context tls{asio::ssl::context::tls_client};
};

std::optional<std::string_view> Response::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

Error S3Failure(std::string_view what, const Response& response) {
  std::optional<ErrorDocument> doc = ParseError(response.body);
  std::string detail = "HTTP " + std::to_string(response.status);
  if (doc) detail += " " + doc->code + (doc->message.empty() ? "" : ": " + doc->message.substr(0, 200));
  const Code code = response.status >= 500 || response.status == 429 ? Code::kUnavailable : Code::kInternal;
  return Error(code, "S3 " + std::string(what) + " failed: " + detail);
}

Client::Client(Settings settings, ClientOptions options)
    : settings_(std::move(settings)), options_(options), pool_(std::make_unique<Pool>()) {
  if (settings_.endpoint.tls) {
    error_code ec;
    pool_->tls.set_default_verify_paths(ec);
    pool_->tls.set_verify_mode(asio::ssl::verify_peer, ec);
  }
}

Client::~Client() = default;

Result<std::unique_ptr<Client::Connection>> Client::Acquire() {
  {
    std::lock_guard lock(pool_->mu);
    if (!pool_->idle.empty()) {
      std::unique_ptr<Connection> c = std::move(pool_->idle.back());
      pool_->idle.pop_back();
      return c;
    }
  }
  auto c = std::make_unique<Connection>();
  const Endpoint& e = settings_.endpoint;
  if (Status connected = c->Connect(e.host, e.port, e.tls ? &pool_->tls : nullptr, options_.timeout); !connected) {
    return Fail(Code::kUnavailable, "the S3 store is unreachable (" + connected.error().message() + ")",
                std::string(connected.error().reason()));
  }
  return c;
}

void Client::Release(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(pool_->mu);
  if (pool_->idle.size() < options_.max_idle_connections) pool_->idle.push_back(std::move(connection));
}

namespace {

struct Prepared {
  bhttp::request<bhttp::buffer_body> message;
};

// Builds and signs the wire request.
Prepared Prepare(const Settings& settings, const Request& request, std::string_view path,
                 std::string_view payload_sha256) {
  aws::OutgoingRequest out{.method = request.method, .path = path, .query = request.query,
                           .headers = request.headers, .payload_sha256_hex = std::string(payload_sha256)};
  out.headers.push_back({"host", settings.Host()});
  const std::string authorization = aws::SignRequest(out, settings.key, std::chrono::system_clock::now());
  Prepared p;
  bhttp::request<bhttp::buffer_body>& m = p.message;
  m.version(11);
  m.method_string(request.method);
  m.target(request.query.empty() ? std::string(path) : std::string(path) + "?" + request.query);
  for (const aws::Header& h : out.headers) m.set(h.name, h.value);
  m.set(bhttp::field::authorization, authorization);
  m.keep_alive(true);
  m.body().data = const_cast<char*>(request.body.data());
  m.body().size = request.body.size();
  m.body().more = false;
  if (!request.body.empty() || request.method == "PUT" || request.method == "POST") {
    m.content_length(request.body.size());
  }
  return p;
}

std::string PayloadHash(const Settings& settings, const Request& request) {
  if (!request.payload_sha256.empty()) return request.payload_sha256;
  if (settings.endpoint.tls && !request.body.empty()) return "UNSIGNED-PAYLOAD";
  return crypto::Sha256::HexOf(request.body);
}

}  // namespace

Result<Response> Client::SendOnce(const Request& request, const std::string& path, bool& retryable) {
  retryable = true;
  Result<std::unique_ptr<Connection>> acquired = Acquire();
  if (!acquired) {
    retryable = acquired.error().reason() != http::kTlsRefused;
    return std::unexpected(std::move(acquired).error());
  }
  std::unique_ptr<Connection> c = std::move(*acquired);
  Prepared p = Prepare(settings_, request, path, PayloadHash(settings_, request));
  error_code ec;
  c->With([&](auto& stream) {
    ec = c->Run(options_.timeout, [&](auto handler) { bhttp::async_write(stream, p.message, handler); });
  });
  if (ec) return Unreachable("sending " + std::string(request.method), ec);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options_.max_response_bytes);
  if (request.method == "HEAD") parser.skip(true);
  c->With([&](auto& stream) {
    ec = c->Run(options_.timeout, [&](auto handler) { bhttp::async_read(stream, c->buffer, parser, handler); });
  });
  if (ec) return Unreachable("reading the answer to " + std::string(request.method), ec);
  Response r;
  const auto& message = parser.get();
  r.status = static_cast<int>(message.result_int());
  for (const auto& field : message) r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  r.body = std::move(parser.get().body());
  if (parser.keep_alive()) Release(std::move(c));
  retryable = RetryableStatus(r.status);
  if (retryable) return std::unexpected(S3Failure(std::string(request.method) + " " + std::string(request.key), r));
  return r;
}

Result<Response> Client::Send(Request request) {
  const std::string path = settings_.ObjectPath(request.key);
  return Retrying(options_, [&](bool& retryable) { return SendOnce(request, path, retryable); });
}

namespace {

class GetStream final : public ObjectStream {
 public:
  GetStream(std::unique_ptr<Client::Connection> c,
            std::unique_ptr<bhttp::response_parser<bhttp::buffer_body>> parser, std::chrono::seconds timeout,
            std::function<void(std::unique_ptr<Client::Connection>)> release)
      : c_(std::move(c)), parser_(std::move(parser)), timeout_(timeout),
        release_(std::move(release)) {}

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
        return Unreachable("reading an object", ec);
      }
      filled = out.size() - parser_->get().body().size;
    }
    if (c_ && parser_->is_done()) {
      if (parser_->keep_alive()) release_(std::move(c_));
      c_.reset();
    }
    return filled;
  }

 private:
  std::unique_ptr<Client::Connection> c_;
  std::unique_ptr<bhttp::response_parser<bhttp::buffer_body>> parser_;
  std::chrono::seconds timeout_;
  std::function<void(std::unique_ptr<Client::Connection>)> release_;
};

// A body of known length, read straight from the socket into the caller's buffer (after the
// bytes that arrived with the headers): one read operation fills a whole buffer, instead of the
// parser's copy through its own buffer.
class LengthStream final : public ObjectStream {
 public:
  LengthStream(std::unique_ptr<Client::Connection> c, uint64_t length, bool keep_alive,
               std::chrono::seconds timeout, std::function<void(std::unique_ptr<Client::Connection>)> release)
      : c_(std::move(c)), remaining_(length), keep_alive_(keep_alive), timeout_(timeout),
        release_(std::move(release)) {
    Finish();
  }

  Result<size_t> Read(std::span<char> out) override {
    if (!c_ && remaining_ > 0) return Fail(Code::kUnavailable, "the S3 connection broke mid-object");
    const size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), remaining_));
    size_t filled = 0;
    if (want > 0 && c_->buffer.size() > 0) {
      filled = asio::buffer_copy(asio::buffer(out.data(), want), c_->buffer.data());
      c_->buffer.consume(filled);
    }
    if (filled < want) {
      error_code ec;
      c_->With([&](auto& stream) {
        ec = c_->Run(timeout_, [&](auto handler) {
          asio::async_read(stream, asio::buffer(out.data() + filled, want - filled), handler);
        });
      });
      if (ec) {
        c_.reset();
        return Unreachable("reading an object", ec);
      }
      filled = want;
    }
    remaining_ -= filled;
    Finish();
    return filled;
  }

 private:
  void Finish() {
    if (c_ && remaining_ == 0) {
      if (keep_alive_ && c_->buffer.size() == 0) release_(std::move(c_));
      c_.reset();
    }
  }

  std::unique_ptr<Client::Connection> c_;
  uint64_t remaining_;
  bool keep_alive_;
  std::chrono::seconds timeout_;
  std::function<void(std::unique_ptr<Client::Connection>)> release_;
};

class EmptyStream final : public ObjectStream {
 public:
  Result<size_t> Read(std::span<char>) override { return size_t{0}; }
};

}  // namespace

Result<std::unique_ptr<ObjectStream>> Client::GetOnce(const Request& request, const std::string& path,
                                                     bool& retryable) {
  Result<std::unique_ptr<Connection>> c = Acquire();
  if (!c) {
    retryable = c.error().reason() != http::kTlsRefused;
    return std::unexpected(std::move(c).error());
  }
  retryable = true;
  Prepared p = Prepare(settings_, request, path, PayloadHash(settings_, request));
  error_code ec;
  (*c)->With([&](auto& stream) {
    ec = (*c)->Run(options_.timeout, [&](auto handler) { bhttp::async_write(stream, p.message, handler); });
  });
  auto parser = std::make_unique<bhttp::response_parser<bhttp::buffer_body>>();
  parser->body_limit(boost::none);
  if (!ec) {
    (*c)->With([&](auto& stream) {
      ec = (*c)->Run(options_.timeout,
                     [&](auto handler) { bhttp::async_read_header(stream, (*c)->buffer, *parser, handler); });
    });
  }
  if (ec) return Unreachable("GET " + std::string(request.key), ec);
  const int status = static_cast<int>(parser->get().result_int());
  auto release = [this](std::unique_ptr<Connection> done) { Release(std::move(done)); };
  if ((status == 200 || status == 206) && !parser->chunked() && parser->content_length()) {
    return std::unique_ptr<ObjectStream>(new LengthStream(std::move(*c), *parser->content_length(),
                                                          parser->keep_alive(), options_.timeout, release));
  }
  if (status == 200 || status == 206) {
    return std::unique_ptr<ObjectStream>(new GetStream(std::move(*c), std::move(parser), options_.timeout, release));
  }
  // Read the (small) error document to learn S3's code; the connection is not reused.
  std::string body(4096, '\0');
  GetStream error_body(std::move(*c), std::move(parser), options_.timeout, [](std::unique_ptr<Connection>) {});
  Result<size_t> n = error_body.Read(std::span<char>(body.data(), body.size()));
  body.resize(n ? *n : 0);
  retryable = RetryableStatus(status);
  if (status == 416) return std::unique_ptr<ObjectStream>(new EmptyStream());  // offset at the end
  if (status == 404) return Fail(Code::kNotFound, "S3 has no object " + std::string(request.key), "NoSuchKey");
  return std::unexpected(S3Failure("GET " + std::string(request.key),
                                   Response{.status = status, .headers = {}, .body = std::move(body)}));
}

Result<std::unique_ptr<ObjectStream>> Client::Get(std::string_view key, uint64_t offset) {
  const std::string path = settings_.ObjectPath(key);
  Request request{.method = "GET", .key = key, .query = "", .headers = {}, .body = {}, .payload_sha256 = ""};
  if (offset > 0) request.headers.push_back({"range", "bytes=" + std::to_string(offset) + "-"});
  return Retrying(options_, [&](bool& retryable) { return GetOnce(request, path, retryable); });
}

std::string Client::PresignedGetUrl(std::string_view key, std::chrono::seconds ttl) const {
  const std::string path = settings_.ObjectPath(key);
  const std::string host = settings_.Host();
  return std::string(settings_.endpoint.tls ? "https://" : "http://") + host + path + "?" +
         aws::PresignQuery("GET", host, path, settings_.key, ttl, std::chrono::system_clock::now());
}

}  // namespace berth::s3
