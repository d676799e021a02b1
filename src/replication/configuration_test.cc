#include "replication/configuration.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace berth::replication {
namespace {

namespace json = boost::json;

Result<Configuration> Parse(std::string_view text) { return ParseConfiguration(json::parse(text).as_object()); }

TEST(ReplicationConfiguration, MatchesByPrefixAndEveryRepositoryWithoutFilters) {
  Result<Configuration> c = Parse(R"({"rules":[
    {"destinations":[{"region":"us-west-2","registryId":"111111111111"}],
     "repositoryFilters":[{"filter":"prod","filterType":"PREFIX_MATCH"},{"filter":"team/a","filterType":"PREFIX_MATCH"}]},
    {"destinations":[{"region":"eu-west-1","registryId":"222222222222"}]}
  ]})");
  ASSERT_TRUE(c.has_value()) << c.error().message();
  EXPECT_EQ(DestinationsFor(*c, "prod/web"),
            (std::vector<std::string>{"eu-west-1/222222222222", "us-west-2/111111111111"}));
  EXPECT_EQ(DestinationsFor(*c, "team/b"), (std::vector<std::string>{"eu-west-1/222222222222"}));
  c->rules.pop_back();
  EXPECT_TRUE(DestinationsFor(*c, "dev/web").empty());
  EXPECT_EQ(DestinationsFor(*c, "team/app"), (std::vector<std::string>{"us-west-2/111111111111"}));
  EXPECT_EQ(AllDestinations(*c).size(), 1u);
}

TEST(ReplicationConfiguration, RoundTripsThroughItsJson) {
  const std::string text =
      R"({"rules":[{"destinations":[{"region":"us-west-2","registryId":"111111111111"}],"repositoryFilters":[{"filter":"prod","filterType":"PREFIX_MATCH"}]},{"destinations":[]}]})";
  Result<Configuration> c = Parse(text);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(json::serialize(ConfigurationJson(*c)), text);
  EXPECT_EQ(json::serialize(ConfigurationJson(*Parse(R"({"rules":[]})"))), R"({"rules":[]})");
}

TEST(ReplicationConfiguration, RefusesWhatEcrRefuses) {
  std::string many = R"({"rules":[{"destinations":[)";
  for (int i = 0; i < 26; ++i) {
    many += std::string(i ? "," : "") + R"({"region":"r)" + std::to_string(i) + R"(","registryId":"111111111111"})";
  }
  many += "]}]}";
  Result<Configuration> c = Parse(many);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().reason(), "InvalidParameterException");
  EXPECT_FALSE(Parse(R"({"rules":[{"destinations":[],"repositoryFilters":[{"filter":"ab","filterType":"SUFFIX"}]}]})"));
  EXPECT_FALSE(Parse(R"({})"));
}

}  // namespace
}  // namespace berth::replication
