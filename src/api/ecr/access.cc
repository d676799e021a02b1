// EcrApi::Authorize: which resource and condition keys each ECR call is checked against.
#include <boost/json/value.hpp>

#include "api/ecr/ecr_api.h"
#include "base/strings.h"

namespace berth::api::ecr {
namespace {

namespace json = boost::json;

// aws:RequestTag/<key> and aws:TagKeys for calls that set tags (CreateRepository, TagResource),
// aws:TagKeys for UntagResource.
ConditionKeys RequestTagKeys(const json::object& in) {
  ConditionKeys keys;
  std::vector<std::string> tag_keys;
  if (const json::value* tags = in.if_contains("tags"); tags != nullptr && tags->is_array()) {
    for (const json::value& t : tags->get_array()) {
      if (!t.is_object()) continue;
      std::string key(JsonStringView(t.get_object(), "Key"));
      keys.push_back({"aws:requesttag/" + AsciiLower(key), {std::string(JsonStringView(t.get_object(), "Value"))}});
      tag_keys.push_back(std::move(key));
    }
  }
  if (const json::value* removed = in.if_contains("tagKeys"); removed != nullptr && removed->is_array()) {
    for (const json::value& k : removed->get_array()) {
      if (k.is_string()) tag_keys.emplace_back(k.get_string());
    }
  }
  if (!tag_keys.empty()) keys.push_back({"aws:tagkeys", std::move(tag_keys)});
  return keys;
}

// The image tags a call names: PutImage's imageTag, the imageId's of the scan calls, the
// imageIds' tags of the batch calls.
std::vector<std::string> ImageTags(const json::object& in) {
  std::vector<std::string> tags;
  if (std::string_view t = JsonStringView(in, "imageTag"); !t.empty()) tags.emplace_back(t);
  if (const json::value* id = in.if_contains("imageId"); id != nullptr && id->is_object()) {
    if (std::string_view t = JsonStringView(id->get_object(), "imageTag"); !t.empty()) tags.emplace_back(t);
  }
  if (const json::value* ids = in.if_contains("imageIds"); ids != nullptr && ids->is_array()) {
    for (const json::value& id : ids->get_array()) {
      if (!id.is_object()) continue;
      if (std::string_view t = JsonStringView(id.get_object(), "imageTag"); !t.empty()) tags.emplace_back(t);
    }
  }
  return tags;
}

}  // namespace

Status EcrApi::Authorize(std::string_view operation, const Call& call) {
  if (call.principal.unrestricted()) return {};
  const json::object& in = call.input;
  const std::string action = "ecr:" + std::string(operation);
  ConditionKeys keys = RequestTagKeys(in);

  std::string repository(JsonStringView(in, "repositoryName"));
  if (std::string_view arn = JsonStringView(in, "resourceArn"); !arn.empty()) {
    const std::string prefix = RepositoryArn("");
    if (!arn.starts_with(prefix)) return access_.Require(call.principal, action, std::string(arn), call.request, keys);
    repository = arn.substr(prefix.size());
  }
  if (operation == "DescribeRepositories" || operation == "BatchGetRepositoryScanningConfiguration") {
    // Without names the handler lists only what the caller may describe.
    if (const json::value* names = in.if_contains("repositoryNames"); names != nullptr && names->is_array()) {
      for (const json::value& n : names->get_array()) {
        if (n.is_string()) BERTH_TRY(access_.RequireOnRepository(call.principal, action, n.get_string(), call.request));
      }
    }
    return {};
  }
  if (repository.empty()) return access_.Require(call.principal, action, "*", call.request, keys);
  const std::vector<std::string> tags = ImageTags(in);
  if (tags.empty()) return access_.RequireOnRepository(call.principal, action, repository, call.request, keys);
  for (const std::string& tag : tags) {
    ConditionKeys with_tag = keys;
    with_tag.push_back({"ecr:imagetag", {tag}});
    BERTH_TRY(access_.RequireOnRepository(call.principal, action, repository, call.request, std::move(with_tag)));
  }
  return {};
}

}  // namespace berth::api::ecr
