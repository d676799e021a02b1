// lifecycle/evaluate.h
//
// Which images a lifecycle policy acts on, as the ECR user guide states it: every rule is
// evaluated against the same images, applied in ascending rulePriority; an image is acted on by
// at most one rule; an image that matches the tag requirements of a higher-priority rule is
// never acted on by a lower one (even when that rule's count or age did not select it); images
// already taken still occupy their places in a lower rule's imageCountMoreThan window; images
// are ordered by push time (activation time once restored from the archive). The preview and the
// real run call this same pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lifecycle/policy.h"

namespace berth::lifecycle {

struct Image {
  std::string digest;
  std::vector<std::string> tags;
  int64_t pushed_at = 0;
  std::optional<int64_t> last_pulled_at;
  StorageClass storage = StorageClass::kStandard;
  std::optional<int64_t> archived_at;
  std::optional<int64_t> activated_at;  // restored from the archive
};

struct Decision {
  size_t image = 0;  // index into the images given
  int64_t rule_priority = 0;
  ActionType action = ActionType::kExpire;
};

// Decisions in the order of the images given. `now` in unix seconds.
std::vector<Decision> Evaluate(const Policy& policy, const std::vector<Image>& images, int64_t now);

// Does the image meet the rule's tag requirements (tagStatus and its prefix or pattern list,
// every entry of which must match one of the image's tags)?
bool MatchesTags(const Rule& rule, const Image& image);

}  // namespace berth::lifecycle
