// telemetry/latency_histogram.h
//
// A latency histogram that any thread records into without a lock, for code below the HTTP
// layer (the metadata store's writer) whose timings /metrics shows. Metrics renders it with the
// request histogram's buckets.
//
// Thread-safe. A read taken while others record may count a sample in `count` and not yet in
// its bucket or the sum: Prometheus tolerates that, and the next scrape agrees.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace berth::telemetry {

class LatencyHistogram {
 public:
  // Upper bounds in seconds, from half a millisecond (a commit without an fsync) to a minute.
  static constexpr std::array<double, 16> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  struct Counts {
    std::array<uint64_t, kBuckets.size()> cumulative{};  // samples <= each bound
    uint64_t count = 0;
    double sum = 0;
  };

  void Observe(double seconds) {
    // Each sample lands in its first bucket only (one atomic add); Read accumulates.
    size_t i = 0;
    while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
    if (i < kBuckets.size()) own_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<uint64_t>(seconds * 1e9 + 0.5), std::memory_order_relaxed);
  }

  Counts Read() const {
    Counts c;
    uint64_t running = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      running += own_[i].load(std::memory_order_relaxed);
      c.cumulative[i] = running;
    }
    c.count = count_.load(std::memory_order_relaxed);
    c.sum = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
    return c;
  }

 private:
  std::array<std::atomic<uint64_t>, kBuckets.size()> own_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};  // whole nanoseconds: an integer sum never loses small samples
};

}  // namespace berth::telemetry
