#include "telemetry/metrics.h"

#include <cstdio>

namespace berth::telemetry {
namespace {

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void Metrics::ObserveRequest(std::string_view route, std::string_view method, int status,
                             uint64_t bytes_in, uint64_t bytes_out, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[RequestKey{route, method, status}];
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) ++h.buckets[i];
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
    std::string label = "route=\"" + std::string(route) + "\"";
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      out += "berth_http_request_duration_seconds_bucket{" + label + ",le=\"" +
             FormatDouble(kLatencyBuckets[i]) + "\"} " + std::to_string(h.buckets[i]) + "\n";
    }
    out += "berth_http_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " +
           std::to_string(h.count) + "\n";
    out += "berth_http_request_duration_seconds_sum{" + label + "} " + FormatDouble(h.sum) + "\n";
    out += "berth_http_request_duration_seconds_count{" + label + "} " + std::to_string(h.count) + "\n";
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
  for (const Callback& g : callbacks_) {
    out += "# HELP " + g.name + " " + g.help + "\n# TYPE " + g.name + " " + g.type + "\n" + g.name +
           (g.labels.empty() ? "" : "{" + g.labels + "}") + " " + FormatDouble(g.read()) + "\n";
  }
  return out;
}

}  // namespace berth::telemetry
