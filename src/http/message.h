// http/message.h
//
// The HTTP request and response as the API layer sees them, free of Beast types so that only
// http/server.cc compiles Beast. A Request gives headers at once and the body as a stream the
// handler pulls from, after it has authenticated the caller; a body the handler never reads is
// never buffered. A Response carries a small in-memory body or a StreamBody (a blob) that the
// server sends with sendfile() where it can.
//
// A Request is used by the one coroutine handling it. Not thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>

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
#include "base/strings.h"
#include "http/response_head.h"

namespace berth::http {

template <class T>
using Task = boost::asio::awaitable<T>;

enum class Method : uint8_t { kGet, kHead, kPost, kPut, kPatch, kDelete, kOther };
std::string_view MethodName(Method method);

class Request {
 public:
  virtual ~Request() = default;

  virtual Method method() const = 0;
  // The request target as sent: path plus optional "?query".
  virtual std::string_view target() const = 0;
  // Case-insensitive lookup; nullopt if absent.
  virtual std::optional<std::string_view> Header(std::string_view name) const = 0;
  // Every value of a repeatable header, in order, joined with ","; nullopt if absent.
  virtual std::optional<std::string> HeaderAll(std::string_view name) const = 0;
  // The declared Content-Length, or nullopt (chunked or no body).
  virtual std::optional<uint64_t> content_length() const = 0;
  // Pulls up to out.size() body bytes; returns 0 at the end of the body. Errors are
  // kInvalidArgument for a body that ends early or is malformed (chunked encoding), and
  // kUnavailable for a client that stalls past the read timeout or whose connection fails.
  virtual Task<Result<size_t>> ReadBody(std::span<char> out) = 0;
  virtual uint64_t body_bytes_read() const = 0;
  virtual std::string_view remote_address() const = 0;

  std::string_view path() const { return target().substr(0, target().find('?')); }
  std::string_view query() const {
    size_t q = target().find('?');
    return q == std::string_view::npos ? std::string_view() : target().substr(q + 1);
  }
};

// A response body that lives outside memory: a blob.
class StreamBody {
 public:
  virtual ~StreamBody() = default;
  // Reads up to out.size() bytes at `offset`; 0 only at the end.
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<char> out) = 0;
  // A file descriptor to sendfile() from, or -1.
  virtual int native_fd() const = 0;
  // True when ReadAt waits on the network: the server then calls it on its blocking pool.
  virtual bool blocking() const { return false; }
  // True for a body still arriving (a blob the pull-through cache is downloading): the server
  // then awaits Available(offset) before each ReadAt, which completes once bytes at `offset`
  // can be read without waiting (or the body failed).
  virtual bool growing() const { return false; }
  virtual Task<void> Available(uint64_t /*offset*/) { co_return; }
};

// A response header's name: always a string literal, so a response keeps a view of it instead of
// a copy (a name past 15 bytes, as "Docker-Content-Digest", was an allocation per answer).
class HeaderName {
 public:
  template <size_t N>
  consteval HeaderName(const char (&literal)[N]) : text_(literal, N - 1) {}  // NOLINT: implicit by design
  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
};

struct Response {
  int status = 200;
  ResponseHeaders headers;  // names are literals (HeaderName)
  std::string body;
  // When set, the body is `stream_length` bytes of `stream` from `stream_offset`, not `body`.
  std::unique_ptr<StreamBody> stream;
  uint64_t stream_offset = 0;
  uint64_t stream_length = 0;
  // For HEAD: the Content-Length to announce while sending no body.
  std::optional<uint64_t> head_length;
  // Metric label for the matched route; a string literal.
  std::string_view route = "unmatched";
  static constexpr size_t kUsualHeaders = 8;

  Response& Set(HeaderName name, std::string value) {
    // One allocation for the usual few headers, where doubling from one made three.
    if (headers.capacity() == 0) headers.reserve(kUsualHeaders);
    headers.emplace_back(name.text(), std::move(value));
    return *this;
  }
  // The first value of a header set on this response (case-insensitive), or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (IEquals(k, name)) return v;
    }
    return std::nullopt;
  }
};

using Handler = std::function<Task<Response>(Request&)>;

}  // namespace berth::http
