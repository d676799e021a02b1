// audit/trail.h
//
// The audit trail: one CloudTrail-shaped JSON record per control-plane call and per push, pull
// and delete on /v2/ (denied requests included), appended as a line to <dir>/audit.log and
// rotated by size (audit.log.1 is the previous file, up to `keep_files` of them). Records are
// queued by the request and written by one thread in batches, so a request never waits on the
// disk; a full queue (the disk cannot keep up) makes requests wait rather than lose records.
// Each node writes its own trail under its own data directory.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/error.h"

namespace berth::audit {

struct TrailOptions {
  std::string dir;
  uint64_t max_file_bytes = 32 << 20;
  int keep_files = 8;
  size_t max_queued_bytes = 16 << 20;
};

class Trail {
 public:
  // Creates the directory; errors if it cannot be written.
  static Result<std::unique_ptr<Trail>> Open(TrailOptions options);
  ~Trail();  // writes what is queued

  // Queues one record (a JSON object, no newline).
  void Record(std::string_view json);
  // Waits until everything recorded so far is written (tests, lookups, shutdown).
  void Flush();

  // Every file of the trail, oldest first.
  std::vector<std::string> Files() const;
  uint64_t written() const;

 private:
  explicit Trail(TrailOptions options);
  void Run();
  Status WriteBatch(const std::string& batch);
  Status Rotate();

  const TrailOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_, drained_;
  std::string queue_;     // guarded by mu_
  uint64_t queued_ = 0;   // records queued in total, guarded by mu_
  uint64_t written_ = 0;  // records written in total, guarded by mu_
  bool stop_ = false;     // guarded by mu_
  int flushing_ = 0;      // callers waiting in Flush(), guarded by mu_
  int fd_ = -1;           // the writer thread's
  uint64_t file_bytes_ = 0;
  std::thread thread_;
};

}  // namespace berth::audit
