// lifecycle/plan.h
//
// What a lifecycle run does to a repository, beyond the bare ECR evaluation (evaluate.h):
// images are related, and a relation outranks a rule.
//  - A referrer (signature, SBOM: a manifest whose subject is in the repository) and the child
//    of an index are not evaluated on their own: they follow their subject or their indexes.
//  - Expiring an image takes its untagged referrers with it, and expiring every index of a
//    child takes the child with it unless it is tagged (a tag is a reference of its own).
//  - An image with a tagged referrer (which is kept) is not expired: that would orphan it.
// The actions come in the order they must be carried out: an image after its referrers and its
// indexes, so the store never holds a referrer without its subject or an index without a child.
// Pure; the preview and the real run call it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lifecycle/evaluate.h"
#include "lifecycle/policy.h"

namespace berth::lifecycle {

struct Node {
  Image image;
  std::optional<std::string> subject;  // the digest it refers to, if it is a referrer
};

struct PlannedAction {
  size_t image = 0;  // index into the nodes given
  int64_t rule_priority = 0;
  ActionType action = ActionType::kExpire;
  bool follows = false;  // taken along with a referrer's subject or a child's indexes
};

// `index_children`: (index digest, child digest) pairs. `now` in unix seconds.
std::vector<PlannedAction> Plan(const Policy& policy, const std::vector<Node>& nodes,
                                const std::vector<std::pair<std::string, std::string>>& index_children,
                                int64_t now);

}  // namespace berth::lifecycle
