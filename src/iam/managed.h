// iam/managed.h
//
// The AWS managed policies for ECR, available in every Berth account under their usual ARNs
// (arn:aws:iam::aws:policy/<Name>), with the documents AWS publishes for them.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace berth::iam {

struct AwsManagedPolicy {
  std::string_view name;
  std::string_view id;  // the policy ID AWS gives it
  std::string_view description;
  std::string_view document;
};
// When AWS published them (their CreateDate).
inline constexpr int64_t kAwsManagedPoliciesCreated = 1450656000;  // 2015-12-21

std::span<const AwsManagedPolicy> AwsManagedPolicies();
inline constexpr std::string_view kAwsManagedArnPrefix = "arn:aws:iam::aws:policy/";

}  // namespace berth::iam
