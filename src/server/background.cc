#include "server/background.h"

#include <boost/asio/post.hpp>

#include <algorithm>

#include "telemetry/log.h"

namespace berth::server {

namespace asio = boost::asio;

Background::Background(asio::io_context& io, asio::thread_pool& pool, meta::MetadataStore& store,
                       api::oci::OciApi& api, api::PullRecorder& pulls, telemetry::Metrics& metrics,
                       std::string node_id, std::chrono::seconds upload_idle_timeout,
                       std::function<int64_t()> clock)
    : purge_timer_(io),
      flush_timer_(io),
      pool_(pool),
      store_(store),
      api_(api),
      pulls_(pulls),
      node_id_(std::move(node_id)),
      // A few times per idle timeout (at most every minute), so a session outlives its timeout
      // by at most a quarter of it.
      purge_interval_(std::clamp<std::chrono::seconds>(upload_idle_timeout / 4, std::chrono::seconds(1),
                                                       std::chrono::seconds(60))),
      clock_(std::move(clock)) {
  metrics.AddGaugeCallback("berth_lease_held",
                           "Whether this node holds the lease (1) for background work that runs once per cluster.",
                           [this] { return holds_purge_lease_ ? 1.0 : 0.0; }, "lease=\"upload-purge\"");
}

void Background::Start() {
  SchedulePurge();
  ScheduleFlush();
}

void Background::Stop() {
  purge_timer_.cancel();
  flush_timer_.cancel();
}

void Background::Finish() {
  if (holds_purge_lease_.exchange(false)) (void)store_.ReleaseLease(kPurgeLease, node_id_);
  if (Status s = pulls_.Flush(store_); !s) telemetry::LogWarn("recording pull times failed");
}

void Background::SchedulePurge() {
  purge_timer_.expires_after(purge_interval_);
  purge_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    asio::post(pool_, [this] { Purge(); });
    SchedulePurge();
  });
}

void Background::Purge() {
  // Held for three intervals: a holder that misses two runs (it died) loses it.
  Result<bool> held = store_.TryLease(kPurgeLease, node_id_, clock_(), 3 * purge_interval_.count());
  if (!held) {
    telemetry::LogWarn("taking the upload-purge lease failed", {{"error", held.error().message()}});
    return;
  }
  if (*held != holds_purge_lease_.exchange(*held)) {
    telemetry::LogInfo(*held ? "took the upload-purge lease" : "another node holds the upload-purge lease",
                       {{"node", node_id_}});
  }
  if (!*held) return;
  Result<size_t> purged = api_.PurgeIdleUploads();
  if (!purged) {
    telemetry::LogWarn("purging idle uploads failed", {{"error", purged.error().message()}});
  } else if (*purged > 0) {
    telemetry::LogInfo("purged idle uploads", {{"count", *purged}});
  }
}

void Background::ScheduleFlush() {
  // Recorded pulls (lastRecordedPullTime) are written every few seconds, off the request path.
  flush_timer_.expires_after(std::chrono::seconds(5));
  flush_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    asio::post(pool_, [this] {
      if (Status s = pulls_.Flush(store_); !s) {
        telemetry::LogWarn("recording pull times failed", {{"error", s.error().message()}});
      }
    });
    ScheduleFlush();
  });
}

}  // namespace berth::server
