#include "api/ecr/model.h"
#include "api/oci/actions.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <boost/json/parse.hpp>

namespace berth::api::ecr {
namespace {

Status Check(std::string_view op, std::string_view body) {
  return Model::Get().ValidateInput(op, boost::json::parse(body));
}

TEST(Model, KnowsTheOperations) {
  EXPECT_TRUE(Model::Get().HasOperation("CreateRepository"));
  EXPECT_TRUE(Model::Get().HasOperation("ListImageReferrers"));
  EXPECT_FALSE(Model::Get().HasOperation("MakeCoffee"));
  std::vector<std::string> modes = Model::Get().EnumValues("ImageTagMutability");
  EXPECT_NE(std::find(modes.begin(), modes.end(), "IMMUTABLE_WITH_EXCLUSION"), modes.end());
}

TEST(Model, AcceptsValidRequests) {
  EXPECT_TRUE(Check("CreateRepository", R"({"repositoryName":"team/app","imageTagMutability":"IMMUTABLE"})"));
  EXPECT_TRUE(Check("ListImages", R"({"repositoryName":"ab","maxResults":1000,"filter":{"tagStatus":"TAGGED"}})"));
  EXPECT_TRUE(Check("DescribeRegistry", "{}"));
}

TEST(DropNullMembers, NullMembersBecomeAbsentAtAnyDepth) {
  boost::json::value v = boost::json::parse(
      R"({"a":null,"b":1,"c":{"d":null,"e":[{"f":null,"g":2},null]},"h":null,"i":null})");
  DropNullMembers(v);
  EXPECT_EQ(v, boost::json::parse(R"({"b":1,"c":{"e":[{"g":2},null]}})"));
  // A required member sent as null is then reported missing, by name.
  boost::json::value required = boost::json::parse(R"({"repositoryName":null})");
  DropNullMembers(required);
  Status s = Model::Get().ValidateInput("CreateRepository", required);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message().find("repositoryName"), std::string::npos);
}

TEST(Model, NamesTheOffendingMember) {
  struct Case {
    std::string_view op, body, member;
  } cases[] = {
      {"CreateRepository", "{}", "'repositoryName'"},
      {"CreateRepository", R"({"repositoryName":"UPPER"})", "'repositoryName'"},
      {"CreateRepository", R"({"repositoryName":"a"})", "'repositoryName'"},
      {"CreateRepository", R"({"repositoryName":"ok","imageTagMutability":"SOMETIMES"})", "'imageTagMutability'"},
      {"CreateRepository", R"({"repositoryName":"ok","registryId":"12"})", "'registryId'"},
      {"ListImages", R"({"repositoryName":"ok","maxResults":0})", "'maxResults'"},
      {"ListImages", R"({"repositoryName":"ok","maxResults":1001})", "'maxResults'"},
      {"ListImages", R"({"repositoryName":"ok","maxResults":"ten"})", "'maxResults'"},
      {"BatchGetImage", R"({"repositoryName":"ok","imageIds":[]})", "'imageIds'"},
      {"CreateRepository", R"({"repositoryName":"ok","tags":[{"Key":"a"}]})", "'tags.1.member.Value'"},
  };
  for (const Case& c : cases) {
    Status s = Check(c.op, c.body);
    ASSERT_FALSE(s.has_value()) << c.body;
    EXPECT_EQ(s.error().reason(), "InvalidParameterException");
    EXPECT_NE(s.error().message().find(c.member), std::string::npos) << s.error().message();
  }
}

}  // namespace
}  // namespace berth::api::ecr

namespace berth::api::ecr {
namespace {

TEST(Model, EveryRegistryRouteActionIsAnEcrOperation) {
  for (const oci::RouteAction& r : oci::RouteActions()) {
    if (r.action.empty()) continue;
    EXPECT_TRUE(Model::Get().HasOperation(r.action.substr(4))) << r.action;
  }
  EXPECT_TRUE(Model::Get().HasOperation(oci::kCreateRepositoryAction.substr(4)));
}

}  // namespace
}  // namespace berth::api::ecr
