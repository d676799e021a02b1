#include "http/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <atomic>
#include <cerrno>
#include <list>
#include <mutex>

#include "async/blocking.h"
#include "http/response_head.h"
#include "telemetry/log.h"

namespace berth::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr size_t kFileChunk = 256 * 1024;    // pread size when sendfile cannot be used
constexpr size_t kRemoteChunk = 1024 * 1024;  // read size of a body that waits on the network
constexpr size_t kReadBufferBytes = 256 * 1024;  // per connection: bounds reads and memory
constexpr uint64_t kCorkAbove = 64 * 1024;  // file bodies past this are sent corked (SendFile)
constexpr uint64_t kDrainLimit = 64 * 1024;  // unread body bytes we read and drop to keep alive
constexpr size_t kHeaderReadBytes = 64 * 1024;  // the most one read of a header asks for, as Beast
// The watchdog's shortest sleep: after it cancels a read, until the connection has closed, it
// must not wake in a loop.
constexpr auto kWatchdogMinWait = std::chrono::milliseconds(100);
// Closing a socket with unread bytes makes the kernel send RST, which can destroy the answer we
// just wrote before the peer reads it (a proxy then answers nothing at all). So after answering
// a request whose body we did not read, we half-close and read what the client still sends, for
// at most this long and this much, before closing (RFC 9112 section 9.6, nginx's lingering_close).
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr uint64_t kLingerBytes = 8 * 1024 * 1024;

Method FromBeast(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get: return Method::kGet;
    case bhttp::verb::head: return Method::kHead;
    case bhttp::verb::post: return Method::kPost;
    case bhttp::verb::put: return Method::kPut;
    case bhttp::verb::patch: return Method::kPatch;
    case bhttp::verb::delete_: return Method::kDelete;
    default: return Method::kOther;
  }
}

// What the drain and the idle watchdog need to reach a connection: its executor and, while it
// waits for the next request, the socket to close and since when it waits. All are touched only
// on the connection's (single) thread.
struct Connection {
  asio::any_io_executor executor;
  tcp::socket* idle_socket = nullptr;
  std::chrono::steady_clock::time_point idle_since;
  asio::steady_timer* watchdog = nullptr;  // while the watchdog runs
  bool closed = false;
};

using RequestParser = bhttp::request_parser<bhttp::buffer_body>;

template <class Stream>
tcp::socket& Socket(Stream& s) {
  return beast::get_lowest_layer(s).socket();
}

template <class Stream>
class BeastRequest final : public Request {
 public:
  BeastRequest(Stream& stream, beast::flat_buffer& buffer,
               RequestParser& parser, std::string_view remote,
               std::chrono::seconds io_timeout)
      : stream_(stream), buffer_(buffer), parser_(parser), remote_(remote), io_timeout_(io_timeout) {
    target_ = parser_.get().target();
  }

  ~BeastRequest() override { WakeForAtLeast(1); }

  Method method() const override { return FromBeast(parser_.get().method()); }
  std::string_view target() const override { return target_; }
  std::optional<std::string_view> Header(std::string_view name) const override {
    auto it = parser_.get().find(name);
    if (it == parser_.get().end()) return std::nullopt;
    return it->value();
  }
  std::optional<std::string> HeaderAll(std::string_view name) const override {
    auto [first, last] = parser_.get().equal_range(name);
    if (first == last) return std::nullopt;
    std::string joined;
    for (auto it = first; it != last; ++it) {
      if (!joined.empty()) joined += ",";
      joined += it->value();
    }
    return joined;
  }
  std::optional<uint64_t> content_length() const override {
    auto len = parser_.content_length();
    if (!len) return std::nullopt;
    return *len;
  }
  uint64_t body_bytes_read() const override { return body_read_; }
  std::string_view remote_address() const override { return remote_; }
  bool body_done() const { return direct_ ? direct_remaining_ == 0 : parser_.is_done(); }

  Task<Result<size_t>> ReadBody(std::span<char> out) override {
    if (out.empty() || body_done()) co_return size_t{0};
    if (!sent_continue_) {
      sent_continue_ = true;
      auto expect = parser_.get().find(bhttp::field::expect);
      if (expect != parser_.get().end() && beast::iequals(expect->value(), "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        beast::get_lowest_layer(stream_).expires_after(io_timeout_);
        auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(kContinue), kTuple);
        if (ec) co_return Fail(Code::kUnavailable, "client went away: " + ec.message());
      }
      // A body of declared length is read straight into the caller's buffer, past the parser:
      // Beast would read it 64 KiB at a time into its own buffer and copy it out, which for a
      // blob costs a syscall, a wakeup and a timer per 64 KiB and a second copy of every byte.
      // The parser has not consumed any of it yet (it stopped at the header's end).
      if (!parser_.chunked() && parser_.content_length()) {
        direct_ = true;
        direct_remaining_ = *parser_.content_length();
      }
    }
    if (direct_) co_return co_await ReadDeclaredBody(out);
    while (!parser_.is_done()) {
      auto& body = parser_.get().body();
      body.data = out.data();
      body.size = out.size();
      beast::get_lowest_layer(stream_).expires_after(io_timeout_);
      auto [ec, n] = co_await bhttp::async_read(stream_, buffer_, parser_, kTuple);
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec == bhttp::error::partial_message || ec == bhttp::error::end_of_stream) {
        co_return std::unexpected(BodyEndedEarly());
      }
      if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_chunk).category()) {
        co_return Fail(Code::kInvalidArgument, "malformed request body: " + ec.message());
      }
      if (ec) {
        co_return Fail(Code::kUnavailable, "reading request body: " + ec.message());
      }
      size_t got = out.size() - body.size;
      body.data = nullptr;
      if (got > 0) {
        body_read_ += got;
        co_return got;
      }
    }
    co_return size_t{0};
  }

 private:
  // The client ended its side before sending what its headers promised: its fault.
  static Error BodyEndedEarly() {
    return Error(Code::kInvalidArgument, "the request body ended before its declared length");
  }

  // Bytes the header read brought along first, then the socket, never past the declared length
  // (what follows belongs to the next request and stays in buffer_ for its parser).
  Task<Result<size_t>> ReadDeclaredBody(std::span<char> out) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(out.size(), direct_remaining_));
    size_t got = 0;
    if (buffer_.size() > 0) {
      got = asio::buffer_copy(asio::buffer(out.data(), want), buffer_.data());
      buffer_.consume(got);
    } else {
      WakeForAtLeast(std::min<uint64_t>(direct_remaining_, kBodyWakeBytes));
      beast::get_lowest_layer(stream_).expires_after(io_timeout_);
      auto [ec, n] = co_await stream_.async_read_some(asio::buffer(out.data(), want), kTuple);
      if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) co_return std::unexpected(BodyEndedEarly());
      if (ec) co_return Fail(Code::kUnavailable, "reading request body: " + ec.message());
      got = n;
    }
    direct_remaining_ -= got;
    body_read_ += got;
    if (direct_remaining_ == 0) WakeForAtLeast(1);
    co_return got;
  }

  // A client sending a blob in many small segments (several uploads at once, a slow link)
  // would wake the reader for each: a wakeup, a read and a timer per segment. SO_RCVLOWAT makes
  // the socket readable only once this much has arrived (or the peer closed), never more than
  // the body still owes, so a read cannot wait for bytes that will not come. Back to 1 after
  // the body, or the next request's header would wait too.
  void WakeForAtLeast(uint64_t bytes) {
    const int lowat = static_cast<int>(bytes);
    if (lowat == rcvlowat_) return;
    if (::setsockopt(Socket(stream_).native_handle(), SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat) == 0) {
      rcvlowat_ = lowat;
    }
  }

  Stream& stream_;
  beast::flat_buffer& buffer_;
  RequestParser& parser_;
  std::string_view remote_;
  std::chrono::seconds io_timeout_;
  std::string_view target_;
  uint64_t body_read_ = 0;
  bool sent_continue_ = false;
  bool direct_ = false;  // reading a body of declared length past the parser
  uint64_t direct_remaining_ = 0;
  int rcvlowat_ = 1;  // the socket's SO_RCVLOWAT
  static constexpr uint64_t kBodyWakeBytes = 256 * 1024;
};

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(std::vector<asio::io_context*> ios_, ServerOptions options_, Handler handler_,
       telemetry::Metrics& m)
      : ios(std::move(ios_)), options(std::move(options_)), handler(std::move(handler_)), metrics(m),
        acceptor(*ios.front()) {}

  std::vector<asio::io_context*> ios;
  size_t next_io = 0;  // only touched by the accept loop
  ServerOptions options;
  Handler handler;
  telemetry::Metrics& metrics;
  tcp::acceptor acceptor;
  std::unique_ptr<asio::ssl::context> tls;

  std::mutex mu;
  std::list<std::shared_ptr<Connection>> connections;  // guarded by mu
  std::atomic<bool> draining{false};
  std::function<void()> on_drained;  // guarded by mu

  asio::awaitable<void> AcceptLoop() {
    while (true) {
      asio::io_context& target = *ios[next_io++ % ios.size()];
      auto [ec, socket] = co_await acceptor.async_accept(target.get_executor(), kTuple);
      if (ec) {
        if (draining || ec == asio::error::operation_aborted) co_return;
        telemetry::LogWarn("accept failed", {{"error", ec.message()}});
        // Out of descriptors or similar: back off instead of spinning.
        asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
        co_await t.async_wait(kTuple);
        continue;
      }
      size_t open;
      {
        std::lock_guard lock(mu);
        open = connections.size();
      }
      if (open >= options.max_connections) {
        error_code ignored;
        socket.close(ignored);
        continue;
      }
      auto executor = socket.get_executor();
      asio::co_spawn(executor, RunConnection(shared_from_this(), std::move(socket)), asio::detached);
    }
  }

  static asio::awaitable<void> RunConnection(std::shared_ptr<Impl> self, tcp::socket socket) {
    auto conn = std::make_shared<Connection>();
    conn->executor = socket.get_executor();
    std::list<std::shared_ptr<Connection>>::iterator registration;
    {
      std::lock_guard lock(self->mu);
      registration = self->connections.insert(self->connections.end(), conn);
    }
    self->metrics.ConnectionOpened();
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::string remote;
    if (auto ep = socket.remote_endpoint(ignored); !ignored) remote = ep.address().to_string();
    try {
      if (self->tls) {
        beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *self->tls);
        beast::get_lowest_layer(stream).expires_after(self->options.idle_timeout);
        auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
        if (!ec) co_await self->Serve(stream, *conn, remote);
      } else {
        beast::tcp_stream stream(std::move(socket));
        asio::co_spawn(conn->executor, Watchdog(conn, self->options.idle_timeout), asio::detached);
        co_await self->Serve(stream, *conn, remote);
      }
    } catch (const std::exception& e) {
      self->metrics.CountBug();
      telemetry::LogError("connection failed", {{"error", e.what()}});
    }
    conn->closed = true;
    if (conn->watchdog != nullptr) conn->watchdog->cancel();
    self->metrics.ConnectionClosed();
    std::function<void()> drained;
    {
      std::lock_guard lock(self->mu);
      self->connections.erase(registration);
      if (self->draining && self->connections.empty()) drained = std::move(self->on_drained);
    }
    if (drained) drained();
  }

  // Closes a plain TCP connection that has waited longer than `idle_timeout` for a request's
  // header. It wakes about once per timeout: the header read itself has no timer (see
  // ReadHeader), where Beast's stream armed and cancelled one on every read.
  static asio::awaitable<void> Watchdog(std::shared_ptr<Connection> conn, std::chrono::seconds idle_timeout) {
    asio::steady_timer timer(conn->executor);
    conn->watchdog = &timer;
    while (!conn->closed) {
      const auto now = std::chrono::steady_clock::now();
      if (conn->idle_socket != nullptr && now - conn->idle_since >= idle_timeout) {
        error_code ignored;
        conn->idle_socket->cancel(ignored);
      }
      timer.expires_at(conn->idle_socket != nullptr ? std::max(conn->idle_since + idle_timeout, now + kWatchdogMinWait)
                                                    : now + idle_timeout);
      co_await timer.async_wait(kTuple);
    }
    conn->watchdog = nullptr;
  }

  // Reads the next request's header, as Beast's async_read_header does. Plain TCP reads the
  // socket itself, with no timer per read: the connection's Watchdog enforces the idle timeout.
  // A read through Beast's stream cost a small request more than its parsing.
  template <class Stream>
  asio::awaitable<error_code> ReadHeader(Stream& stream, beast::flat_buffer& buffer, RequestParser& parser,
                                         Connection& conn) {
    conn.idle_socket = &Socket(stream);
    conn.idle_since = std::chrono::steady_clock::now();
    error_code ec;
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
      beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
      std::tie(ec, std::ignore) = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
    } else {
      parser.eager(false);  // stop at the header's end: the body is the handler's to read
      while (true) {
        if (buffer.size() > 0) {
          buffer.consume(parser.put(buffer.data(), ec));
          if (ec != bhttp::error::need_more) break;  // the whole header, or a malformed one
          ec = {};
        }
        const size_t room = beast::read_size(buffer, kHeaderReadBytes);
        if (room == 0) {
          ec = bhttp::error::header_limit;
          break;
        }
        auto [read_ec, n] = co_await Socket(stream).async_read_some(buffer.prepare(room), kTuple);
        buffer.commit(n);
        if (read_ec == asio::error::eof) {
          if (parser.got_some()) {
            parser.put_eof(ec);
            if (!ec) ec = bhttp::error::partial_message;
          } else {
            ec = bhttp::error::end_of_stream;
          }
          break;
        }
        if (read_ec) {
          ec = read_ec;
          break;
        }
      }
    }
    conn.idle_socket = nullptr;
    co_return ec;
  }

  template <class Stream>
  asio::awaitable<void> Serve(Stream& stream, Connection& conn, const std::string& remote) {
    // The argument is the limit; reserve the capacity too, or Beast reads 512 bytes at a time.
    beast::flat_buffer buffer(options.header_limit_bytes + kReadBufferBytes);
    buffer.reserve(kReadBufferBytes);
    std::string head;  // the response's header block, its capacity kept from one request to the next
    while (!draining) {
      RequestParser parser;
      parser.header_limit(static_cast<uint32_t>(options.header_limit_bytes));
      parser.body_limit(boost::none);  // bodies are streamed; handlers enforce their own limits
      const error_code ec = co_await ReadHeader(stream, buffer, parser, conn);
      if (ec) {
        if (ec == bhttp::error::header_limit) {
          if (co_await WriteSimple(stream, 431, "request header fields too large\n")) co_await LingeringClose(stream);
        } else if (ec.category() == bhttp::make_error_code(bhttp::error::header_limit).category() &&
                   ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
          if (co_await WriteSimple(stream, 400, "malformed HTTP request\n")) co_await LingeringClose(stream);
        }
        break;
      }
      const auto started = std::chrono::steady_clock::now();
      BeastRequest<Stream> request(stream, buffer, parser, remote, options.io_timeout);
      Response response;
      try {
        response = co_await handler(request);
      } catch (const std::exception& e) {
        metrics.CountBug();
        telemetry::LogError("handler threw", {{"error", e.what()}, {"target", request.target()}});
        response = options.internal_error ? options.internal_error(request) : Response{.status = 500};
      }
      bool keep_alive = parser.get().keep_alive() && !draining;
      if (!request.body_done()) keep_alive = keep_alive && co_await Drain(request);
      uint64_t sent = 0;
      bool ok = co_await WriteResponse(stream, request, response, keep_alive, head, sent);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      metrics.ObserveRequest(response.route, MethodName(request.method()), response.status,
                             request.body_bytes_read(), sent, seconds);
      if (telemetry::LogEnabled(telemetry::Level::kInfo)) {
        telemetry::LogInfo("request", {{"method", MethodName(request.method())},
                                       {"target", request.target().substr(0, 512)},
                                       {"status", response.status},
                                       {"bytes_in", request.body_bytes_read()},
                                       {"bytes_out", sent},
                                       {"seconds", seconds},
                                       {"remote", remote}});
      }
      if (!ok || !keep_alive) {
        if (ok && !request.body_done()) co_await LingeringClose(stream);
        break;
      }
    }
    error_code ignored;
    Socket(stream).shutdown(tcp::socket::shutdown_both, ignored);
  }

  // Sends FIN, then reads and drops what the client still sends until it closes, kLingerTime
  // passes or kLingerBytes arrived, so that closing does not reset the connection under an
  // answer the client has not read yet. TLS bytes are dropped undecrypted: nothing more is read.
  template <class Stream>
  static asio::awaitable<void> LingeringClose(Stream& stream) {
    auto& lowest = beast::get_lowest_layer(stream);
    error_code ec;
    lowest.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    lowest.expires_after(kLingerTime);
    char scratch[16 * 1024];
    uint64_t dropped = 0;
    while (dropped < kLingerBytes) {
      auto [read_ec, n] = co_await lowest.async_read_some(asio::buffer(scratch), kTuple);
      if (read_ec) break;
      dropped += n;
    }
  }

  // Reads and drops a small unread body so the connection can be reused; a large one is not
  // worth receiving, so the connection is closed instead.
  template <class Stream>
  static asio::awaitable<bool> Drain(BeastRequest<Stream>& request) {
    std::optional<uint64_t> len = request.content_length();
    if (!len || *len - request.body_bytes_read() > kDrainLimit) co_return false;
    char scratch[8192];
    while (true) {
      Result<size_t> n = co_await request.ReadBody(scratch);
      if (!n) co_return false;
      if (*n == 0) co_return true;
    }
  }

  template <class Stream>
  asio::awaitable<bool> WriteSimple(Stream& stream, unsigned status, std::string_view text) {
    std::string head;
    FormatResponseHead(head, static_cast<int>(status), {{"Content-Type", "text/plain"}}, text.size(), false);
    co_return co_await Send(stream, head, text);
  }

  template <class Stream>
  asio::awaitable<bool> WriteResponse(Stream& stream, Request& request, Response& response,
                                      bool keep_alive, std::string& head, uint64_t& sent) {
    const bool head_only = request.method() == Method::kHead;
    std::optional<uint64_t> length;
    std::string_view body;
    if (response.stream) {
      length = response.stream_length;
    } else if (!StatusHasNoBody(response.status)) {
      length = head_only ? response.head_length.value_or(response.body.size()) : response.body.size();
      if (!head_only) body = response.body;
    }
    if (FormatResponseHead(head, response.status, response.headers, length, keep_alive) > 0) {
      metrics.CountBug();
      telemetry::LogError("response headers left out: they held CR, LF or NUL",
                          {{"route", response.route}, {"target", request.target().substr(0, 512)}});
    }
    const bool file_follows = response.stream && !head_only;
    // MSG_MORE holds the header back until sendfile() adds the body's first bytes, so a blob's
    // answer starts with one full segment rather than a small one for the header. Only then:
    // a body that waits on the network would hold the header back with it.
    const bool sendfile_follows = file_follows && response.stream_length > 0 &&
                                  response.stream->native_fd() >= 0 && !response.stream->growing();
    if (!co_await Send(stream, head, body, sendfile_follows)) co_return false;
    sent = body.size();
    if (!file_follows) co_return true;
    bool ok;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      ok = response.stream->native_fd() >= 0 ? co_await SendFile(stream, response, sent)
                                             : co_await CopyBody(stream, response, sent);
    } else {
      ok = co_await CopyBody(stream, response, sent);
    }
    co_return ok;
  }

  // Writes `first` then `second` whole. On plain TCP one non-blocking sendmsg() goes first: for
  // an answer that fits the socket's buffer, as all but blobs do, that is the whole write, with
  // no asynchronous operation, timer or suspension (those cost a small request more than the
  // send). What the kernel does not take goes the asynchronous way, under the write timeout.
  // `more` asks the kernel to hold a short write back for what follows.
  template <class Stream>
  asio::awaitable<bool> Send(Stream& stream, std::string_view first, std::string_view second, bool more = false) {
    size_t done = 0;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      iovec parts[2] = {{const_cast<char*>(first.data()), first.size()},
                        {const_cast<char*>(second.data()), second.size()}};
      msghdr message{};
      message.msg_iov = parts;
      message.msg_iovlen = second.empty() ? 1 : 2;
      const int flags = MSG_NOSIGNAL | MSG_DONTWAIT | (more ? MSG_MORE : 0);
      ssize_t n;
      do {
        n = ::sendmsg(Socket(stream).native_handle(), &message, flags);
      } while (n < 0 && errno == EINTR);
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) co_return false;
      done = n < 0 ? 0 : static_cast<size_t>(n);
    }
    if (done == first.size() + second.size()) co_return true;
    std::array<asio::const_buffer, 2> rest;
    if (done < first.size()) {
      rest = {asio::buffer(first.substr(done)), asio::buffer(second)};
    } else {
      rest = {asio::buffer(second.substr(done - first.size())), asio::const_buffer()};
    }
    beast::get_lowest_layer(stream).expires_after(options.io_timeout);
    auto [ec, n] = co_await asio::async_write(stream, rest, kTuple);
    co_return !ec;
  }

  // TCP_CORK for as long as it lives. Sockets here are TCP_NODELAY, so each sendfile() after
  // the socket drains sent what fit at once: a train of segments smaller than the MSS, each with
  // its per-packet cost on both ends. Corked, the kernel sends full segments only, and the
  // uncork sends the last one (nginx's tcp_nopush). A 256 MiB blob over loopback, split cores:
  // 1.8-2.1 -> 2.5-2.8 GB/s.
  class Cork {
   public:
    explicit Cork(int fd) : fd_(fd) { Set(1); }
    ~Cork() { Set(0); }
    Cork(const Cork&) = delete;
    Cork& operator=(const Cork&) = delete;

   private:
    void Set(int on) { (void)::setsockopt(fd_, IPPROTO_TCP, TCP_CORK, &on, sizeof on); }
    int fd_;
  };

  // Zero-copy: the kernel moves file pages to the socket.
  asio::awaitable<bool> SendFile(beast::tcp_stream& stream, Response& response, uint64_t& sent) {
    tcp::socket& socket = stream.socket();
    error_code ec;
    socket.native_non_blocking(true, ec);
    if (ec) co_return false;
    // A body one sendfile() takes whole goes out in full segments anyway (the header waits for
    // it with MSG_MORE): no two syscalls for the cork.
    std::optional<Cork> cork;
    if (response.stream_length > kCorkAbove) cork.emplace(socket.native_handle());
    off_t offset = static_cast<off_t>(response.stream_offset);
    uint64_t remaining = response.stream_length;
    asio::steady_timer deadline(socket.get_executor());
    while (remaining > 0) {
      size_t chunk = static_cast<size_t>(std::min<uint64_t>(remaining, 1u << 30));
      ssize_t n = ::sendfile(socket.native_handle(), response.stream->native_fd(), &offset, chunk);
      if (n > 0) {
        remaining -= static_cast<uint64_t>(n);
        sent += static_cast<uint64_t>(n);
        continue;
      }
      if (n == 0) co_return false;  // file shorter than promised
      if (errno == EINTR) continue;
      if (errno != EAGAIN) co_return false;
      // The socket buffer is full: wait until writable, but not forever.
      bool timed_out = false;
      deadline.expires_after(options.io_timeout);
      deadline.async_wait([&socket, &timed_out](error_code e) {
        if (!e) {
          timed_out = true;
          error_code ignored;
          socket.cancel(ignored);
        }
      });
      auto [wait_ec] = co_await socket.async_wait(tcp::socket::wait_write, kTuple);
      deadline.cancel();
      if (wait_ec || timed_out) co_return false;
    }
    co_return true;
  }

  template <class Stream>
  asio::awaitable<bool> CopyBody(Stream& stream, Response& response, uint64_t& sent) {
    const bool blocking = response.stream->blocking();
    if (blocking && options.blocking_pool == nullptr) co_return false;
    std::vector<char> chunk(blocking ? kRemoteChunk : kFileChunk);
    uint64_t offset = response.stream_offset;
    uint64_t remaining = response.stream_length;
    while (remaining > 0) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, chunk.size()));
      if (response.stream->growing()) co_await response.stream->Available(offset);
      auto read = [&] { return response.stream->ReadAt(offset, std::span<char>(chunk.data(), want)); };
      Result<size_t> got = blocking ? co_await async::RunBlocking(*options.blocking_pool, read) : read();
      if (!got || *got == 0) co_return false;
      beast::get_lowest_layer(stream).expires_after(options.io_timeout);
      auto [ec, n] = co_await asio::async_write(stream, asio::buffer(chunk.data(), *got), kTuple);
      if (ec) co_return false;
      offset += *got;
      remaining -= *got;
      sent += *got;
    }
    co_return true;
  }
};

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kGet: return "GET";
    case Method::kHead: return "HEAD";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kPatch: return "PATCH";
    case Method::kDelete: return "DELETE";
    case Method::kOther: return "OTHER";
  }
  return "OTHER";
}

Server::Server(std::vector<asio::io_context*> ios, ServerOptions options, Handler handler,
               telemetry::Metrics& metrics)
    : impl_(std::make_shared<Impl>(std::move(ios), std::move(options), std::move(handler), metrics)) {}

Server::~Server() = default;

Result<uint16_t> Server::Listen() {
  Impl& s = *impl_;
  if (!s.options.tls_cert_file.empty() || !s.options.tls_key_file.empty()) {
    s.tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    error_code ec;
    s.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
    s.tls->use_certificate_chain_file(s.options.tls_cert_file, ec);
    if (!ec) s.tls->use_private_key_file(s.options.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) return Fail(Code::kInvalidArgument, "loading TLS certificate or key: " + ec.message());
  }
  error_code ec;
  auto address = asio::ip::make_address(s.options.host, ec);
  if (ec) return Fail(Code::kInvalidArgument, "bad listen address " + s.options.host);
  tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Fail(Code::kUnavailable, "listen on " + s.options.host + ":" +
                                        std::to_string(s.options.port) + ": " + ec.message());
  }
  return s.acceptor.local_endpoint().port();
}

void Server::Start() {
  asio::co_spawn(impl_->acceptor.get_executor(), impl_->AcceptLoop(), asio::detached);
}

void Server::BeginShutdown(std::function<void()> drained) {
  std::shared_ptr<Impl> s = impl_;
  asio::post(s->acceptor.get_executor(), [s] {
    error_code ignored;
    s->acceptor.close(ignored);
  });
  std::function<void()> call_now;
  {
    std::lock_guard lock(s->mu);
    s->draining = true;
    if (s->connections.empty()) {
      call_now = std::move(drained);
    } else {
      s->on_drained = std::move(drained);
      for (const std::shared_ptr<Connection>& c : s->connections) {
        // Only a connection waiting for its next request is closed; one mid-request finishes.
        asio::post(c->executor, [c] {
          if (c->idle_socket != nullptr) {
            error_code ignored;
            c->idle_socket->cancel(ignored);
          }
        });
      }
    }
  }
  if (call_now) call_now();
}

}  // namespace berth::http
