// server/background.h
//
// Work a node does besides answering requests, on timers, off the I/O threads:
//   - jobs that must run once per cluster, each under its own lease in the metadata store:
//     upload expiry ("upload-purge"), lifecycle policies ("lifecycle"), garbage collection
//     ("gc") and image scanning ("scan"). A job's lease is renewed on every tick (at most every 30 s) whether or not the job
//     is due, and given up at shutdown, so another node takes over within a few ticks when the
//     holder dies; the job runs when its interval has passed since its last run on this node,
//     and never twice at once;
//   - writing recorded pull times every second (kPullFlushInterval), which every node does for
//     the pulls it served.
// berth_lease_held{lease="..."} (1 or 0) shows which node holds which lease.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <string>
#include <string_view>

#include "api/pull_recorder.h"
#include "meta/metadata_store.h"
#include "telemetry/metrics.h"

namespace berth::server {

class Background {
 public:
  static constexpr std::chrono::seconds kPullFlushInterval{1};

  // Every reference must outlive this object; `node_id` names this process in leases.
  Background(boost::asio::io_context& io, boost::asio::thread_pool& pool, meta::MetadataStore& store,
             api::PullRecorder& pulls, telemetry::Metrics& metrics, std::string node_id,
             std::function<int64_t()> clock);

  // Adds a job run on the pool every `interval` (the first run after min(interval, 1 min)).
  // Call before Start().
  void AddLeasedJob(std::string lease, std::chrono::seconds interval, std::function<void()> run);

  // Runs the job of `lease` now, if this node holds its lease and it is not running (new work
  // arrived: a push to replicate, an event to deliver), instead of at its next interval. Nudges
  // while one is pending are one nudge. Any thread.
  void RunSoon(std::string_view lease);

  void Start();
  // Cancels the timers; then (after the pool drained) Finish() gives the leases up and writes
  // the last pull times.
  void Stop();
  void Finish();

 private:
  struct Job {
    Job(boost::asio::io_context& io, std::string lease_name, std::chrono::seconds every, std::function<void()> body)
        : timer(io), lease(std::move(lease_name)), interval(every), run(std::move(body)) {}
    boost::asio::steady_timer timer;
    std::string lease;
    std::chrono::seconds interval;
    std::chrono::seconds tick{};
    std::function<void()> run;
    std::chrono::steady_clock::time_point due;
    std::atomic<bool> held{false};
    // When the lease last taken ends (steady clock, ns): a node whose ticks run late (a busy
    // pool, a slow store) stops claiming a lease another node may have taken since.
    std::atomic<int64_t> held_until_ns{0};
    std::atomic<bool> running{false};
    std::atomic<bool> nudged{false};
  };

  static bool Holds(const Job& job);
  void ScheduleTick(Job& job);
  void Tick(Job& job);
  void ScheduleFlush();

  boost::asio::io_context& io_;
  boost::asio::steady_timer flush_timer_;
  std::atomic<bool> flushing_{false};  // a flush of pull times is on the pool
  boost::asio::thread_pool& pool_;
  meta::MetadataStore& store_;
  api::PullRecorder& pulls_;
  telemetry::Metrics& metrics_;
  const std::string node_id_;
  std::function<int64_t()> clock_;
  std::list<Job> jobs_;  // stable addresses
};

}  // namespace berth::server
