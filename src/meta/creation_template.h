// meta/creation_template.h
//
// ECR's repository creation templates, pure: which template a new repository gets (the longest
// prefix whose namespace holds its name, else ROOT, among those applied for how it is being
// created) and what the template gives it. The template's document is ECR's JSON shape
// (imageTagMutability, imageTagMutabilityExclusionFilters, encryptionConfiguration,
// resourceTags, repositoryPolicy, lifecyclePolicy, appliedFor, description, customRoleArn).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "meta/metadata_store.h"

namespace berth::meta {

inline constexpr std::string_view kCreateOnPush = "CREATE_ON_PUSH";
inline constexpr std::string_view kPullThroughCache = "PULL_THROUGH_CACHE";
inline constexpr std::string_view kReplication = "REPLICATION";

// A repository as a template makes it.
struct TemplatedRepository {
  RepositoryRecord record;
  ResourceTags tags;
  std::string policy;
  std::string lifecycle_policy;
};

// nullptr when no template applies.
const CreationTemplate* MatchCreationTemplate(const std::vector<CreationTemplate>& templates, std::string_view repository,
                                              std::string_view applied_for);

// The repository `name` created at `now` under `t`. kInvalidArgument if the stored document is
// not a template (it was checked when it was put).
Result<TemplatedRepository> ApplyCreationTemplate(const CreationTemplate& t, std::string_view name, UnixSeconds now);

// The repository `name`: found, or created with the template for `applied_for` that applies
// (else plainly). A creation racing another finds the repository the other made. Blocking.
Result<RepositoryId> FindOrCreateRepository(MetadataStore& store, std::string_view name, std::string_view applied_for,
                                            UnixSeconds now);

}  // namespace berth::meta
