#include <boost/json/array.hpp>

#include "api/ecr/ecr_api.h"
#include "api/ecr/paging.h"
#include "async/blocking.h"
#include "oci/names.h"
#include "replication/configuration.h"

namespace berth::api::ecr {
namespace {

namespace json = boost::json;

constexpr size_t kMaxResourceTags = 50;

std::unexpected<Error> InvalidParameter(std::string message) {
  return Fail(Code::kInvalidArgument, std::move(message), "InvalidParameterException");
}

}  // namespace

Result<meta::ResourceTags> ParseTags(const json::object& input, std::string_view member) {
  meta::ResourceTags tags;
  const json::value* list = input.if_contains(member);
  if (list == nullptr) return tags;
  for (const json::value& item : list->as_array()) {
    std::string key(JsonStringView(item.as_object(), "Key"));
    std::string value(JsonStringView(item.as_object(), "Value"));
    if (key.empty() || key.size() > 128 || value.size() > 256 || key.starts_with("aws:")) {
      return Fail(Code::kInvalidArgument,
                  "tag keys are 1-128 characters not starting with aws:, values at most 256",
                  "InvalidTagParameterException");
    }
    tags.emplace_back(std::move(key), std::move(value));
  }
  if (tags.size() > kMaxResourceTags) {
    return Fail(Code::kResourceExhausted, "a repository may have at most 50 tags", "TooManyTagsException");
  }
  return tags;
}

// Reads imageTagMutability and its exclusion filters, which go together: the *_WITH_EXCLUSION
// modes need filters and the others refuse them.
Status ParseMutability(const json::object& input, meta::RepositoryRecord& r) {
  if (std::string_view mode = JsonStringView(input, "imageTagMutability"); !mode.empty()) {
    r.tag_mutability = std::string(mode);
  }
  r.mutability_filters.clear();
  if (const json::value* filters = input.if_contains("imageTagMutabilityExclusionFilters")) {
    for (const json::value& f : filters->as_array()) {
      r.mutability_filters.emplace_back(JsonStringView(f.as_object(), "filter"));
    }
  }
  const bool with_exclusion = r.tag_mutability.ends_with("_WITH_EXCLUSION");
  if (with_exclusion && r.mutability_filters.empty()) {
    return InvalidParameter("imageTagMutabilityExclusionFilters are required with " + r.tag_mutability);
  }
  if (!with_exclusion && !r.mutability_filters.empty()) {
    return InvalidParameter("imageTagMutabilityExclusionFilters apply only to the *_WITH_EXCLUSION modes");
  }
  return {};
}


http::Task<EcrApi::Output> EcrApi::CreateRepository(const Call& call) {
  const json::object& in = call.input;
  meta::RepositoryRecord r{.name = std::string(JsonStringView(in, "repositoryName")), .created_at = clock_()};
  if (Status s = berth::oci::ValidateRepositoryName(r.name); !s) co_return InvalidParameter(s.error().message());
  if (call.request.Header(replication::kSourceHeader)) co_return co_await CreateReplicatedRepository(call, r.name);
  BERTH_CO_TRY(ParseMutability(in, r));
  if (const json::value* scan = in.if_contains("imageScanningConfiguration")) {
    if (const json::value* on = scan->as_object().if_contains("scanOnPush")) r.scan_on_push = on->as_bool();
  }
  if (const json::value* enc = in.if_contains("encryptionConfiguration")) {
    r.encryption_type = std::string(JsonStringView(enc->as_object(), "encryptionType"));
    r.kms_key = std::string(JsonStringView(enc->as_object(), "kmsKey"));
    if (r.encryption_type == "AES256" && !r.kms_key.empty()) {
      co_return InvalidParameter("kmsKey applies only to KMS and KMS_DSSE encryption");
    }
  }
  BERTH_CO_ASSIGN(meta::ResourceTags tags, ParseTags(in, "tags"));
  BERTH_CO_ASSIGN(meta::RepositoryRecord created,
                  co_await async::RunBlocking(blocking_, [&] { return meta_.CreateRepository(r, tags); }));
  co_return json::object{{"repository", RepositoryJson(created)}};
}

http::Task<EcrApi::Output> EcrApi::DescribeRepositories(const Call& call) {
  const json::object& in = call.input;
  json::array out;
  if (const json::value* names = in.if_contains("repositoryNames")) {
    if (in.contains("nextToken") || in.contains("maxResults")) {
      co_return InvalidParameter("repositoryNames cannot be combined with nextToken or maxResults");
    }
    for (const json::value& name : names->as_array()) {
      BERTH_CO_ASSIGN(meta::RepositoryRecord r, RepositoryNamed(name.as_string()));
      out.push_back(RepositoryJson(r));
    }
    co_return json::object{{"repositories", out}};
  }
  BERTH_CO_ASSIGN(Page page, ParsePage(in, 100));
  BERTH_CO_ASSIGN(std::vector<meta::RepositoryRecord> repos,
                  meta_.ListRepositoryRecords(page.after, page.limit + 1));
  json::object result;
  if (repos.size() > page.limit) {
    repos.resize(page.limit);
    result["nextToken"] = EncodeToken(repos.back().name);
  }
  for (const meta::RepositoryRecord& r : repos) {
    BERTH_CO_ASSIGN(bool visible, access_.AllowedOnRepository(call.principal, "ecr:DescribeRepositories", r.name,
                                                               call.request));
    if (visible) out.push_back(RepositoryJson(r));
  }
  result["repositories"] = out;
  co_return result;
}

http::Task<EcrApi::Output> EcrApi::DeleteRepository(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord r, Repository(call.input));
  const json::value* force = call.input.if_contains("force");
  const bool forced = force != nullptr && force->as_bool();
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&]() -> Status {
    BERTH_ASSIGN(std::vector<std::string> ended, meta_.DeleteRepository(r.id, forced));
    for (const std::string& upload : ended) BERTH_TRY(blobs_.DeleteUpload(upload));
    return {};
  }));
  co_return json::object{{"repository", RepositoryJson(r)}};
}

http::Task<EcrApi::Output> EcrApi::PutImageTagMutability(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord r, Repository(call.input));
  BERTH_CO_TRY(ParseMutability(call.input, r));
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.UpdateRepository(r); }));
  json::object out = RepositoryJson(r);
  json::object result{{"registryId", options_.account_id}, {"repositoryName", r.name},
                      {"imageTagMutability", r.tag_mutability}};
  if (out.contains("imageTagMutabilityExclusionFilters")) {
    result["imageTagMutabilityExclusionFilters"] = out["imageTagMutabilityExclusionFilters"];
  }
  co_return result;
}

http::Task<EcrApi::Output> EcrApi::PutImageScanningConfiguration(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord r, Repository(call.input));
  const json::object& config = call.input.at("imageScanningConfiguration").as_object();
  if (const json::value* on = config.if_contains("scanOnPush")) r.scan_on_push = on->as_bool();
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.UpdateRepository(r); }));
  co_return json::object{{"registryId", options_.account_id}, {"repositoryName", r.name},
                         {"imageScanningConfiguration", json::object{{"scanOnPush", r.scan_on_push}}}};
}

http::Task<EcrApi::Output> EcrApi::TagResource(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord r, RepositoryFromArn(JsonStringView(call.input, "resourceArn")));
  BERTH_CO_ASSIGN(meta::ResourceTags tags, ParseTags(call.input, "tags"));
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] {
    return meta_.TagResource(r.id, tags, kMaxResourceTags);
  }));
  co_return json::object{};
}

http::Task<EcrApi::Output> EcrApi::UntagResource(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord r, RepositoryFromArn(JsonStringView(call.input, "resourceArn")));
  std::vector<std::string> keys;
  for (const json::value& k : call.input.at("tagKeys").as_array()) keys.emplace_back(k.as_string());
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.UntagResource(r.id, keys); }));
  co_return json::object{};
}

http::Task<EcrApi::Output> EcrApi::ListTagsForResource(const Call& call) {
  BERTH_CO_ASSIGN(meta::RepositoryRecord r, RepositoryFromArn(JsonStringView(call.input, "resourceArn")));
  BERTH_CO_ASSIGN(meta::ResourceTags tags, meta_.GetResourceTags(r.id));
  json::array out;
  for (const auto& [k, v] : tags) out.push_back(json::object{{"Key", k}, {"Value", v}});
  co_return json::object{{"tags", out}};
}

}  // namespace berth::api::ecr
