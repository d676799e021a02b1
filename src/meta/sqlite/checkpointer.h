// meta/sqlite/checkpointer.h
//
// Moves the write-ahead log into the database file on a thread of its own, so no commit pays for
// it. SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000 WAL pages: on a
// large store that copy and its two fsyncs cost a commit 25 ms, and every writer queued behind
// it waited as long. Here the writer's commits only report the WAL's size; past kPages this
// thread runs a PASSIVE checkpoint on its own connection, which copies what no reader still
// needs and never blocks the writer or a reader. The WAL starts over from its beginning at the
// next commit after a checkpoint that copied all of it.
//
// Thread-safe.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/error.h"
#include "meta/sqlite/connection.h"

namespace berth::meta::sqlite {

class Checkpointer {
 public:
  static constexpr int kPages = 1000;

  // Takes over checkpointing the database at `path` from `writer`, which must outlive it.
  static Result<std::unique_ptr<Checkpointer>> Start(const std::string& path, Connection& writer);
  ~Checkpointer();  // hands checkpoints back to the writer's commits

  uint64_t checkpoints() const { return checkpoints_; }

 private:
  Checkpointer(std::unique_ptr<Connection> own, Connection& writer) : own_(std::move(own)), writer_(writer) {}
  static int OnCommit(void* self, sqlite3* db, const char* schema, int pages);
  void Run();

  std::unique_ptr<Connection> own_;  // the thread's
  Connection& writer_;
  std::mutex mu_;
  std::condition_variable wake_;
  int pages_ = 0;      // guarded by mu_: the WAL's size after the last commit
  bool stop_ = false;  // guarded by mu_
  std::atomic<uint64_t> checkpoints_{0};
  std::thread thread_;
};

}  // namespace berth::meta::sqlite
