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

TEST(Log, EscapesJson) {
  std::string out;
  AppendJsonString(out, "a\"b\\c\n\x01");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\"");
}

}  // namespace
}  // namespace berth::telemetry
