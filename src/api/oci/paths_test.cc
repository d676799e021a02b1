#include "api/oci/paths.h"

#include <gtest/gtest.h>

namespace berth::api::oci {
namespace {

TEST(ParseRoute, RecognisesEveryEndpoint) {
  EXPECT_EQ(ParseRoute("/v2/").endpoint, Endpoint::kBase);
  EXPECT_EQ(ParseRoute("/v2").endpoint, Endpoint::kBase);
  EXPECT_EQ(ParseRoute("/v2/_catalog").endpoint, Endpoint::kCatalog);
  Route tags = ParseRoute("/v2/a/b/tags/list");
  EXPECT_EQ(tags.endpoint, Endpoint::kTags);
  EXPECT_EQ(tags.name, "a/b");
  Route m = ParseRoute("/v2/lib/manifests/x/manifests/v1");
  EXPECT_EQ(m.endpoint, Endpoint::kManifest);
  EXPECT_EQ(m.name, "lib/manifests/x");
  EXPECT_EQ(m.ref, "v1");
  Route blob = ParseRoute("/v2/a/blobs/sha256:abc");
  EXPECT_EQ(blob.endpoint, Endpoint::kBlob);
  EXPECT_EQ(blob.ref, "sha256:abc");
  EXPECT_EQ(ParseRoute("/v2/a/blobs/uploads/").endpoint, Endpoint::kUploadStart);
  EXPECT_EQ(ParseRoute("/v2/a/blobs/uploads").endpoint, Endpoint::kUploadStart);
  Route up = ParseRoute("/v2/a/b/blobs/uploads/1234-abcd");
  EXPECT_EQ(up.endpoint, Endpoint::kUpload);
  EXPECT_EQ(up.name, "a/b");
  EXPECT_EQ(up.ref, "1234-abcd");
  Route refs = ParseRoute("/v2/a/referrers/sha256:00");
  EXPECT_EQ(refs.endpoint, Endpoint::kReferrers);
  EXPECT_EQ(refs.name, "a");
}

TEST(ParseRoute, RejectsUnknownShapes) {
  EXPECT_EQ(ParseRoute("/v2/a").endpoint, Endpoint::kUnknown);
  EXPECT_EQ(ParseRoute("/v2/a/manifests/").endpoint, Endpoint::kUnknown);
  EXPECT_EQ(ParseRoute("/v2/a/manifests/x/y").endpoint, Endpoint::kUnknown);
  EXPECT_EQ(ParseRoute("/v2x").endpoint, Endpoint::kUnknown);
  EXPECT_EQ(ParseRoute("/v2//manifests/x").endpoint, Endpoint::kUnknown);
}

TEST(QueryParam, DecodesValues) {
  EXPECT_EQ(QueryParam("digest=sha256%3Aab&x=1", "digest"), "sha256:ab");
  EXPECT_EQ(QueryParam("a=1&b=2", "b"), "2");
  EXPECT_EQ(QueryParam("a", "a"), "");
  EXPECT_FALSE(QueryParam("a=1", "b").has_value());
  EXPECT_FALSE(QueryParam("a=%zz", "a").has_value());
  EXPECT_FALSE(QueryParam("a=%4", "a").has_value());
}

TEST(ParsePage, CapsAndValidatesN) {
  EXPECT_EQ(ParsePage("")->limit, kDefaultPageSize);
  EXPECT_EQ(ParsePage("n=5&last=b")->limit, 5u);
  EXPECT_EQ(ParsePage("n=5&last=b")->last, "b");
  EXPECT_EQ(ParsePage("n=0")->limit, 0u);
  EXPECT_EQ(ParsePage("n=99999999")->limit, kMaxPageSize);
  EXPECT_EQ(ParsePage("n=999999999999999999999999999")->limit, kMaxPageSize);
  EXPECT_EQ(ParsePage("n=-1").error().reason(), "PAGINATION_NUMBER_INVALID");
  EXPECT_EQ(ParsePage("n=abc").error().reason(), "PAGINATION_NUMBER_INVALID");
}

}  // namespace
}  // namespace berth::api::oci
