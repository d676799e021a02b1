#include "api/oci/actions.h"

#include <gtest/gtest.h>

#include <set>

namespace berth::api::oci {
namespace {

// Every path the router parses, one per endpoint.
constexpr std::pair<std::string_view, Endpoint> kPaths[] = {
    {"/v2/", Endpoint::kBase},
    {"/v2/_catalog", Endpoint::kCatalog},
    {"/v2/a/b/tags/list", Endpoint::kTags},
    {"/v2/a/b/manifests/latest", Endpoint::kManifest},
    {"/v2/a/blobs/sha256:0123", Endpoint::kBlob},
    {"/v2/a/blobs/uploads/", Endpoint::kUploadStart},
    {"/v2/a/blobs/uploads/some-id", Endpoint::kUpload},
    {"/v2/a/referrers/sha256:0123", Endpoint::kReferrers},
};

TEST(RouteActions, EveryRouteTheRouterParsesHasAnAction) {
  std::set<Endpoint> seen;
  for (const auto& [path, endpoint] : kPaths) {
    ASSERT_EQ(ParseRoute(path).endpoint, endpoint) << path;
    seen.insert(endpoint);
    bool any = false;
    for (http::Method m : {http::Method::kGet, http::Method::kHead, http::Method::kPost, http::Method::kPut,
                           http::Method::kPatch, http::Method::kDelete, http::Method::kOther}) {
      std::optional<RouteAction> row = ActionFor(endpoint, m);
      if (!row) continue;
      any = true;
      if (endpoint != Endpoint::kBase) {
        EXPECT_TRUE(row->action.starts_with("ecr:")) << path << " " << http::MethodName(m);
      }
    }
    EXPECT_TRUE(any) << path << " serves no method";
  }
  // The walk covered every endpoint there is.
  EXPECT_EQ(seen.size(), static_cast<size_t>(Endpoint::kUnknown));
  EXPECT_FALSE(ActionFor(Endpoint::kUnknown, http::Method::kGet));
}

TEST(RouteActions, MapAsEcrDoes) {
  EXPECT_EQ(ActionFor(Endpoint::kManifest, http::Method::kGet)->action, "ecr:BatchGetImage");
  EXPECT_EQ(ActionFor(Endpoint::kManifest, http::Method::kPut)->action, "ecr:PutImage");
  EXPECT_EQ(ActionFor(Endpoint::kBlob, http::Method::kHead)->action, "ecr:BatchCheckLayerAvailability");
  EXPECT_EQ(ActionFor(Endpoint::kUpload, http::Method::kPut)->action, "ecr:CompleteLayerUpload");
  EXPECT_FALSE(ActionFor(Endpoint::kTags, http::Method::kPost));
  // One row per route and method.
  std::set<std::pair<Endpoint, http::Method>> keys;
  for (const RouteAction& r : RouteActions()) EXPECT_TRUE(keys.insert({r.endpoint, r.method}).second);
}

}  // namespace
}  // namespace berth::api::oci
