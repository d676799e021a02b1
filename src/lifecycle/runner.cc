#include "lifecycle/runner.h"

#include "lifecycle/archive.h"
#include "telemetry/log.h"

namespace berth::lifecycle {

Runner::Runner(meta::MetadataStore& store, blob::BlobStore& blobs, std::function<int64_t()> clock)
    : store_(store), blobs_(blobs), clock_(std::move(clock)) {}

Result<std::vector<PlannedImage>> Runner::Preview(meta::RepositoryId repo, const Policy& policy) {
  std::vector<Node> nodes;
  std::string after;
  while (true) {
    BERTH_ASSIGN(std::vector<meta::ImageRecord> page, store_.ListImages(repo, after, 1000));
    for (meta::ImageRecord& image : page) {
      Node node{.image = {.digest = image.digest.str(), .tags = std::move(image.tags), .pushed_at = image.pushed_at,
                          .last_pulled_at = image.last_pulled_at,
                          .storage = image.archived_at ? StorageClass::kArchive : StorageClass::kStandard,
                          .archived_at = image.archived_at, .activated_at = image.activated_at}};
      if (image.subject) node.subject = image.subject->str();
      nodes.push_back(std::move(node));
    }
    if (nodes.size() > kMaxImages) {
      return Fail(Code::kResourceExhausted, "the repository holds more than " + std::to_string(kMaxImages) +
                                                " images, more than a lifecycle run evaluates");
    }
    if (page.size() < 1000) break;
    after = nodes.back().image.digest;
  }
  BERTH_ASSIGN(auto edges, store_.ListIndexChildren(repo));
  std::vector<std::pair<std::string, std::string>> index_children;
  index_children.reserve(edges.size());
  for (const auto& [index, child] : edges) index_children.emplace_back(index.str(), child.str());

  std::vector<PlannedImage> out;
  for (const PlannedAction& a : Plan(policy, nodes, index_children, clock_())) {
    Image& image = nodes[a.image].image;
    out.push_back({.digest = image.digest, .tags = image.tags, .pushed_at = image.pushed_at,
                   .storage = image.storage, .rule_priority = a.rule_priority, .action = a.action,
                   .follows = a.follows});
  }
  return out;
}

Result<RunReport> Runner::Run(meta::RepositoryId repo, std::string_view repo_name) {
  BERTH_ASSIGN(std::optional<meta::LifecyclePolicyRecord> record, store_.GetLifecyclePolicy(repo));
  if (!record) return RunReport{};
  BERTH_ASSIGN(Policy policy, ParsePolicy(record->text));
  BERTH_ASSIGN(std::vector<PlannedImage> plan, Preview(repo, policy));
  ++runs_;
  RunReport report{.planned = plan.size()};
  for (const PlannedImage& image : plan) {
    BERTH_ASSIGN(oci::Digest digest, oci::Digest::Parse(image.digest));
    if (image.action == ActionType::kTransition) {
      BERTH_ASSIGN(bool archived, SetStorageClass(store_, blobs_, repo, digest, true, clock_()));
      if (!archived) {
        ++report.skipped;
        continue;
      }
      ++report.archived;
      ++images_archived_;
      telemetry::LogInfo("lifecycle archived image", {{"repository", repo_name},
                                                      {"digest", image.digest},
                                                      {"rule", image.rule_priority}});
      continue;
    }
    BERTH_ASSIGN(meta::ExpireOutcome outcome, store_.ExpireImage(repo, digest, image.tags));
    if (outcome != meta::ExpireOutcome::kExpired) {
      ++report.skipped;
      continue;
    }
    ++report.expired;
    ++images_expired_;
    std::string tags;
    for (const std::string& t : image.tags) tags += (tags.empty() ? "" : ",") + t;
    telemetry::LogInfo("lifecycle expired image", {{"repository", repo_name},
                                                   {"digest", image.digest},
                                                   {"tags", tags},
                                                   {"rule", image.rule_priority},
                                                   {"with", image.follows ? "its subject or index" : "the rule"}});
  }
  BERTH_TRY(store_.MarkLifecycleEvaluated(repo, clock_()));
  if (report.planned > 0) {
    telemetry::LogInfo("lifecycle run", {{"repository", repo_name},
                                         {"planned", report.planned},
                                         {"expired", report.expired},
                                         {"archived", report.archived},
                                         {"skipped", report.skipped}});
  }
  return report;
}

RunReport Runner::RunAll() {
  RunReport total;
  meta::RepositoryId after = 0;
  while (true) {
    Result<std::vector<meta::LifecycleTarget>> targets = store_.ListLifecyclePolicies(after, 100);
    if (!targets) {
      telemetry::LogWarn("listing lifecycle policies failed", {{"error", targets.error().message()}});
      return total;
    }
    for (const meta::LifecycleTarget& t : *targets) {
      Result<RunReport> r = Run(t.repo, t.name);
      if (!r) {
        telemetry::LogWarn("lifecycle run failed", {{"repository", t.name}, {"error", r.error().message()}});
        continue;
      }
      total.planned += r->planned;
      total.expired += r->expired;
      total.archived += r->archived;
      total.skipped += r->skipped;
    }
    if (targets->size() < 100) return total;
    after = targets->back().repo;
  }
}

}  // namespace berth::lifecycle
