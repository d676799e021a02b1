// meta/event_details.h
//
// The `detail` objects of the events Berth emits, with the fields ECR documents for each
// detail-type (EventBridge's), as JSON text. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::meta {

// ECR Image Action: "PUSH" or "DELETE"; an empty tag or media type is left out.
std::string ImageActionDetail(std::string_view action, std::string_view repository, std::string_view digest,
                              std::string_view tag, std::string_view media_type = {},
                              std::string_view artifact_type = {});
// ECR Image Action "UPDATE_STORAGE_CLASS" to "ARCHIVE" or "STANDARD".
std::string StorageClassDetail(std::string_view repository, std::string_view digest, std::string_view target_class,
                               std::string_view media_type, std::string_view artifact_type);
// ECR Lifecycle Policy Action "EXPIRE".
std::string LifecycleExpireDetail(std::string_view repository, std::string_view digest,
                                  const std::vector<std::string>& tags);
// ECR Image Scan; `severity_counts` a JSON object of the severities found.
std::string ImageScanDetail(std::string_view repository, std::string_view digest, const std::vector<std::string>& tags,
                            std::string_view scan_status, std::string_view severity_counts);
// ECR Replication Action "REPLICATE": `result` SUCCESS or FAILED; the source registry, and
// (beyond ECR, on the source's own event) the destination and the failure.
struct ReplicationDetailFields {
  std::string_view result;
  std::string_view repository;
  std::string_view digest;
  std::string_view tag;
  std::string_view source_account;
  std::string_view source_region;
  std::string_view destination_account;  // "" at the destination
  std::string_view destination_region;
  std::string_view failure_code;
};
std::string ReplicationDetail(const ReplicationDetailFields& f);

// ECR Pull Through Cache Action: an import from the upstream, SUCCESS or FAILED.
struct PullThroughCacheDetailFields {
  std::string_view sync_status;
  std::string_view ecr_prefix;
  std::string_view repository;
  std::string_view upstream_url;
  std::string_view tag;
  std::string_view digest;
  std::string_view failure_code;
  std::string_view failure_reason;
};
std::string PullThroughCacheDetail(const PullThroughCacheDetailFields& f);

}  // namespace berth::meta
