#include "lifecycle/plan.h"

#include <functional>
#include <unordered_map>

namespace berth::lifecycle {

std::vector<PlannedAction> Plan(const Policy& policy, const std::vector<Node>& nodes,
                                const std::vector<std::pair<std::string, std::string>>& index_children,
                                int64_t now) {
  std::unordered_map<std::string, size_t> by_digest;
  for (size_t i = 0; i < nodes.size(); ++i) by_digest.emplace(nodes[i].image.digest, i);
  std::vector<std::vector<size_t>> parents(nodes.size()), children(nodes.size()), referrers(nodes.size());
  for (const auto& [index, child] : index_children) {
    auto p = by_digest.find(index);
    auto c = by_digest.find(child);
    if (p == by_digest.end() || c == by_digest.end()) continue;
    parents[c->second].push_back(p->second);
    children[p->second].push_back(c->second);
  }
  std::vector<bool> is_referrer(nodes.size(), false);
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i].subject) continue;
    auto s = by_digest.find(*nodes[i].subject);
    if (s == by_digest.end() || s->second == i) continue;  // its subject is gone: on its own
    referrers[s->second].push_back(i);
    is_referrer[i] = true;
  }

  // Only images standing on their own meet the rules.
  std::vector<Image> roots;
  std::vector<size_t> root_node;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (parents[i].empty() && !is_referrer[i]) {
      roots.push_back(nodes[i].image);
      root_node.push_back(i);
    }
  }
  std::vector<std::optional<PlannedAction>> chosen(nodes.size());
  for (const Decision& d : Evaluate(policy, roots, now)) {
    const size_t i = root_node[d.image];
    chosen[i] = PlannedAction{.image = i, .rule_priority = d.rule_priority, .action = d.action};
  }

  // An image whose referrers include a kept (tagged) one stays, and so must its subject chain.
  std::vector<int> pinned(nodes.size(), -1);  // -1 unknown, 0 no, 1 yes
  std::function<bool(size_t)> has_tagged_referrer = [&](size_t i) -> bool {
    if (pinned[i] >= 0) return pinned[i] == 1;
    pinned[i] = 0;  // cycles cannot occur (content addressing); this only guards against them
    for (size_t r : referrers[i]) {
      if (!nodes[r].image.tags.empty() || has_tagged_referrer(r)) {
        pinned[i] = 1;
        break;
      }
    }
    return pinned[i] == 1;
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (chosen[i] && has_tagged_referrer(i)) chosen[i].reset();
  }

  // Followers: referrers of what goes, children all of whose indexes go; until nothing changes.
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (chosen[i] || !nodes[i].image.tags.empty() || has_tagged_referrer(i)) continue;
      std::optional<PlannedAction> lead;
      if (is_referrer[i]) {
        auto s = by_digest.find(*nodes[i].subject);
        if (chosen[s->second]) lead = chosen[s->second];
      } else if (!parents[i].empty()) {
        bool all = true;
        for (size_t p : parents[i]) all = all && chosen[p].has_value();
        if (all) lead = chosen[parents[i].front()];
      }
      if (lead) {
        chosen[i] = PlannedAction{.image = i, .rule_priority = lead->rule_priority, .action = lead->action,
                                  .follows = true};
        changed = true;
      }
    }
  }

  // Dependents first: an image after its referrers and its indexes.
  std::vector<PlannedAction> out;
  std::vector<bool> emitted(nodes.size(), false);
  std::function<void(size_t)> emit = [&](size_t i) {
    if (emitted[i] || !chosen[i]) return;
    emitted[i] = true;
    for (size_t r : referrers[i]) emit(r);
    for (size_t p : parents[i]) emit(p);
    out.push_back(*chosen[i]);
  };
  for (size_t i = 0; i < nodes.size(); ++i) emit(i);
  return out;
}

}  // namespace berth::lifecycle
