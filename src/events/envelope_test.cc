#include "events/envelope.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace berth::events {
namespace {

namespace json = boost::json;

const Registry kRegistry{.account = "123456789012", .region = "eu-west-1"};

TEST(Envelope, HasEventBridgeFieldsAndTheDetailAsAnObject) {
  meta::EventRecord e{.seq = 7, .time = 1700000000, .detail_type = std::string(meta::kImageScan),
                      .repository = "team/app", .detail = R"({"scan-status":"COMPLETE"})"};
  const json::object o = json::parse(Envelope(kRegistry, e)).as_object();
  EXPECT_EQ(o.at("version"), "0");
  EXPECT_EQ(o.at("source"), "aws.ecr");
  EXPECT_EQ(o.at("detail-type"), "ECR Image Scan");
  EXPECT_EQ(o.at("account"), "123456789012");
  EXPECT_EQ(o.at("region"), "eu-west-1");
  EXPECT_EQ(o.at("time"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(o.at("resources").as_array().at(0), "arn:aws:ecr:eu-west-1:123456789012:repository/team/app");
  EXPECT_EQ(o.at("detail").at("scan-status"), "COMPLETE");
  e.detail_type = std::string(meta::kImageAction);
  EXPECT_TRUE(json::parse(Envelope(kRegistry, e)).at("resources").as_array().empty());
}

TEST(Envelope, IdsAreStablePerEventAndDifferBetweenEvents) {
  meta::EventRecord a{.seq = 1, .time = 5, .detail_type = "ECR Image Action"};
  meta::EventRecord b = a;
  b.seq = 2;
  EXPECT_EQ(EventId(kRegistry, a), EventId(kRegistry, a));
  EXPECT_NE(EventId(kRegistry, a), EventId(kRegistry, b));
  const std::string id = EventId(kRegistry, a);
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
}

TEST(Signature, IsTheHmacOfTimeDotBody) {
  // python3 -c 'import hmac,hashlib;print(hmac.new(b"key",b"1700000000.{}",hashlib.sha256).hexdigest())'
  EXPECT_EQ(Signature("key", 1700000000, "{}"),
            "t=1700000000,v1=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae");
}

}  // namespace
}  // namespace berth::events
