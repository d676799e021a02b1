#include "api/oci/actions.h"

#include <array>

namespace berth::api::oci {
namespace {

using M = http::Method;
using E = Endpoint;

constexpr std::array<RouteAction, 20> kAll = {{
    {E::kBase, M::kGet, ""},
    {E::kBase, M::kHead, ""},
    {E::kCatalog, M::kGet, "ecr:DescribeRepositories"},
    {E::kCatalog, M::kHead, "ecr:DescribeRepositories"},
    {E::kTags, M::kGet, "ecr:ListImages"},
    {E::kTags, M::kHead, "ecr:ListImages"},
    {E::kReferrers, M::kGet, "ecr:ListImageReferrers"},
    {E::kReferrers, M::kHead, "ecr:ListImageReferrers"},
    {E::kManifest, M::kGet, "ecr:BatchGetImage"},
    {E::kManifest, M::kHead, "ecr:BatchGetImage"},
    {E::kManifest, M::kPut, "ecr:PutImage"},
    {E::kManifest, M::kDelete, "ecr:BatchDeleteImage"},
    {E::kBlob, M::kGet, "ecr:GetDownloadUrlForLayer"},
    {E::kBlob, M::kHead, "ecr:BatchCheckLayerAvailability"},
    {E::kBlob, M::kDelete, "ecr:BatchDeleteImage"},
    {E::kUploadStart, M::kPost, "ecr:InitiateLayerUpload"},
    {E::kUpload, M::kPatch, "ecr:UploadLayerPart"},
    {E::kUpload, M::kPut, "ecr:CompleteLayerUpload"},
    // Upload status and cancel are steps of the upload as well.
    {E::kUpload, M::kGet, "ecr:UploadLayerPart"},
    {E::kUpload, M::kDelete, "ecr:UploadLayerPart"},
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
