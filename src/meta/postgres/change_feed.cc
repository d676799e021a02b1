#include "meta/postgres/change_feed.h"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <chrono>
#include <cstdlib>

namespace berth::meta::postgres {

ChangeFeed::ChangeFeed(std::string uri, ChangeListener& listener)
    : uri_(std::move(uri)), listener_(listener), thread_([this] { Run(); }) {}

ChangeFeed::~ChangeFeed() {
  stop_ = true;
  thread_.join();
  if (conn_ != nullptr) PQfinish(conn_);
}

bool ChangeFeed::Connect() {
  PGconn* conn = PQconnectdb(uri_.c_str());
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* r = PQexec(conn, (std::string("LISTEN ") + kChangeChannel).c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (ok && PQsetnonblocking(conn, 1) == 0) {
      std::lock_guard lock(mu_);
      conn_ = conn;
      return true;
    }
  }
  PQfinish(conn);
  return false;
}

void ChangeFeed::ConsumeLocked() {
  if (conn_ == nullptr) return;
  if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) != CONNECTION_OK) {
    PQfinish(conn_);
    conn_ = nullptr;
    listener_.OnReset(false);
    return;
  }
  while (PGnotify* n = PQnotifies(conn_)) {
    std::string_view payload(n->extra);
    // A repository's id, or one of the negative names (kAllRepositories, kIamChanged); a payload
    // that is neither drops everything, which is always safe.
    RepositoryId repo = kAllRepositories;
    auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), repo);
    if (ec != std::errc() || end != payload.data() + payload.size()) repo = kAllRepositories;
    listener_.OnChange(repo);
    PQfreemem(n);
  }
}

void ChangeFeed::Drain() {
  std::unique_lock lock(mu_, std::try_to_lock);
  // The feed's thread holds the lock only while it reads what arrived: then it is current.
  if (!lock.owns_lock() || conn_ == nullptr) return;
  pollfd p{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
  if (::poll(&p, 1, 0) > 0) ConsumeLocked();
}

void ChangeFeed::Run() {
  using namespace std::chrono_literals;
  auto backoff = 100ms;
  while (!stop_) {
    bool connected;
    {
      std::lock_guard lock(mu_);
      connected = conn_ != nullptr;
    }
    if (!connected) {
      if (!Connect()) {
        for (auto waited = 0ms; waited < backoff && !stop_; waited += 50ms) std::this_thread::sleep_for(50ms);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, 2s);
        continue;
      }
      backoff = 100ms;
      listener_.OnReset(true);
    }
    int fd;
    {
      std::lock_guard lock(mu_);
      if (conn_ == nullptr) continue;
      fd = PQsocket(conn_);
    }
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, 200) > 0) {
      std::lock_guard lock(mu_);
      ConsumeLocked();
    }
  }
}

}  // namespace berth::meta::postgres
