#include "meta/creation_template.h"

#include "base/json.h"

#include <boost/json/parse.hpp>

namespace berth::meta {
namespace {

namespace json = boost::json;

bool AppliedFor(const CreationTemplate& t, std::string_view applied_for) {
  boost::system::error_code ec;
  json::value doc = json::parse(t.document, ec);
  if (ec || !doc.is_object()) return false;
  const json::value* list = doc.get_object().if_contains("appliedFor");
  if (list == nullptr || !list->is_array()) return false;
  for (const json::value& v : list->get_array()) {
    if (v.is_string() && v.get_string() == applied_for) return true;
  }
  return false;
}

}  // namespace

const CreationTemplate* MatchCreationTemplate(const std::vector<CreationTemplate>& templates, std::string_view repository,
                                              std::string_view applied_for) {
  const CreationTemplate* best = nullptr;
  const CreationTemplate* root = nullptr;
  for (const CreationTemplate& t : templates) {
    if (!AppliedFor(t, applied_for)) continue;
    if (t.prefix == "ROOT") {
      root = &t;
      continue;
    }
    const bool inside = repository.size() > t.prefix.size() && repository.starts_with(t.prefix) &&
                        repository[t.prefix.size()] == '/';
    if (inside && (best == nullptr || t.prefix.size() > best->prefix.size())) best = &t;
  }
  return best != nullptr ? best : root;
}

Result<TemplatedRepository> ApplyCreationTemplate(const CreationTemplate& t, std::string_view name, UnixSeconds now) {
  boost::system::error_code ec;
  json::value doc = json::parse(t.document, ec);
  if (ec || !doc.is_object()) return Fail(Code::kInvalidArgument, "the creation template of " + t.prefix + " is not JSON");
  const json::object& o = doc.get_object();
  TemplatedRepository out{.record = {.name = std::string(name), .created_at = now}};
  if (std::string mode = JsonString(o, "imageTagMutability"); !mode.empty()) out.record.tag_mutability = mode;
  if (const json::value* filters = o.if_contains("imageTagMutabilityExclusionFilters"); filters && filters->is_array()) {
    for (const json::value& f : filters->get_array()) {
      if (f.is_object()) out.record.mutability_filters.push_back(JsonString(f.get_object(), "filter"));
    }
  }
  if (const json::value* enc = o.if_contains("encryptionConfiguration"); enc && enc->is_object()) {
    if (std::string type = JsonString(enc->get_object(), "encryptionType"); !type.empty()) out.record.encryption_type = type;
    out.record.kms_key = JsonString(enc->get_object(), "kmsKey");
  }
  if (const json::value* tags = o.if_contains("resourceTags"); tags && tags->is_array()) {
    for (const json::value& tag : tags->get_array()) {
      if (tag.is_object()) out.tags.emplace_back(JsonString(tag.get_object(), "Key"), JsonString(tag.get_object(), "Value"));
    }
  }
  out.policy = JsonString(o, "repositoryPolicy");
  out.lifecycle_policy = JsonString(o, "lifecyclePolicy");
  return out;
}

Result<RepositoryId> FindOrCreateRepository(MetadataStore& store, std::string_view name, std::string_view applied_for,
                                            UnixSeconds now) {
  BERTH_ASSIGN(std::optional<RepositoryId> found, store.FindRepository(name));
  if (found) return *found;
  BERTH_ASSIGN(std::vector<CreationTemplate> templates, store.ListCreationTemplates());
  const CreationTemplate* t = MatchCreationTemplate(templates, name, applied_for);
  if (t == nullptr) return store.CreateRepositoryIfMissing(name, now);
  BERTH_ASSIGN(TemplatedRepository r, ApplyCreationTemplate(*t, name, now));
  Result<RepositoryRecord> created = store.CreateRepository(r.record, r.tags, r.policy, r.lifecycle_policy);
  if (created) return created->id;
  if (created.error().code() != Code::kAlreadyExists) return std::unexpected(created.error());
  BERTH_ASSIGN(std::optional<RepositoryId> id, store.FindRepository(name));
  if (!id) return Fail(Code::kUnavailable, "repository " + std::string(name) + " was created and deleted meanwhile");
  return *id;
}

}  // namespace berth::meta
