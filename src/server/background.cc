#include "server/background.h"

#include <boost/asio/post.hpp>

#include <algorithm>

#include "telemetry/log.h"

namespace berth::server {

namespace asio = boost::asio;
using std::chrono::seconds;

Background::Background(asio::io_context& io, asio::thread_pool& pool, meta::MetadataStore& store,
                       api::PullRecorder& pulls, telemetry::Metrics& metrics, std::string node_id,
                       std::function<int64_t()> clock)
    : io_(io),
      flush_timer_(io),
      pool_(pool),
      store_(store),
      pulls_(pulls),
      metrics_(metrics),
      node_id_(std::move(node_id)),
      clock_(std::move(clock)) {}

void Background::AddLeasedJob(std::string lease, seconds interval, std::function<void()> run) {
  Job& job = jobs_.emplace_back(io_, std::move(lease), interval, std::move(run));
  job.tick = std::clamp(interval, seconds(1), seconds(30));
  job.due = std::chrono::steady_clock::now() + std::min(interval, seconds(60));
  metrics_.AddGaugeCallback("berth_lease_held",
                            "Whether this node holds the lease (1) for background work that runs once per cluster.",
                            [&job] { return Holds(job) ? 1.0 : 0.0; }, "lease=\"" + job.lease + "\"");
}

bool Background::Holds(const Job& job) {
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  return job.held && std::chrono::duration_cast<std::chrono::nanoseconds>(now).count() < job.held_until_ns;
}

void Background::RunSoon(std::string_view lease) {
  for (Job& job : jobs_) {
    if (job.lease != lease || !Holds(job) || job.nudged.exchange(true)) continue;
    asio::post(pool_, [&job] {
      job.nudged = false;
      // A run in progress may miss what the nudge was for; the next tick finds it.
      if (!Holds(job) || job.running.exchange(true)) return;
      job.due = std::chrono::steady_clock::now() + job.interval;
      job.run();
      job.running = false;
    });
  }
}

void Background::Start() {
  for (Job& job : jobs_) ScheduleTick(job);
  ScheduleFlush();
}

void Background::Stop() {
  for (Job& job : jobs_) job.timer.cancel();
  flush_timer_.cancel();
}

void Background::Finish() {
  for (Job& job : jobs_) {
    if (job.held.exchange(false)) (void)store_.ReleaseLease(job.lease, node_id_);
  }
  if (!pulls_.Flush(store_)) telemetry::LogWarn("recording pull times failed");
}

void Background::ScheduleTick(Job& job) {
  job.timer.expires_after(job.tick);
  job.timer.async_wait([this, &job](boost::system::error_code ec) {
    if (ec) return;
    asio::post(pool_, [this, &job] { Tick(job); });
    ScheduleTick(job);
  });
}

void Background::Tick(Job& job) {
  // Held for three ticks: a holder that misses two (it died) loses it.
  const auto asked = std::chrono::steady_clock::now();
  Result<bool> held = store_.TryLease(job.lease, node_id_, clock_(), 3 * job.tick.count());
  if (!held) {
    telemetry::LogWarn("taking a lease failed", {{"lease", job.lease}, {"error", held.error().message()}});
    return;
  }
  if (*held) {
    job.held_until_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            (asked + 3 * job.tick).time_since_epoch()).count();
  }
  if (*held != job.held.exchange(*held)) {
    telemetry::LogInfo(*held ? "took a lease" : "another node holds a lease", {{"lease", job.lease}, {"node", node_id_}});
  }
  if (!*held || job.running.exchange(true)) return;
  // Only the tick that set `running` touches `due`.
  const auto now = std::chrono::steady_clock::now();
  if (now >= job.due) {
    job.due = now + job.interval;
    job.run();
  }
  job.running = false;
}

void Background::ScheduleFlush() {
  // Recorded pulls (lastRecordedPullTime) are written every second, off the request path: what
  // is left to write when a burst of pulls ends is at most a second of its new images.
  flush_timer_.expires_after(kPullFlushInterval);
  flush_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    // One flush at a time. A flush that outlasts the interval (a burst of new images on a slow
    // store) is followed, at the next tick after it, by all the pulls that came meanwhile.
    if (!flushing_.exchange(true)) {
      asio::post(pool_, [this] {
        if (Result<int64_t> written = pulls_.Flush(store_); !written) {
          telemetry::LogWarn("recording pull times failed", {{"error", written.error().message()}});
        }
        flushing_ = false;
      });
    }
    ScheduleFlush();
  });
}

}  // namespace berth::server
