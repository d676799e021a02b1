// telemetry/metrics.h
//
// The process's Prometheus metrics, rendered as text exposition format at /metrics. A fixed set
// of families, named berth_<area>_<what>_<unit>; labels never carry repository names or digests,
// so the series count stays bounded.
//
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace berth::telemetry {

class Metrics {
 public:
  static constexpr std::array<double, 16> kLatencyBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  // Records one finished HTTP request. `route` and `method` must be string literals.
  void ObserveRequest(std::string_view route, std::string_view method, int status,
                      uint64_t bytes_in, uint64_t bytes_out, double seconds);

  void ConnectionOpened() { connections_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionClosed() { connections_.fetch_sub(1, std::memory_order_relaxed); }
  void UploadStarted() { uploads_active_.fetch_add(1, std::memory_order_relaxed); }
  void UploadFinished() { uploads_active_.fetch_sub(1, std::memory_order_relaxed); }
  void CountBug() { bugs_.fetch_add(1, std::memory_order_relaxed); }

  // A gauge whose value is read when metrics are rendered (e.g. upload sessions in the store),
  // with optional labels (`lease="upload-purge"`).
  void AddGaugeCallback(std::string name, std::string help, std::function<double()> read,
                        std::string labels = "");
  // The same for a counter kept elsewhere (e.g. statements sent to PostgreSQL).
  void AddCounterCallback(std::string name, std::string help, std::function<double()> read);

  std::string Render() const;

 private:
  struct Histogram {
    std::array<uint64_t, kLatencyBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  using RequestKey = std::tuple<std::string_view, std::string_view, int>;

  mutable std::mutex mu_;
  std::map<RequestKey, uint64_t> requests_;           // guarded by mu_
  std::map<std::string_view, Histogram> latency_;     // guarded by mu_
  uint64_t bytes_in_ = 0, bytes_out_ = 0;             // guarded by mu_
  struct Callback {  // a gauge or counter read when rendered
    std::string name, help;
    std::function<double()> read;
    std::string labels;
    std::string type = "gauge";
  };
  std::vector<Callback> callbacks_;  // guarded by mu_
  std::atomic<int64_t> connections_{0};
  std::atomic<int64_t> uploads_active_{0};
  std::atomic<int64_t> bugs_{0};
};

}  // namespace berth::telemetry
