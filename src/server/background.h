// server/background.h
//
// Work a node does besides answering requests, on timers, off the I/O threads:
//   - upload expiry, which must run once per cluster: it runs under the metadata store's
//     "upload-purge" lease, renewed on every run and given up at shutdown, so one node purges
//     and another takes over within a few intervals when that one dies;
//   - writing recorded pull times, which every node does for the pulls it served.
// berth_lease_held{lease="..."} (1 or 0) shows which node holds a lease.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "api/oci/oci_api.h"
#include "api/pull_recorder.h"
#include "meta/metadata_store.h"
#include "telemetry/metrics.h"

namespace berth::server {

class Background {
 public:
  // Every reference must outlive this object; `node_id` names this process in leases.
  Background(boost::asio::io_context& io, boost::asio::thread_pool& pool, meta::MetadataStore& store,
             api::oci::OciApi& api, api::PullRecorder& pulls, telemetry::Metrics& metrics,
             std::string node_id, std::chrono::seconds upload_idle_timeout,
             std::function<int64_t()> clock);

  void Start();
  // Cancels the timers; then (after the pool drained) Finish() gives the leases up and writes
  // the last pull times.
  void Stop();
  void Finish();

  static constexpr const char* kPurgeLease = "upload-purge";

 private:
  void SchedulePurge();
  void ScheduleFlush();
  void Purge();

  boost::asio::steady_timer purge_timer_;
  boost::asio::steady_timer flush_timer_;
  boost::asio::thread_pool& pool_;
  meta::MetadataStore& store_;
  api::oci::OciApi& api_;
  api::PullRecorder& pulls_;
  const std::string node_id_;
  const std::chrono::seconds purge_interval_;
  std::function<int64_t()> clock_;
  std::atomic<bool> holds_purge_lease_{false};
};

}  // namespace berth::server
