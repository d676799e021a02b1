#include "api/oci/actions.h"

#include <array>

namespace berth::api::oci {
namespace {

using M = http::Method;
using E = Endpoint;

constexpr std::array<RouteAction, 20> kAll = {{
    {E::kBase, M::kGet, "", ""},
    {E::kBase, M::kHead, "", ""},
    {E::kCatalog, M::kGet, "ecr:DescribeRepositories", "*"},
    {E::kCatalog, M::kHead, "ecr:DescribeRepositories", "*"},
    {E::kTags, M::kGet, "ecr:ListImages", "pull"},
    {E::kTags, M::kHead, "ecr:ListImages", "pull"},
    {E::kReferrers, M::kGet, "ecr:ListImageReferrers", "pull"},
    {E::kReferrers, M::kHead, "ecr:ListImageReferrers", "pull"},
    {E::kManifest, M::kGet, "ecr:BatchGetImage", "pull"},
    {E::kManifest, M::kHead, "ecr:BatchGetImage", "pull"},
    {E::kManifest, M::kPut, "ecr:PutImage", "push"},
    {E::kManifest, M::kDelete, "ecr:BatchDeleteImage", "delete"},
    {E::kBlob, M::kGet, "ecr:GetDownloadUrlForLayer", "pull"},
    {E::kBlob, M::kHead, "ecr:BatchCheckLayerAvailability", "pull"},
    {E::kBlob, M::kDelete, "ecr:BatchDeleteImage", "delete"},
    {E::kUploadStart, M::kPost, "ecr:InitiateLayerUpload", "push"},
    {E::kUpload, M::kPatch, "ecr:UploadLayerPart", "push"},
    {E::kUpload, M::kPut, "ecr:CompleteLayerUpload", "push"},
    // Upload status and cancel are steps of the upload as well (their token scopes follow
    // their methods, as they always have).
    {E::kUpload, M::kGet, "ecr:UploadLayerPart", "pull"},
    {E::kUpload, M::kDelete, "ecr:UploadLayerPart", "delete"},
}};

}  // namespace

std::span<const RouteAction> RouteActions() { return kAll; }

std::optional<RouteAction> ActionFor(Endpoint endpoint, http::Method method) {
  for (const RouteAction& r : kAll) {
    if (r.endpoint == endpoint && r.method == method) return r;
  }
  return std::nullopt;
}

}  // namespace berth::api::oci
