#include "telemetry/metrics.h"

#include <cstdio>
#include <set>

namespace berth::telemetry {
namespace {

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// One histogram's series: cumulative buckets, +Inf, sum and count, under `labels` (may be empty).
void AppendHistogram(std::string& out, std::string_view name, std::string_view labels,
                     const std::array<uint64_t, LatencyHistogram::kBuckets.size()>& cumulative, uint64_t count,
                     double sum) {
  const std::string prefix = std::string(labels) + (labels.empty() ? "" : ",");
  for (size_t i = 0; i < cumulative.size(); ++i) {
    out += std::string(name) + "_bucket{" + prefix + "le=\"" + FormatDouble(LatencyHistogram::kBuckets[i]) +
           "\"} " + std::to_string(cumulative[i]) + "\n";
  }
  out += std::string(name) + "_bucket{" + prefix + "le=\"+Inf\"} " + std::to_string(count) + "\n";
  const std::string braced = labels.empty() ? "" : "{" + std::string(labels) + "}";
  out += std::string(name) + "_sum" + braced + " " + FormatDouble(sum) + "\n";
  out += std::string(name) + "_count" + braced + " " + std::to_string(count) + "\n";
}

}  // namespace

void Metrics::ObserveRequest(std::string_view route, std::string_view method, int status,
                             uint64_t bytes_in, uint64_t bytes_out, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[RequestKey{route, method, status}];
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) ++h.cumulative[i];
  }
  ++h.count;
  h.sum += seconds;
  bytes_in_ += bytes_in;
  bytes_out_ += bytes_out;
}

void Metrics::AddGaugeCallback(std::string name, std::string help, std::function<double()> read,
                               std::string labels) {
  std::lock_guard lock(mu_);
  callbacks_.push_back(Callback{std::move(name), std::move(help), std::move(read), std::move(labels)});
}

void Metrics::AddCounterCallback(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mu_);
  callbacks_.push_back(Callback{std::move(name), std::move(help), std::move(read), "", "counter"});
}

void Metrics::AddHistogram(std::string name, std::string help, const LatencyHistogram& histogram,
                           std::string labels) {
  std::lock_guard lock(mu_);
  histograms_.push_back(ExternalHistogram{std::move(name), std::move(help), &histogram, std::move(labels)});
}

std::string Metrics::Render() const {
  std::string out;
  out.reserve(8192);
  std::lock_guard lock(mu_);
  out += "# HELP berth_http_requests_total HTTP requests by route, method and status.\n"
         "# TYPE berth_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [route, method, status] = key;
    out += "berth_http_requests_total{route=\"" + std::string(route) + "\",method=\"" +
           std::string(method) + "\",status=\"" + std::to_string(status) + "\"} " +
           std::to_string(count) + "\n";
  }
  out += "# HELP berth_http_request_duration_seconds Time from request headers to response end.\n"
         "# TYPE berth_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    AppendHistogram(out, "berth_http_request_duration_seconds", "route=\"" + std::string(route) + "\"",
                    h.cumulative, h.count, h.sum);
  }
  out += "# HELP berth_http_request_bytes_total Request body bytes received.\n"
         "# TYPE berth_http_request_bytes_total counter\n"
         "berth_http_request_bytes_total " + std::to_string(bytes_in_) + "\n";
  out += "# HELP berth_http_response_bytes_total Response body bytes sent.\n"
         "# TYPE berth_http_response_bytes_total counter\n"
         "berth_http_response_bytes_total " + std::to_string(bytes_out_) + "\n";
  out += "# HELP berth_http_connections Open client connections.\n"
         "# TYPE berth_http_connections gauge\n"
         "berth_http_connections " + std::to_string(connections_.load()) + "\n";
  out += "# HELP berth_uploads_streaming Upload requests currently streaming bytes.\n"
         "# TYPE berth_uploads_streaming gauge\n"
         "berth_uploads_streaming " + std::to_string(uploads_active_.load()) + "\n";
  out += "# HELP berth_bug_total Requests that ended in an unexpected exception.\n"
         "# TYPE berth_bug_total counter\n"
         "berth_bug_total " + std::to_string(bugs_.load()) + "\n";
  // A family's HELP and TYPE come once, before all its series (the exposition format's rule):
  // several entries may share a name, with different labels.
  std::set<std::string_view> rendered;
  for (const Callback& first : callbacks_) {
    if (!rendered.insert(first.name).second) continue;
    out += "# HELP " + first.name + " " + first.help + "\n# TYPE " + first.name + " " + first.type + "\n";
    for (const Callback& g : callbacks_) {
      if (g.name != first.name) continue;
      out += g.name + (g.labels.empty() ? "" : "{" + g.labels + "}") + " " + FormatDouble(g.read()) + "\n";
    }
  }
  for (const ExternalHistogram& first : histograms_) {
    if (!rendered.insert(first.name).second) continue;
    out += "# HELP " + first.name + " " + first.help + "\n# TYPE " + first.name + " histogram\n";
    for (const ExternalHistogram& h : histograms_) {
      if (h.name != first.name) continue;
      const LatencyHistogram::Counts counts = h.histogram->Read();
      AppendHistogram(out, h.name, h.labels, counts.cumulative, counts.count, counts.sum);
    }
  }
  return out;
}

}  // namespace berth::telemetry
