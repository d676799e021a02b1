#include "meta/event_details.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace berth::meta {
namespace {

namespace json = boost::json;

void SetIf(json::object& o, std::string_view key, std::string_view value) {
  if (!value.empty()) o[key] = value;
}

json::array Strings(const std::vector<std::string>& items) {
  json::array out;
  for (const std::string& s : items) out.emplace_back(s);
  return out;
}

}  // namespace

std::string ImageActionDetail(std::string_view action, std::string_view repository, std::string_view digest,
                              std::string_view tag, std::string_view media_type, std::string_view artifact_type) {
  json::object o{{"result", "SUCCESS"}, {"repository-name", repository}, {"image-digest", digest},
                 {"action-type", action}};
  SetIf(o, "image-tag", tag);
  SetIf(o, "manifest-media-type", media_type);
  SetIf(o, "artifact-media-type", artifact_type);
  return json::serialize(o);
}

std::string StorageClassDetail(std::string_view repository, std::string_view digest, std::string_view target_class,
                               std::string_view media_type, std::string_view artifact_type) {
  json::object o{{"result", "SUCCESS"}, {"repository-name", repository}, {"image-digest", digest},
                 {"action-type", "UPDATE_STORAGE_CLASS"}, {"target-storage-class", target_class}};
  SetIf(o, "manifest-media-type", media_type);
  SetIf(o, "artifact-media-type", artifact_type);
  return json::serialize(o);
}

std::string LifecycleExpireDetail(std::string_view repository, std::string_view digest,
                                  const std::vector<std::string>& tags) {
  return json::serialize(json::object{{"result", "SUCCESS"}, {"repository-name", repository},
                                      {"image-digest", digest}, {"image-tags", Strings(tags)},
                                      {"action-type", "EXPIRE"}});
}

std::string ImageScanDetail(std::string_view repository, std::string_view digest, const std::vector<std::string>& tags,
                            std::string_view scan_status, std::string_view severity_counts) {
  boost::system::error_code ec;
  json::value counts = json::parse(severity_counts.empty() ? std::string_view("{}") : severity_counts, ec);
  if (ec || !counts.is_object()) counts = json::object();
  return json::serialize(json::object{{"scan-status", scan_status}, {"repository-name", repository},
                                      {"image-digest", digest}, {"image-tags", Strings(tags)},
                                      {"finding-severity-counts", counts}});
}

std::string ReplicationDetail(const ReplicationDetailFields& f) {
  json::object o{{"result", f.result}, {"repository-name", f.repository}, {"image-digest", f.digest},
                 {"source-account", f.source_account}, {"source-region", f.source_region},
                 {"action-type", "REPLICATE"}};
  SetIf(o, "image-tag", f.tag);
  SetIf(o, "destination-account", f.destination_account);
  SetIf(o, "destination-region", f.destination_region);
  SetIf(o, "failure-code", f.failure_code);
  return json::serialize(o);
}

std::string PullThroughCacheDetail(const PullThroughCacheDetailFields& f) {
  json::object o{{"rule-version", "1"},
                 {"sync-status", f.sync_status},
                 {"ecr-repository-prefix", f.ecr_prefix},
                 {"repository-name", f.repository},
                 {"upstream-registry-url", f.upstream_url}};
  SetIf(o, "image-tag", f.tag);
  SetIf(o, "image-digest", f.digest);
  SetIf(o, "failure-code", f.failure_code);
  SetIf(o, "failure-reason", f.failure_reason);
  return json::serialize(o);
}

}  // namespace berth::meta
