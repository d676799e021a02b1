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

#include "telemetry/latency_histogram.h"

namespace berth::telemetry {

class Metrics {
 public:
  static constexpr auto kLatencyBuckets = LatencyHistogram::kBuckets;

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
  // A histogram recorded elsewhere, which must outlive this object; several with one name and
  // different labels (`kind="change"`) render as one family, with the first one's help.
  void AddHistogram(std::string name, std::string help, const LatencyHistogram& histogram,
                    std::string labels = "");

  std::string Render() const;

 private:
  struct Histogram {
    std::array<uint64_t, kLatencyBuckets.size()> cumulative{};
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
  struct ExternalHistogram {
    std::string name, help;
    const LatencyHistogram* histogram;
    std::string labels;
  };
  std::vector<ExternalHistogram> histograms_;  // guarded by mu_
  std::atomic<int64_t> connections_{0};
  std::atomic<int64_t> uploads_active_{0};
  std::atomic<int64_t> bugs_{0};
};

}  // namespace berth::telemetry
