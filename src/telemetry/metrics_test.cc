#include "telemetry/metrics.h"

#include <gtest/gtest.h>

#include "telemetry/log.h"

namespace berth::telemetry {
namespace {

TEST(Metrics, RendersCountersAndCumulativeHistogram) {
  Metrics m;
  m.ObserveRequest("manifest", "GET", 200, 0, 500, 0.002);
  m.ObserveRequest("manifest", "GET", 200, 0, 500, 0.2);
  m.ObserveRequest("blob", "HEAD", 404, 0, 0, 0.0001);
  m.AddGaugeCallback("berth_upload_sessions", "Open sessions.", [] { return 3.0; });
  std::string text = m.Render();
  EXPECT_NE(text.find("berth_http_requests_total{route=\"manifest\",method=\"GET\",status=\"200\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("berth_http_request_duration_seconds_bucket{route=\"manifest\",le=\"0.0025\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("berth_http_request_duration_seconds_bucket{route=\"manifest\",le=\"0.25\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("berth_http_response_bytes_total 1000"), std::string::npos);
  EXPECT_NE(text.find("berth_upload_sessions 3"), std::string::npos);
}

TEST(Metrics, RendersAFamilyOnceWhateverItsLabels) {
  Metrics m;
  LatencyHistogram changes, steps;
  changes.Observe(0.0003);
  changes.Observe(0.02);
  changes.Observe(120);  // past the last bound: only +Inf counts it
  m.AddHistogram("berth_write_wait_seconds", "Waits.", changes, "kind=\"change\"");
  m.AddGaugeCallback("berth_lease_held", "Held.", [] { return 1.0; }, "lease=\"gc\"");
  m.AddHistogram("berth_write_wait_seconds", "", steps, "kind=\"step\"");
  m.AddGaugeCallback("berth_lease_held", "Held.", [] { return 0.0; }, "lease=\"scan\"");
  const std::string text = m.Render();
  auto count = [&](std::string_view needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("# TYPE berth_write_wait_seconds histogram\n"), 1u);
  EXPECT_EQ(count("# TYPE berth_lease_held gauge\n"), 1u);
  // A family's series follow its header, together.
  EXPECT_NE(text.find("# TYPE berth_lease_held gauge\nberth_lease_held{lease=\"gc\"} 1\n"
                      "berth_lease_held{lease=\"scan\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("berth_write_wait_seconds_bucket{kind=\"change\",le=\"0.0005\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("berth_write_wait_seconds_bucket{kind=\"change\",le=\"0.025\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("berth_write_wait_seconds_bucket{kind=\"change\",le=\"60\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("berth_write_wait_seconds_bucket{kind=\"change\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("berth_write_wait_seconds_count{kind=\"change\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("berth_write_wait_seconds_sum{kind=\"change\"} 120.0203\n"), std::string::npos);
  EXPECT_NE(text.find("berth_write_wait_seconds_count{kind=\"step\"} 0\n"), std::string::npos);
}

TEST(Log, EscapesJson) {
  std::string out;
  AppendJsonString(out, "a\"b\\c\n\x01");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\"");
}

}  // namespace
}  // namespace berth::telemetry
