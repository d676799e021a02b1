#include "lifecycle/evaluate.h"

#include <algorithm>
#include <numeric>

#include "base/wildcard.h"

namespace berth::lifecycle {
namespace {

constexpr int64_t kDay = 86400;

// When the image's age starts: its push, or its return from the archive.
int64_t AgeFrom(const Image& image) { return image.activated_at.value_or(image.pushed_at); }

bool OlderThan(int64_t since, int64_t days, int64_t now) { return now - since > days * kDay; }

}  // namespace

bool MatchesTags(const Rule& rule, const Image& image) {
  switch (rule.tag_status) {
    case TagStatus::kAny:
      return true;
    case TagStatus::kUntagged:
      return image.tags.empty();
    case TagStatus::kTagged:
      break;
  }
  if (image.tags.empty()) return false;
  // Several entries are an AND: each must match at least one of the image's tags.
  for (const std::string& prefix : rule.tag_prefixes) {
    if (std::none_of(image.tags.begin(), image.tags.end(), [&](const std::string& t) { return t.starts_with(prefix); })) {
      return false;
    }
  }
  for (const std::string& pattern : rule.tag_patterns) {
    if (std::none_of(image.tags.begin(), image.tags.end(), [&](const std::string& t) {
          return berth::WildcardMatch(pattern, t, {.question_mark = false, .ignore_case = false});
        })) {
      return false;
    }
  }
  return true;
}

std::vector<Decision> Evaluate(const Policy& policy, const std::vector<Image>& images, int64_t now) {
  std::vector<std::optional<Decision>> taken(images.size());
  std::vector<bool> claimed(images.size(), false);  // matched a higher-priority rule's tags
  for (const Rule& rule : policy.rules) {
    std::vector<size_t> candidates;
    for (size_t i = 0; i < images.size(); ++i) {
      if (images[i].storage == rule.storage_class && MatchesTags(rule, images[i])) candidates.push_back(i);
    }
    std::vector<size_t> selected;
    switch (rule.count_type) {
      case CountType::kImageCountMoreThan: {
        // Youngest first; everything past the first countNumber is selected.
        std::stable_sort(candidates.begin(), candidates.end(), [&](size_t a, size_t b) {
          return AgeFrom(images[a]) > AgeFrom(images[b]);
        });
        for (size_t k = static_cast<size_t>(std::min<int64_t>(rule.count_number, static_cast<int64_t>(candidates.size())));
             k < candidates.size(); ++k) {
          selected.push_back(candidates[k]);
        }
        break;
      }
      case CountType::kSinceImagePushed:
        for (size_t i : candidates) {
          if (OlderThan(AgeFrom(images[i]), rule.count_number, now)) selected.push_back(i);
        }
        break;
      case CountType::kSinceImagePulled:
        for (size_t i : candidates) {
          // Never pulled: its age counts from the push (or the restore).
          const int64_t since = std::max(images[i].last_pulled_at.value_or(0), AgeFrom(images[i]));
          if (OlderThan(since, rule.count_number, now)) selected.push_back(i);
        }
        break;
      case CountType::kSinceImageTransitioned:
        for (size_t i : candidates) {
          if (images[i].archived_at && OlderThan(*images[i].archived_at, rule.count_number, now)) selected.push_back(i);
        }
        break;
    }
    for (size_t i : selected) {
      if (!claimed[i] && !taken[i]) {
        taken[i] = Decision{.image = i, .rule_priority = rule.priority, .action = rule.action};
      }
    }
    // What this rule's tags match is its to decide: lower-priority rules may not touch it.
    for (size_t i : candidates) claimed[i] = true;
  }
  std::vector<Decision> out;
  for (const std::optional<Decision>& d : taken) {
    if (d) out.push_back(*d);
  }
  return out;
}

}  // namespace berth::lifecycle
