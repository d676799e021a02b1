// api/oci/actions.h
//
// The one table that says which IAM action each /v2/ route and method needs, as ECR maps its
// registry API: manifest GET/HEAD ecr:BatchGetImage, PUT ecr:PutImage, DELETE
// ecr:BatchDeleteImage; blob GET ecr:GetDownloadUrlForLayer, HEAD
// ecr:BatchCheckLayerAvailability; upload steps ecr:InitiateLayerUpload / UploadLayerPart /
// CompleteLayerUpload; tags ecr:ListImages; _catalog ecr:DescribeRepositories (filtered);
// referrers ecr:ListImageReferrers. The router serves only what the table lists: a method
// without a row is UNSUPPORTED, so no route escapes authorization. Each row also names the
// token scope the route needs in the Docker token flow.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "api/oci/paths.h"
#include "http/message.h"

namespace berth::api::oci {

struct RouteAction {
  Endpoint endpoint;
  http::Method method;
  // The IAM action; empty for /v2/ itself, which only tells a client its credentials work.
  std::string_view action;
  // What a bearer token must grant for it (auth/bearer.h): "pull", "push" or "delete" on the
  // repository, "*" on registry:catalog for the catalog; empty for /v2/ itself.
  std::string_view scope;
};

std::span<const RouteAction> RouteActions();
// The row for a route and method, or nullopt when the route does not serve that method.
std::optional<RouteAction> ActionFor(Endpoint endpoint, http::Method method);

// Creating a repository by pushing to it needs this too.
inline constexpr std::string_view kCreateRepositoryAction = "ecr:CreateRepository";

}  // namespace berth::api::oci
