// Repository creation templates: Create/Describe/Update/DeleteRepositoryCreationTemplate. The
// store keeps each template's ECR fields as JSON; meta/creation_template.h chooses and applies
// them when a push (CREATE_ON_PUSH) creates a repository, never to existing ones.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "api/ecr/ecr_api.h"
#include "api/ecr/paging.h"
#include "async/blocking.h"

namespace berth::api::ecr {
namespace {

namespace json = boost::json;

constexpr size_t kMaxTemplates = 100;
// The fields a template carries, as ECR names them; prefix and times are the store's.
constexpr std::string_view kFields[] = {"description", "encryptionConfiguration", "resourceTags", "imageTagMutability",
                                        "imageTagMutabilityExclusionFilters", "repositoryPolicy", "lifecyclePolicy",
                                        "appliedFor", "customRoleArn"};

std::unexpected<Error> InvalidParameter(std::string message) {
  return Fail(Code::kInvalidArgument, std::move(message), "InvalidParameterException");
}

// "team/" and "team" are the same namespace.
std::string Prefix(std::string_view given) {
  std::string prefix(given);
  while (prefix.size() > 1 && prefix.ends_with('/')) prefix.pop_back();
  return prefix;
}

// The template's fields, checked as CreateRepository and the policy calls check them.
Result<json::object> Checked(json::object doc) {
  const json::value* applied = doc.if_contains("appliedFor");
  if (applied == nullptr || !applied->is_array() || applied->get_array().empty()) {
    return InvalidParameter("appliedFor needs at least one of REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH");
  }
  meta::RepositoryRecord r;
  BERTH_TRY(ParseMutability(doc, r));
  BERTH_TRY(ParseTags(doc, "resourceTags"));
  if (const json::value* enc = doc.if_contains("encryptionConfiguration")) {
    if (JsonStringView(enc->as_object(), "encryptionType") == "AES256" && !JsonStringView(enc->as_object(), "kmsKey").empty()) {
      return InvalidParameter("kmsKey applies only to KMS and KMS_DSSE encryption");
    }
  }
  if (std::string_view policy = JsonStringView(doc, "repositoryPolicy"); !policy.empty()) {
    BERTH_TRY(ValidateRepositoryPolicy(policy));
  }
  return doc;
}

}  // namespace

json::object EcrApi::TemplateJson(const meta::CreationTemplate& t) const {
  boost::system::error_code ec;
  json::value doc = json::parse(t.document, ec);
  json::object out = !ec && doc.is_object() ? doc.get_object() : json::object();
  out["prefix"] = t.prefix;
  out["createdAt"] = t.created_at;
  out["updatedAt"] = t.updated_at;
  if (!out.contains("imageTagMutability")) out["imageTagMutability"] = "MUTABLE";
  if (!out.contains("encryptionConfiguration")) out["encryptionConfiguration"] = json::object{{"encryptionType", "AES256"}};
  return out;
}

http::Task<EcrApi::Output> EcrApi::PutCreationTemplate(const Call& call, bool create) {
  const std::string prefix = Prefix(JsonStringView(call.input, "prefix"));
  json::object doc;
  std::optional<meta::CreationTemplate> existing;
  if (!create) {
    BERTH_CO_ASSIGN(std::vector<meta::CreationTemplate> all, meta_.ListCreationTemplates());
    auto it = std::find_if(all.begin(), all.end(), [&](const meta::CreationTemplate& t) { return t.prefix == prefix; });
    if (it == all.end()) {
      co_return Fail(Code::kNotFound, "no repository creation template exists for the prefix " + prefix,
                     "TemplateNotFoundException");
    }
    existing = *it;
    boost::system::error_code ec;
    json::value old = json::parse(it->document, ec);
    if (!ec && old.is_object()) doc = old.get_object();
  }
  // Given fields replace the template's; absent ones stay.
  for (std::string_view field : kFields) {
    if (const json::value* v = call.input.if_contains(field)) doc[field] = *v;
  }
  BERTH_CO_ASSIGN(doc, Checked(std::move(doc)));
  if (std::string_view lifecycle = JsonStringView(doc, "lifecyclePolicy"); !lifecycle.empty()) {
    BERTH_CO_TRY(ValidateLifecyclePolicy(lifecycle));
  }
  const int64_t now = clock_();
  meta::CreationTemplate t{.prefix = prefix, .document = json::serialize(doc),
                           .created_at = existing ? existing->created_at : now, .updated_at = now};
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&] { return meta_.PutCreationTemplate(t, create, kMaxTemplates); }));
  co_return json::object{{"registryId", options_.account_id}, {"repositoryCreationTemplate", TemplateJson(t)}};
}

http::Task<EcrApi::Output> EcrApi::CreateRepositoryCreationTemplate(const Call& call) {
  co_return co_await PutCreationTemplate(call, true);
}

http::Task<EcrApi::Output> EcrApi::UpdateRepositoryCreationTemplate(const Call& call) {
  co_return co_await PutCreationTemplate(call, false);
}

http::Task<EcrApi::Output> EcrApi::DescribeRepositoryCreationTemplates(const Call& call) {
  BERTH_CO_ASSIGN(Page page, ParsePage(call.input, 100));
  BERTH_CO_ASSIGN(std::vector<meta::CreationTemplate> all, meta_.ListCreationTemplates());
  std::vector<std::string> wanted;
  if (const json::value* prefixes = call.input.if_contains("prefixes")) {
    for (const json::value& p : prefixes->as_array()) wanted.push_back(Prefix(p.as_string()));
  }
  json::array out;
  std::string last;
  bool more = false;
  for (const meta::CreationTemplate& t : all) {  // by prefix
    if (t.prefix <= page.after && !page.after.empty()) continue;
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), t.prefix) == wanted.end()) continue;
    if (out.size() == page.limit) {
      more = true;
      break;
    }
    out.push_back(TemplateJson(t));
    last = t.prefix;
  }
  json::object result{{"registryId", options_.account_id}, {"repositoryCreationTemplates", std::move(out)}};
  if (more) result["nextToken"] = EncodeToken(last);
  co_return result;
}

http::Task<EcrApi::Output> EcrApi::DeleteRepositoryCreationTemplate(const Call& call) {
  const std::string prefix = Prefix(JsonStringView(call.input, "prefix"));
  BERTH_CO_ASSIGN(std::optional<meta::CreationTemplate> deleted,
                  co_await async::RunBlocking(blocking_, [&] { return meta_.DeleteCreationTemplate(prefix); }));
  if (!deleted) {
    co_return Fail(Code::kNotFound, "no repository creation template exists for the prefix " + prefix,
                   "TemplateNotFoundException");
  }
  co_return json::object{{"registryId", options_.account_id}, {"repositoryCreationTemplate", TemplateJson(*deleted)}};
}

}  // namespace berth::api::ecr
