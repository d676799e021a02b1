// meta/postgres/change_feed.h
//
// What other nodes changed, as PostgreSQL tells it: every write transaction that changes what
// nodes cache notifies the "berth_changes" channel with the repository's id (or
// kAllRepositories) when it commits (meta/sql's Db::Changed), and a ChangeFeed LISTENs on its
// own connection, on its own thread, and passes each to its listener, usually within a
// millisecond.
//
// A feed that loses its connection cannot know what it missed: it tells the listener to forget
// everything (OnReset(false)) and reconnects; once listening again it says so (OnReset(true)).
//
// Thread safety: the listener is called from the feed's thread, or from Drain()'s caller.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/error.h"
#include "meta/metadata_store.h"

struct pg_conn;  // libpq's PGconn

namespace berth::meta::postgres {

inline constexpr const char* kChangeChannel = "berth_changes";

class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  virtual void OnChange(RepositoryId repo) = 0;  // or kAllRepositories, kIamChanged
  // Everything known may be stale: forget it. `listening` says whether changes arrive again.
  virtual void OnReset(bool listening) = 0;
};

class ChangeFeed {
 public:
  // Starts listening on a connection of its own to `uri`; `listener` must outlive the feed.
  ChangeFeed(std::string uri, ChangeListener& listener);
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // Hands the listener whatever notifications have arrived and not yet been read, without
  // waiting: a read that is about to trust a cache calls it first, so a change committed
  // before the read began is not missed because the feed's thread has not run yet.
  void Drain();

 private:
  void Run();
  bool Connect();
  void ConsumeLocked();

  const std::string uri_;
  ChangeListener& listener_;
  std::mutex mu_;  // guards conn_ and what is read from it
  ::pg_conn* conn_ = nullptr;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace berth::meta::postgres
