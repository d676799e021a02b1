// lifecycle/policy.h
//
// ECR lifecycle policies: the rule grammar (rulePriority, selection with tagStatus,
// tagPrefixList / tagPatternList, storageClass, countType, countUnit, countNumber; action expire
// or transition to archive), parsed and validated as ECR validates it, with errors that name the
// rule and the field. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace berth::lifecycle {

enum class TagStatus { kTagged, kUntagged, kAny };
enum class CountType { kImageCountMoreThan, kSinceImagePushed, kSinceImagePulled, kSinceImageTransitioned };
enum class StorageClass { kStandard, kArchive };
enum class ActionType { kExpire, kTransition };

struct Rule {
  int64_t priority = 0;
  std::string description;
  TagStatus tag_status = TagStatus::kAny;
  std::vector<std::string> tag_prefixes;
  std::vector<std::string> tag_patterns;  // '*' wildcards
  StorageClass storage_class = StorageClass::kStandard;
  CountType count_type = CountType::kImageCountMoreThan;
  int64_t count_number = 0;  // images, or days for the since* types
  ActionType action = ActionType::kExpire;
};

struct Policy {
  std::vector<Rule> rules;  // ascending rulePriority
};

// Errors: kInvalidArgument, reason InvalidParameterException, with a message such as
// "Lifecycle policy validation failure: rule 2 (rulePriority 5): selection.tagPrefixList is not
// allowed with tagStatus untagged". Beyond ECR, sinceImagePulled may expire as well as archive.
Result<Policy> ParsePolicy(std::string_view text);

std::string_view Name(ActionType a);      // "EXPIRE", "TRANSITION" (as the API writes them)
std::string_view Name(StorageClass s);    // "STANDARD", "ARCHIVE"

}  // namespace berth::lifecycle
