#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

namespace berth::aws {
namespace {

// AWS's published aws-sig-v4-test-suite: date 20150830T123600Z, key AKIDEXAMPLE, region
// us-east-1, service "service", host example.amazonaws.com.
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kDate = "20150830T123600Z";
constexpr std::string_view kScope = "20150830/us-east-1/service/aws4_request";

struct Vector {
  std::string name;
  std::string method;
  std::string target;
  std::vector<Header> extra_headers;
  std::string body;
  std::string signature;
};

std::string SignatureOf(const Vector& v, std::string* canonical = nullptr) {
  std::vector<Header> headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", std::string(kDate)}};
  headers.insert(headers.end(), v.extra_headers.begin(), v.extra_headers.end());
  std::vector<std::string> signed_headers;
  for (const Header& h : headers) {
    std::string lower;
    for (char c : h.name) lower.push_back(static_cast<char>(std::tolower(c)));
    if (std::find(signed_headers.begin(), signed_headers.end(), lower) == signed_headers.end()) {
      signed_headers.push_back(lower);
    }
  }
  std::sort(signed_headers.begin(), signed_headers.end());
  size_t q = v.target.find('?');
  std::string_view target = v.target;
  CanonicalInput in{.method = v.method, .path = target.substr(0, q),
                    .query = q == std::string::npos ? std::string_view() : target.substr(q + 1),
                    .headers = headers, .signed_headers = signed_headers,
                    .payload_sha256_hex = HexSha256(v.body)};
  std::string creq = CanonicalRequest(in);
  if (canonical) *canonical = creq;
  return HexHmacSha256(SigningKey(kSecret, "20150830", "us-east-1", "service"),
                       StringToSign(kDate, kScope, creq));
}

TEST(SigV4, PublishedTestSuiteVectors) {
  const std::vector<Vector> vectors = {
      {"get-vanilla", "GET", "/", {}, "", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", {}, "",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-slashes", "GET", "//example//", {}, "", "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
      {"get-vanilla-query-order-key-case", "GET", "/?Param2=value2&Param1=value1", {}, "",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-order-value", "GET", "/?Param1=value2&Param1=value1", {}, "",
       "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"},
      {"get-header-value-order", "GET", "/",
       {{"My-Header1", "value4"}, {"My-Header1", "value1"}, {"My-Header1", "value3"}, {"My-Header1", "value2"}}, "",
       "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
      {"get-header-key-duplicate", "GET", "/",
       {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}, "",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-trim", "GET", "/", {{"My-Header1", " value1"}, {"My-Header2", "\"a   b   c\""}}, "",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"post-x-www-form-urlencoded", "POST", "/", {{"Content-Type", "application/x-www-form-urlencoded"}},
       "Param1=value1", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
  };
  for (const Vector& v : vectors) EXPECT_EQ(SignatureOf(v), v.signature) << v.name;
}

TEST(SigV4, CanonicalRequestOfGetVanilla) {
  std::string creq;
  SignatureOf({"get-vanilla", "GET", "/", {}, "", ""}, &creq);
  EXPECT_EQ(creq,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SigV4, ParsesAuthorizationHeaders) {
  Result<ParsedAuthorization> a = ParseAuthorization(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ecr/aws4_request, "
      "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + std::string(64, 'a'));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(a->service, "ecr");
  EXPECT_EQ(a->signed_headers, (std::vector<std::string>{"host", "x-amz-date", "x-amz-target"}));
  for (const std::string& bad : std::vector<std::string>{"Basic abc", "AWS4-HMAC-SHA256 Credential=AK/2015/us-east-1/ecr/aws4_request",
                          "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=" + std::string(64, 'a')}) {
    Result<ParsedAuthorization> r = ParseAuthorization(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().reason(), "IncompleteSignatureException");
  }
}

class VerifyTest : public ::testing::Test {
 protected:
  VerifyRequest Signed(std::string body, std::string region = "us-east-1", std::string service = "ecr",
                       std::string secret = std::string(kSecret),
                       std::vector<std::string> signed_headers = {"content-type", "host", "x-amz-date", "x-amz-target"}) {
    body_ = std::move(body);
    headers_ = {{"Host", "127.0.0.1:5000"}, {"X-Amz-Date", AmzDate(now_)},
                {"X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories"},
                {"Content-Type", "application/x-amz-json-1.1"}};
    std::string date = AmzDate(now_).substr(0, 8);
    CanonicalInput in{.method = "POST", .path = "/", .query = "", .headers = headers_,
                      .signed_headers = signed_headers, .payload_sha256_hex = HexSha256(body_)};
    std::string scope = date + "/" + region + "/" + service + "/aws4_request";
    std::string sig = HexHmacSha256(SigningKey(secret, date, region, service),
                                    StringToSign(AmzDate(now_), scope, CanonicalRequest(in)));
    std::string joined;
    for (const std::string& h : signed_headers) joined += (joined.empty() ? "" : ";") + h;
    headers_.push_back({"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + scope +
                                             ", SignedHeaders=" + joined + ", Signature=" + sig});
    return VerifyRequest{.method = "POST", .path = "/", .query = "", .header = Lookup(), .body = body_};
  }
  // Looks headers up in headers_ as they are when the lookup runs, joining repeated ones.
  HeaderLookup Lookup() {
    return [this](std::string_view name) -> std::optional<std::string> {
      std::optional<std::string> joined;
      for (const Header& h : headers_) {
        std::string lower = h.name;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == name) joined = joined ? *joined + "," + h.value : h.value;
      }
      return joined;
    };
  }
  Result<Verified> Check(VerifyRequest r, std::chrono::seconds clock_offset = std::chrono::seconds(0)) {
    VerifyPolicy policy{.region = "us-east-1", .service = "ecr",
                        .required_signed_headers = {"host", "x-amz-date", "x-amz-target"}};
    return Verify(r, policy, [](std::string_view id) -> std::optional<std::string> {
      if (id == "AKIDEXAMPLE") return std::string(kSecret);
      return std::nullopt;
    }, now_ + clock_offset);
  }
  std::chrono::system_clock::time_point now_ = std::chrono::system_clock::from_time_t(1700000000);
  std::string body_;
  std::vector<Header> headers_;
};

TEST_F(VerifyTest, AcceptsACorrectSignature) {
  Result<Verified> v = Check(Signed("{}"));
  ASSERT_TRUE(v.has_value()) << v.error().message();
  EXPECT_EQ(v->access_key_id, "AKIDEXAMPLE");
}

TEST_F(VerifyTest, RefusesTamperingAndWrongScopes) {
  VerifyRequest tampered = Signed("{}");
  tampered.body = "{\"x\":1}";
  EXPECT_EQ(Check(tampered).error().reason(), "InvalidSignatureException");
  EXPECT_EQ(Check(Signed("{}", "us-east-1", "ecr", "wrong-secret")).error().reason(), "InvalidSignatureException");
  EXPECT_EQ(Check(Signed("{}", "eu-west-1")).error().reason(), "InvalidSignatureException");
  EXPECT_EQ(Check(Signed("{}", "us-east-1", "s3")).error().reason(), "InvalidSignatureException");
  EXPECT_EQ(Check(Signed("{}", "us-east-1", "ecr", std::string(kSecret), {"host", "x-amz-date"})).error().reason(),
            "IncompleteSignatureException");
}

TEST_F(VerifyTest, AllowsFifteenMinutesOfSkewEitherWay) {
  EXPECT_TRUE(Check(Signed("{}"), std::chrono::seconds(14 * 60)).has_value());
  EXPECT_TRUE(Check(Signed("{}"), std::chrono::seconds(-14 * 60)).has_value());
  Result<Verified> late = Check(Signed("{}"), std::chrono::seconds(16 * 60));
  ASSERT_FALSE(late.has_value());
  EXPECT_NE(late.error().message().find("Signature expired"), std::string::npos);
  EXPECT_FALSE(Check(Signed("{}"), std::chrono::seconds(-16 * 60)).has_value());
}

TEST_F(VerifyTest, UnknownKeyIsUnrecognized) {
  VerifyRequest r = Signed("{}");
  for (Header& h : headers_) {
    if (h.name == "Authorization") {
      h.value.replace(h.value.find("AKIDEXAMPLE"), 11, "AKIDUNKNOWN");
    }
  }
  EXPECT_EQ(Check(r).error().reason(), "UnrecognizedClientException");
}

TEST_F(VerifyTest, WithoutAuthorizationTheTokenIsMissing) {
  VerifyRequest r = Signed("{}");
  std::erase_if(headers_, [](const Header& h) { return h.name == "Authorization"; });
  EXPECT_EQ(Check(r).error().reason(), "MissingAuthenticationTokenException");
}

TEST_F(VerifyTest, OnlySignedHeadersCountAndEveryValueOfOneIsSigned) {
  VerifyRequest r = Signed("{}");
  headers_.push_back({"User-Agent", "changes nothing"});
  EXPECT_TRUE(Check(r).has_value());
  headers_.push_back({"Content-Type", "application/json"});  // a second value of a signed header
  EXPECT_EQ(Check(r).error().reason(), "InvalidSignatureException");
}

// AWS's S3 SigV4 documentation examples ("Signature Calculations for the Authorization Header"
// and "Authenticating Requests: Using Query Parameters").
const SigningKeyInfo kS3ExampleKey{.access_key_id = "AKIAIOSFODNN7EXAMPLE",
                                   .secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                   .region = "us-east-1", .service = "s3"};
const auto kS3ExampleTime = std::chrono::system_clock::from_time_t(1369353600);  // 20130524T000000Z

TEST(SigV4, SignsS3GetObjectExample) {
  OutgoingRequest r{.method = "GET", .path = "/test.txt", .query = "",
                    .headers = {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}},
                    .payload_sha256_hex = HexSha256("")};
  EXPECT_EQ(SignRequest(r, kS3ExampleKey, kS3ExampleTime),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, PresignsS3Example) {
  EXPECT_EQ(PresignQuery("GET", "examplebucket.s3.amazonaws.com", "/test.txt", kS3ExampleKey,
                         std::chrono::seconds(86400), kS3ExampleTime),
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
            "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
            "X-Amz-SignedHeaders=host&X-Amz-Signature="
            "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4, WhatItSignsVerifies) {
  SigningKeyInfo key{.access_key_id = "AK", .secret_access_key = "s", .region = "eu-west-1",
                     .service = "ecr"};
  const auto now = std::chrono::system_clock::from_time_t(1700000000);
  OutgoingRequest r{.method = "POST", .path = "/", .query = "a=1",
                    .headers = {{"host", "h:1"}, {"x-amz-target", "T"}},
                    .payload_sha256_hex = HexSha256("{}")};
  std::string authorization = SignRequest(r, key, now);
  auto header = [&](std::string_view name) -> std::optional<std::string> {
    if (name == "authorization") return authorization;
    for (const Header& h : r.headers) {
      if (h.name == name) return h.value;
    }
    return std::nullopt;
  };
  Result<Verified> v = Verify({.method = "POST", .path = "/", .query = "a=1", .header = header, .body = "{}"},
                              {.region = "eu-west-1", .service = "ecr", .required_signed_headers = {"host"}},
                              [](std::string_view) { return std::optional<std::string>("s"); }, now);
  ASSERT_TRUE(v.has_value()) << v.error().message();
  EXPECT_EQ(v->access_key_id, "AK");
}

TEST(AmzDate, RoundTrips) {
  auto t = std::chrono::system_clock::from_time_t(1440938160);
  EXPECT_EQ(AmzDate(t), "20150830T123600Z");
  EXPECT_EQ(ParseAmzDate("20150830T123600Z"), t);
  EXPECT_FALSE(ParseAmzDate("2015-08-30T12:36:00Z").has_value());
}

}  // namespace
}  // namespace berth::aws
