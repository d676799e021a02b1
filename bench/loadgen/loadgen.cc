// bench/loadgen/loadgen.cc
//
// berth_loadgen: a closed-loop HTTP/1.1 load generator for keys chosen at random, which wrk cannot
// do for HEAD (it waits for a body that never comes) and does slowly for GET (a Lua call per
// request). One thread, epoll, keep-alive connections each with one request in flight.
//
//   berth_loadgen HOST:PORT METHOD PATTERN COUNT CONNECTIONS SECONDS [HEADER]...
//
// PATTERN's "{}" becomes a key from 0 to COUNT-1 (or FIRST to FIRST+COUNT-1 when COUNT is written
// FIRST+COUNT), uniformly at random per request. SECONDS 0 asks for every key once, in order, and
// then stops (a cold pass that fills the server's caches). Prints one
// JSON line: requests per second, p50 and p99 latency in milliseconds, and the count of answers
// that were not 2xx (a run with any fails the caller). Responses must carry Content-Length.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Connection {
  int fd = -1;
  std::string out;
  size_t sent = 0;
  std::string in;
  Clock::time_point started;
};

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::exit(2);
}

// Connected before the run, then non-blocking.
int Connect(const sockaddr_in& addr) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) Die("socket");
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) Die("connect");
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// Sends what is left of the connection's request; watches for writability only while some is.
void Send(int epoll, Connection& c, uint64_t id) {
  const ssize_t w = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
  if (w < 0 && errno != EAGAIN) Die("send");
  if (w > 0) c.sent += static_cast<size_t>(w);
  epoll_event ev{.events = EPOLLIN | (c.sent < c.out.size() ? EPOLLOUT : 0u), .data = {.u64 = id}};
  ::epoll_ctl(epoll, EPOLL_CTL_MOD, c.fd, &ev);
}

// The length of the first complete response in `in` (headers and body), or 0 if incomplete.
// `head` says the body is absent whatever Content-Length says. Sets `status`.
size_t ResponseLength(const std::string& in, bool head, int& status) {
  const size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  status = std::atoi(in.c_str() + 9);
  size_t body = 0;
  for (size_t at = in.find("\r\n") + 2; at < end;) {
    const size_t eol = in.find("\r\n", at);
    if (strncasecmp(in.c_str() + at, "content-length:", 15) == 0) body = std::strtoull(in.c_str() + at + 15, nullptr, 10);
    at = eol + 2;
  }
  if (head) body = 0;
  return in.size() >= end + 4 + body ? end + 4 + body : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: berth_loadgen HOST:PORT METHOD PATTERN COUNT CONNECTIONS SECONDS [HEADER]...\n");
    return 2;
  }
  const std::string target = argv[1], method = argv[2], pattern = argv[3];
  const char* plus = std::strchr(argv[4], '+');
  const long first = plus != nullptr ? std::atol(argv[4]) : 0;
  const long count = std::atol(plus != nullptr ? plus + 1 : argv[4]), connections = std::atol(argv[5]);
  const double seconds = std::atof(argv[6]);
  std::string headers;
  for (int i = 7; i < argc; ++i) headers += std::string(argv[i]) + "\r\n";
  const size_t colon = target.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(target.c_str() + colon + 1)));
  if (colon == std::string::npos || ::inet_pton(AF_INET, target.substr(0, colon).c_str(), &addr.sin_addr) != 1 ||
      first < 0 || count < 1 || connections < 1 || seconds < 0) {
    std::fprintf(stderr, "berth_loadgen: bad arguments\n");
    return 2;
  }
  const size_t hole = pattern.find("{}");
  const bool head = method == "HEAD";
  std::mt19937_64 random(std::random_device{}());
  std::uniform_int_distribution<long> key(first, first + count - 1);
  const bool once = seconds == 0;
  long next_key = first, issued = 0;
  auto next_request = [&] {
    ++issued;
    const long k = once ? next_key++ : key(random);
    std::string path = hole == std::string::npos ? pattern
                                                 : pattern.substr(0, hole) + std::to_string(k) + pattern.substr(hole + 2);
    return method + " " + path + " HTTP/1.1\r\nHost: " + target + "\r\n" + headers + "\r\n";
  };

  const int epoll = ::epoll_create1(0);
  std::vector<Connection> conns(static_cast<size_t>(once ? std::min(connections, count) : connections));
  for (size_t i = 0; i < conns.size(); ++i) {
    conns[i].fd = Connect(addr);
    conns[i].out = next_request();
    epoll_event ev{.events = EPOLLIN, .data = {.u64 = i}};
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  for (size_t i = 0; i < conns.size(); ++i) {
    conns[i].started = Clock::now();
    Send(epoll, conns[i], i);
  }
  std::vector<uint32_t> latencies_us;
  latencies_us.reserve(1 << 22);
  long failures = 0;
  const Clock::time_point begin = Clock::now();
  const Clock::time_point until =
      begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(once ? 86400.0 : seconds));
  long in_flight = static_cast<long>(conns.size());
  std::vector<epoll_event> events(conns.size());
  char buffer[65536];
  while (Clock::now() < until && in_flight > 0) {
    const int n = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 100);
    for (int e = 0; e < n; ++e) {
      Connection& c = conns[events[e].data.u64];
      if ((events[e].events & EPOLLOUT) && c.sent < c.out.size()) Send(epoll, c, events[e].data.u64);
      if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        const ssize_t r = ::recv(c.fd, buffer, sizeof buffer, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN)) {
          std::fprintf(stderr, "berth_loadgen: the server closed a connection\n");
          return 1;
        }
        if (r > 0) c.in.append(buffer, static_cast<size_t>(r));
        int status = 0;
        while (size_t length = ResponseLength(c.in, head, status)) {
          c.in.erase(0, length);
          const Clock::time_point now = Clock::now();
          latencies_us.push_back(static_cast<uint32_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(now - c.started).count()));
          if (status < 200 || status > 299) ++failures;
          if (once && issued >= count) {
            --in_flight;  // this connection is done
            break;
          }
          c.out = next_request();
          c.sent = 0;
          c.started = now;
          const ssize_t w = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
          if (w < 0 && errno != EAGAIN) Die("send");
          if (w > 0) c.sent = static_cast<size_t>(w);
          if (c.sent < c.out.size()) Send(epoll, c, events[e].data.u64);
        }
      }
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
  std::sort(latencies_us.begin(), latencies_us.end());
  auto percentile = [&](double p) {
    if (latencies_us.empty()) return 0.0;
    return latencies_us[std::min(latencies_us.size() - 1, static_cast<size_t>(p * static_cast<double>(latencies_us.size())))] / 1000.0;
  };
  std::printf("{\"rps\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"requests\": %zu, \"failures\": %ld}\n",
              static_cast<double>(latencies_us.size()) / elapsed, percentile(0.5), percentile(0.99), latencies_us.size(),
              failures);
  return 0;
}
