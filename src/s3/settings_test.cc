#include "s3/settings.h"

#include <gtest/gtest.h>

#include <map>

namespace berth::s3 {
namespace {

Lookup From(std::map<std::string, std::string> values) {
  return [values](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(S3Settings, ParsesLocations) {
  Location l = *ParseLocation("s3://my-bucket");
  EXPECT_EQ(l.bucket, "my-bucket");
  EXPECT_EQ(l.prefix, "");
  l = *ParseLocation("s3://my-bucket/a/b_c.d//");
  EXPECT_EQ(l.prefix, "a/b_c.d/");
  EXPECT_FALSE(ParseLocation("http://bucket").has_value());
  EXPECT_FALSE(ParseLocation("s3://ab").has_value());
  EXPECT_FALSE(ParseLocation("s3://Bucket").has_value());
  EXPECT_FALSE(ParseLocation("s3://bucket/../x").has_value());
  EXPECT_FALSE(ParseLocation("s3://bucket/a b").has_value());
}

TEST(S3Settings, ParsesEndpoints) {
  Endpoint e = *ParseEndpoint("http://127.0.0.1:9000/");
  EXPECT_FALSE(e.tls);
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 9000);
  EXPECT_EQ(e.HostHeader(), "127.0.0.1:9000");
  e = *ParseEndpoint("https://s3.example.com");
  EXPECT_TRUE(e.tls);
  EXPECT_EQ(e.port, 443);
  EXPECT_EQ(e.HostHeader(), "s3.example.com");
  e = *ParseEndpoint("http://[::1]:8080");
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.HostHeader(), "[::1]:8080");
  EXPECT_FALSE(ParseEndpoint("ftp://x").has_value());
  EXPECT_FALSE(ParseEndpoint("http://x:0").has_value());
  EXPECT_FALSE(ParseEndpoint("http://x/path").has_value());
  EXPECT_FALSE(ParseEndpoint("http://user:pw@x").has_value());
}

TEST(S3Settings, ResolvesACustomEndpointPathStyle) {
  Settings s = *Resolve("s3://bkt/reg/", From({{"AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000"},
                                               {"AWS_ENDPOINT_URL", "http://ignored:1"},
                                               {"AWS_DEFAULT_REGION", "eu-west-1"},
                                               {"AWS_ACCESS_KEY_ID", "test:tester"},
                                               {"AWS_SECRET_ACCESS_KEY", "testing"}}));
  EXPECT_TRUE(s.path_style);
  EXPECT_EQ(s.key.region, "eu-west-1");
  EXPECT_EQ(s.key.service, "s3");
  EXPECT_EQ(s.Host(), "127.0.0.1:9000");
  EXPECT_EQ(s.ObjectPath("reg/blobs/sha256/ab"), "/bkt/reg/blobs/sha256/ab");
  EXPECT_EQ(s.ObjectPath(""), "/bkt/");
}

TEST(S3Settings, DefaultsToAwsVirtualHosted) {
  Settings s = *Resolve("s3://bkt", From({{"AWS_REGION", "ap-south-1"},
                                          {"AWS_ACCESS_KEY_ID", "AK"},
                                          {"AWS_SECRET_ACCESS_KEY", "SK"}}));
  EXPECT_FALSE(s.path_style);
  EXPECT_TRUE(s.endpoint.tls);
  EXPECT_EQ(s.Host(), "bkt.s3.ap-south-1.amazonaws.com");
  EXPECT_EQ(s.ObjectPath("k"), "/k");
}

TEST(S3Settings, CredentialsAreRequired) {
  Result<Settings> s = Resolve("s3://bkt", From({{"AWS_ACCESS_KEY_ID", "AK"}}));
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

}  // namespace
}  // namespace berth::s3
