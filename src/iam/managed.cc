#include "iam/managed.h"

#include <array>

namespace berth::iam {
namespace {

constexpr std::array<AwsManagedPolicy, 4> kPolicies = {{
    {"AmazonEC2ContainerRegistryReadOnly", "ANPAJFLQ5GHF4A2IWW2L2",
     "Provides read-only access to Amazon EC2 Container Registry repositories.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:GetAuthorizationToken",)"
     R"("ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:GetRepositoryPolicy",)"
     R"("ecr:DescribeRepositories","ecr:ListImages","ecr:DescribeImages","ecr:BatchGetImage",)"
     R"("ecr:GetLifecyclePolicy","ecr:GetLifecyclePolicyPreview","ecr:ListTagsForResource",)"
     R"("ecr:DescribeImageScanFindings"],"Resource":"*"}]})"},
    {"AmazonEC2ContainerRegistryPowerUser", "ANPAJDNE5PIHROIBGGDDW",
     "Provides full access to Amazon EC2 Container Registry repositories, but does not allow repository "
     "deletion or policy changes.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:GetAuthorizationToken",)"
     R"("ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:GetRepositoryPolicy",)"
     R"("ecr:DescribeRepositories","ecr:ListImages","ecr:DescribeImages","ecr:BatchGetImage",)"
     R"("ecr:GetLifecyclePolicy","ecr:GetLifecyclePolicyPreview","ecr:ListTagsForResource",)"
     R"("ecr:DescribeImageScanFindings","ecr:InitiateLayerUpload","ecr:UploadLayerPart",)"
     R"("ecr:CompleteLayerUpload","ecr:PutImage"],"Resource":"*"}]})"},
    {"AmazonEC2ContainerRegistryFullAccess", "ANPAIESRL7KD7IIVF6V4W",
     "Provides administrative access to Amazon ECR resources.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:*",)"
     R"("cloudtrail:LookupEvents"],"Resource":"*"}]})"},
    {"AmazonEC2ContainerRegistryPullOnly", "ANPAZKAPJZG4KRPXF7EXZ",
     "Provides permissions to pull images from Amazon ECR, and to import them through a pull through cache.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:GetAuthorizationToken",)"
     R"("ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:BatchGetImage",)"
     R"("ecr:BatchImportUpstreamImage"],"Resource":"*"}]})"},
}};

}  // namespace

std::span<const AwsManagedPolicy> AwsManagedPolicies() { return kPolicies; }

}  // namespace berth::iam
