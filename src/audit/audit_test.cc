#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "audit/event.h"
#include "audit/lookup.h"
#include "audit/trail.h"

namespace berth::audit {
namespace {

namespace json = boost::json;

// A record's parts, owned here, and the Event that views them.
struct Sample {
  Sample(int64_t ms, std::string name, const std::string& user)
      : time_ms(ms),
        name(std::move(name)),
        type(user == "root" ? "Root" : "IAMUser"),
        arn("arn:aws:iam::123456789012:user/" + user),
        key("AKIA" + user),
        user_name(user == "root" ? "" : user) {}
  Event event() const {
    return Event{.time_ms = time_ms, .source = "ecr.amazonaws.com", .name = name, .region = "us-east-1",
                 .source_ip = "127.0.0.1", .user_agent = user_agent,
                 .identity = {.type = type, .principal_id = "AIDA1", .arn = arn, .access_key_id = key,
                              .user_name = user_name},
                 .request_parameters = &request, .response_elements = response ? &*response : nullptr,
                 .error_code = error_code, .error_message = error_message, .request_id = "r1",
                 .read_only = read_only, .resources = std::span(&resource, 1)};
  }
  int64_t time_ms;
  std::string name, type, arn, key, user_name, user_agent, error_code, error_message;
  json::object request{{"repositoryName", "team/app"}};
  std::optional<json::object> response;
  bool read_only = false;
  Resource resource{.type = "AWS::ECR::Repository", .arn = "arn:aws:ecr:us-east-1:123456789012:repository/team/app"};
};

TEST(Event, IsCloudTrailShapedAndKeepsNoSecret) {
  Sample e(1796083200123, "CreateAccessKey", "alice");
  e.request["secretAccessKey"] = "s3cret";
  e.request["layerPartBlob"] = "AAAA";
  e.response = json::object{{"authorizationData", json::array{json::object{{"authorizationToken", "t0k"}}}}};
  e.error_code = "AccessDenied";
  e.error_message = "no";
  const std::string line = ToJson(e.event(), "123456789012");
  EXPECT_EQ(line.find("s3cret"), std::string::npos);
  EXPECT_EQ(line.find("AAAA"), std::string::npos);
  EXPECT_EQ(line.find("t0k"), std::string::npos);
  json::object r = json::parse(line).as_object();
  EXPECT_EQ(r.at("eventTime").as_string(), "2026-12-01T00:00:00Z");
  EXPECT_EQ(r.at("eventName").as_string(), "CreateAccessKey");
  EXPECT_EQ(r.at("userIdentity").at("accessKeyId").as_string(), "AKIAalice");
  EXPECT_EQ(r.at("errorCode").as_string(), "AccessDenied");
  EXPECT_EQ(r.at("requestParameters").at("repositoryName").as_string(), "team/app");
  EXPECT_EQ(r.at("eventID").as_string().size(), 36u);
}

// The line is written directly, not through Boost.JSON: it must be exactly what serializing the
// same record as objects gives, escapes included.
TEST(Event, WritesWhatBoostJsonWould) {
  Sample e(1796083200123, "BatchGetImage", "alice");
  e.user_agent = std::string("quote\" backslash\\ newline\n tab\t bell\x07 del\x7f caf\xc3\xa9 ") + std::string(1, '\0');
  e.request["imageTag"] = "v1";
  e.request["nested"] = json::object{{"token", "x"}, {"n", 3}, {"list", json::array{1, "a\"b", json::object{{"password", "p"}, {"ok", true}}}}};
  e.request["big"] = std::string(3000, 'b');
  e.response = json::object{{"imageDigest", "sha256:0"}, {"half", 0.5}};
  e.read_only = true;
  const std::string line = ToJson(e.event(), "123456789012");
  const std::string event_id(json::parse(line).at("eventID").as_string());

  json::object identity{{"type", "IAMUser"}, {"principalId", "AIDA1"}, {"arn", "arn:aws:iam::123456789012:user/alice"},
                        {"accountId", "123456789012"}, {"accessKeyId", "AKIAalice"}, {"userName", "alice"}};
  json::object expected{{"eventVersion", "1.08"}, {"userIdentity", identity}, {"eventTime", "2026-12-01T00:00:00Z"},
                        {"eventSource", "ecr.amazonaws.com"}, {"eventName", "BatchGetImage"}, {"awsRegion", "us-east-1"},
                        {"sourceIPAddress", "127.0.0.1"}, {"userAgent", e.user_agent}};
  expected["requestParameters"] = json::object{
      {"repositoryName", "team/app"}, {"imageTag", "v1"},
      {"nested", json::object{{"n", 3}, {"list", json::array{1, "a\"b", json::object{{"ok", true}}}}}},
      {"big", "(3000 bytes)"}};
  expected["responseElements"] = json::object{{"imageDigest", "sha256:0"}, {"half", 0.5}};
  expected["resources"] = json::array{json::object{{"type", "AWS::ECR::Repository"},
                                                   {"ARN", "arn:aws:ecr:us-east-1:123456789012:repository/team/app"},
                                                   {"accountId", "123456789012"}}};
  expected["requestID"] = "r1";
  expected["eventID"] = event_id;
  expected["readOnly"] = true;
  expected["eventType"] = "AwsApiCall";
  expected["managementEvent"] = true;
  expected["recipientAccountId"] = "123456789012";
  expected["eventTimeMs"] = 1796083200123;
  EXPECT_EQ(line, json::serialize(expected));

  // Nothing kept of the parameters: null, as before.
  Sample bare(1, "GetAuthorizationToken", "root");
  bare.request = json::object{{"authorizationToken", "t"}};
  EXPECT_TRUE(json::parse(ToJson(bare.event(), "123456789012")).at("requestParameters").is_null());
  EXPECT_EQ(json::parse(ToJson(bare.event(), "123456789012")).at("userIdentity").as_object().count("userName"), 0u);
}

// The data plane's parameters (views, no object per pull) are written as the same object would
// be, with the same filter and summary.
TEST(Event, ParametersAreWrittenAsTheirObjectWouldBe) {
  Sample as_object(1796083200123, "BatchGetImage", "alice");
  const std::string big(3000, 'b');
  const std::string_view odd = "a\"b\\c\x01";
  as_object.request = json::object{{"repositoryName", "team/app"}, {"imageTag", odd}, {"big", big}};
  Event as_parameters = as_object.event();
  const Parameter parameters[] = {{.key = "repositoryName", .value = "team/app"}, {.key = "imageTag", .value = odd},
                                  {.key = "accessToken", .value = "t0k"}, {.key = "big", .value = big}};
  as_parameters.parameters = parameters;
  as_parameters.request_parameters = nullptr;
  json::value a = json::parse(ToJson(as_object.event(), "123456789012"));
  json::value b = json::parse(ToJson(as_parameters, "123456789012"));
  EXPECT_EQ(json::serialize(a.at("requestParameters")), json::serialize(b.at("requestParameters")));
  EXPECT_EQ(b.at("requestParameters").at("big").as_string(), "(3000 bytes)");
  EXPECT_EQ(ToJson(as_parameters, "123456789012").find("t0k"), std::string::npos);

  const Parameter secret_only[] = {{.key = "authorizationToken", .value = "t"}};
  as_parameters.parameters = secret_only;
  EXPECT_TRUE(json::parse(ToJson(as_parameters, "123456789012")).at("requestParameters").is_null());
}

// Each word that names a secret, anywhere in a member's name and in any case, leaves the member
// out; names that only come close are kept.
TEST(Event, EveryWordNamingASecretIsLeftOutInAnyCase) {
  Sample e(1796083200123, "BatchGetImage", "alice");
  const Parameter parameters[] = {
      {.key = "clientSecret", .value = "v1"},     {.key = "PASSWORD", .value = "v2"},
      {.key = "sessionToken", .value = "v3"},     {.key = "proxyAuthorization", .value = "v4"},
      {.key = "layerPartBlob", .value = "v5"},    {.key = "X-Amz-Signature", .value = "v6"},
      {.key = "downloadUrl", .value = "v7"},      {.key = "secre", .value = "kept1"},
      {.key = "tokens-of-esteem", .value = "v8"}, {.key = "signatur", .value = "kept2"},
      {.key = "layerDigest", .value = "kept3"},   {.key = "s", .value = "kept4"}};
  Event event = e.event();
  event.parameters = parameters;
  const std::string line = ToJson(event, "123456789012");
  for (const char* secret : {"v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8"}) {
    EXPECT_EQ(line.find(std::string("\"") + secret + "\""), std::string::npos) << secret;
  }
  EXPECT_EQ(json::serialize(json::parse(line).at("requestParameters")),
            R"({"secre":"kept1","signatur":"kept2","layerDigest":"kept3","s":"kept4"})");
}

// Values that each take the most an escape can (six bytes per byte), in every member, read back
// whole, after what the line buffer held before.
TEST(Event, ValuesOfNothingButEscapesReadBackWhole) {
  const std::string worst(300, '\x01');
  const Parameter parameters[] = {{.key = worst, .value = worst}};
  const Resource resources[] = {{.type = worst, .arn = worst}, {.type = worst, .arn = worst}};
  Event e{.time_ms = 1796083200123, .source = worst, .name = worst, .region = worst, .source_ip = worst,
          .user_agent = worst,
          .identity = {.type = worst, .principal_id = worst, .arn = worst, .access_key_id = worst, .user_name = worst},
          .parameters = parameters, .error_code = worst, .error_message = worst, .request_id = worst,
          .resources = resources};
  std::string out = "previous line\n";
  AppendJson(e, worst, out);
  json::object r = json::parse(std::string_view(out).substr(14)).as_object();
  EXPECT_EQ(r.at("userIdentity").at("userName").as_string(), worst);
  EXPECT_EQ(r.at("requestParameters").at(worst).as_string(), worst);
  EXPECT_EQ(r.at("resources").at(1).at("accountId").as_string(), worst);
  EXPECT_EQ(r.at("recipientAccountId").as_string(), worst);
  EXPECT_EQ(out.substr(0, 14), "previous line\n");
}

class TrailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("berth-audit-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(TrailTest, WritesRotatesAndLooksUpNewestFirst) {
  auto trail = *Trail::Open(TrailOptions{.dir = dir_.string(), .max_file_bytes = 4096, .keep_files = 3});
  for (int i = 0; i < 40; ++i) {
    trail->Record(ToJson(Sample(1000 + i, i % 2 == 0 ? "PutImage" : "BatchGetImage", i % 4 == 0 ? "root" : "alice")
                             .event(),
                         "123456789012"));
    trail->Flush();  // one record per batch, so rotation is at the same records every run
  }
  EXPECT_EQ(trail->written(), 40u);
  std::vector<std::string> files = trail->Files();
  EXPECT_EQ(files.size(), 4u);  // three rotated and the current one
  // Rotation dropped the oldest records; what is left is whole lines.
  Result<LookupResult> all = Lookup(files, LookupQuery{});
  ASSERT_TRUE(all);
  ASSERT_FALSE(all->events.empty());
  EXPECT_LT(all->events.size(), 41u);
  EXPECT_EQ(all->events.front().at("eventTimeMs").as_int64(), 1039);

  LookupQuery puts{.attribute_key = "EventName", .attribute_value = "PutImage", .start_ms = 1030,
                   .end_ms = std::nullopt, .max_results = 2, .next_token = ""};
  Result<LookupResult> page1 = Lookup(files, puts);
  ASSERT_TRUE(page1);
  ASSERT_EQ(page1->events.size(), 2u);
  EXPECT_EQ(page1->events[0].at("eventTimeMs").as_int64(), 1038);
  EXPECT_EQ(page1->events[1].at("eventTimeMs").as_int64(), 1036);
  ASSERT_FALSE(page1->next_token.empty());
  puts.next_token = page1->next_token;
  Result<LookupResult> page2 = Lookup(files, puts);
  ASSERT_TRUE(page2);
  ASSERT_EQ(page2->events.size(), 2u);
  EXPECT_EQ(page2->events[0].at("eventTimeMs").as_int64(), 1034);
  puts.next_token = page2->next_token;
  Result<LookupResult> page3 = Lookup(files, puts);
  ASSERT_EQ(page3->events.size(), 1u);  // 1030 (1032 is root's, a PutImage too)
  EXPECT_TRUE(page3->next_token.empty() || page3->events.size() == 1u);

  Result<LookupResult> root = Lookup(files, LookupQuery{.attribute_key = "Username", .attribute_value = "root"});
  ASSERT_TRUE(root);
  for (const json::object& r : root->events) EXPECT_EQ(r.at("userIdentity").at("type").as_string(), "Root");
  Result<LookupResult> by_repo =
      Lookup(files, LookupQuery{.attribute_key = "ResourceName", .attribute_value = "team/app"});
  EXPECT_EQ(by_repo->events.size(), std::min<size_t>(50, all->events.size()));
  EXPECT_FALSE(Lookup(files, LookupQuery{.attribute_key = "Colour", .attribute_value = "red"}));
  EXPECT_FALSE(Lookup(files, LookupQuery{.next_token = "garbage"}));
}

TEST_F(TrailTest, ATornLastLineIsSkipped) {
  {
    auto trail = *Trail::Open(TrailOptions{.dir = dir_.string()});
    trail->Record(ToJson(Sample(1, "PutImage", "alice").event(), "123456789012"));
  }
  std::ofstream(dir_ / "audit.log", std::ios::app) << "{\"eventName\":\"Put";
  auto trail = *Trail::Open(TrailOptions{.dir = dir_.string()});
  Result<LookupResult> r = Lookup(trail->Files(), LookupQuery{});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->events.size(), 1u);
}

// Whatever the sizes of records and batches, across restarts (appending to the file left) and
// rotations, the files read back as exactly the records written, in order.
TEST_F(TrailTest, EveryBatchReadsBackByteForByteAcrossRestartsAndRotations) {
  const TrailOptions options{.dir = dir_.string(), .max_file_bytes = 64 << 10, .keep_files = 1000};
  std::string expected;
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1103515245 + 12345, (seed >> 8) & 0xffff; };
  for (int life = 0; life < 3; ++life) {
    auto trail = *Trail::Open(options);
    for (int i = 0; i < 300; ++i) {
      // From a few bytes to a few disk blocks.
      const size_t size = 1 + next() % (next() % 4 == 0 ? 9000 : 300);
      std::string record(size, static_cast<char>('a' + (i + life) % 26));
      record.front() = '{';
      record += std::to_string(life) + "/" + std::to_string(i);
      trail->Record(record);
      expected += record + "\n";
      if (next() % 5 == 0) trail->Flush();
    }
  }  // each life ends with its trail's destructor, which writes what is queued
  std::string read;
  auto trail = *Trail::Open(options);
  const std::vector<std::string> files = trail->Files();
  EXPECT_GT(files.size(), 3u);
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    read.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_EQ(read.size(), expected.size());
  EXPECT_TRUE(read == expected);
}

}  // namespace
}  // namespace berth::audit
