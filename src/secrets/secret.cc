#include "secrets/secret.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

#include "base/json.h"

namespace berth::secrets {
namespace {

namespace json = boost::json;

std::unexpected<Error> InvalidParameter(std::string message) {
  return Fail(Code::kInvalidArgument, std::move(message), "InvalidParameterException");
}

bool NameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("/_+=.@-").find(c) != std::string_view::npos;
}

void RemoveStage(Secret& secret, std::string_view stage) {
  for (SecretVersion& v : secret.versions) std::erase(v.stages, std::string(stage));
}

bool HasStage(const SecretVersion& v, std::string_view stage) {
  return std::find(v.stages.begin(), v.stages.end(), stage) != v.stages.end();
}

}  // namespace

const SecretVersion* Secret::Version(std::string_view id) const {
  for (const SecretVersion& v : versions) {
    if (v.id == id) return &v;
  }
  return nullptr;
}

const SecretVersion* Secret::Staged(std::string_view stage) const {
  for (const SecretVersion& v : versions) {
    if (HasStage(v, stage)) return &v;
  }
  return nullptr;
}

std::string ToJson(const Secret& s) {
  json::array tags;
  for (const auto& [k, v] : s.tags) tags.push_back(json::array{json::value(k), json::value(v)});
  json::array versions;
  for (const SecretVersion& v : s.versions) {
    json::array stages;
    for (const std::string& stage : v.stages) stages.push_back(json::value(stage));
    versions.push_back(json::object{{"id", v.id},
                                    {"stages", std::move(stages)},
                                    {"createdAt", v.created_at},
                                    {"binary", v.binary},
                                    {"value", v.sealed_value}});
  }
  return json::serialize(json::object{{"arn", s.arn},
                                      {"description", s.description},
                                      {"kmsKeyId", s.kms_key_id},
                                      {"tags", std::move(tags)},
                                      {"createdAt", s.created_at},
                                      {"lastChangedAt", s.last_changed_at},
                                      {"lastAccessedAt", s.last_accessed_at},
                                      {"deletedAt", s.deleted_at},
                                      {"deletionAt", s.deletion_at},
                                      {"versions", std::move(versions)}});
}

Result<Secret> FromJson(std::string_view name, std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return Fail(Code::kInternal, "the stored secret " + std::string(name) + " is corrupt");
  const json::object& o = doc.get_object();
  Secret s{.name = std::string(name),
           .arn = JsonString(o, "arn"),
           .description = JsonString(o, "description"),
           .kms_key_id = JsonString(o, "kmsKeyId"),
           .created_at = JsonInt(o, "createdAt"),
           .last_changed_at = JsonInt(o, "lastChangedAt"),
           .last_accessed_at = JsonInt(o, "lastAccessedAt"),
           .deleted_at = JsonInt(o, "deletedAt"),
           .deletion_at = JsonInt(o, "deletionAt")};
  if (const json::value* tags = o.if_contains("tags"); tags != nullptr && tags->is_array()) {
    for (const json::value& t : tags->get_array()) {
      if (t.is_array() && t.get_array().size() == 2 && t.get_array()[0].is_string() && t.get_array()[1].is_string()) {
        s.tags.emplace_back(t.get_array()[0].get_string(), t.get_array()[1].get_string());
      }
    }
  }
  if (const json::value* versions = o.if_contains("versions"); versions != nullptr && versions->is_array()) {
    for (const json::value& v : versions->get_array()) {
      if (!v.is_object()) continue;
      const json::object& vo = v.get_object();
      SecretVersion version{.id = JsonString(vo, "id"),
                            .created_at = JsonInt(vo, "createdAt"),
                            .binary = vo.contains("binary") && vo.at("binary").is_bool() && vo.at("binary").get_bool(),
                            .sealed_value = JsonString(vo, "value")};
      if (const json::value* stages = vo.if_contains("stages"); stages != nullptr && stages->is_array()) {
        for (const json::value& st : stages->get_array()) {
          if (st.is_string()) version.stages.emplace_back(st.get_string());
        }
      }
      s.versions.push_back(std::move(version));
    }
  }
  return s;
}

Status ValidateName(std::string_view name) {
  if (name.empty() || name.size() > 512) return InvalidParameter("a secret's name is 1 to 512 characters");
  if (!std::all_of(name.begin(), name.end(), NameChar)) {
    return InvalidParameter("Invalid name. Must be a valid name containing alphanumeric characters, or any of the "
                            "following: -/_+=.@!");
  }
  return {};
}

std::string NewArn(std::string_view region, std::string_view account_id, std::string_view name,
                   std::string_view random_suffix) {
  return "arn:aws:secretsmanager:" + std::string(region) + ":" + std::string(account_id) + ":secret:" +
         std::string(name) + "-" + std::string(random_suffix);
}

std::optional<std::string> NameFromId(std::string_view id, std::string_view region, std::string_view account_id) {
  const std::string prefix = "arn:aws:secretsmanager:" + std::string(region) + ":" + std::string(account_id) + ":secret:";
  if (!id.starts_with("arn:")) return std::string(id);
  if (!id.starts_with(prefix)) return std::nullopt;
  std::string_view rest = id.substr(prefix.size());
  // A full ARN ends in "-" and six characters AWS chose; a partial ARN is the name alone. A
  // name may itself end that way, which is why the caller checks the full ARN against the
  // secret found (ArnMatches) and tries the whole rest as a name too.
  if (rest.size() > 7 && rest[rest.size() - 7] == '-') return std::string(rest.substr(0, rest.size() - 7));
  return std::string(rest);
}

bool ArnMatches(const Secret& secret, std::string_view id) { return !id.starts_with("arn:") || secret.arn == id ||
                                                                     secret.arn.substr(0, secret.arn.size() - 7) == id; }

Status AddVersion(Secret& secret, SecretVersion version) {
  if (secret.Version(version.id) != nullptr) {
    return Fail(Code::kAlreadyExists, "a version with this ClientRequestToken already exists", "ResourceExistsException");
  }
  if (version.stages.empty()) version.stages.emplace_back(kCurrent);
  if (version.stages.size() > kMaxLabelsPerVersion) {
    return InvalidParameter("a version has at most " + std::to_string(kMaxLabelsPerVersion) + " staging labels");
  }
  for (const std::string& stage : version.stages) {
    if (stage.empty() || stage.size() > 256) return InvalidParameter("a staging label is 1 to 256 characters");
  }
  if (HasStage(version, kCurrent)) {
    SecretVersion* old_current = nullptr;
    for (SecretVersion& v : secret.versions) {
      if (HasStage(v, kCurrent)) old_current = &v;
    }
    if (old_current != nullptr) {
      const std::string previous_id = old_current->id;
      RemoveStage(secret, kPrevious);
      for (SecretVersion& v : secret.versions) {
        if (v.id == previous_id) v.stages.emplace_back(kPrevious);
      }
    }
  }
  for (const std::string& stage : version.stages) RemoveStage(secret, stage);
  secret.versions.push_back(std::move(version));
  // Deprecate the oldest unlabelled versions beyond the few AWS keeps reachable by id.
  size_t unlabelled = 0;
  for (auto it = secret.versions.rbegin(); it != secret.versions.rend(); ++it) {
    if (it->stages.empty()) ++unlabelled;
  }
  for (auto it = secret.versions.begin(); it != secret.versions.end() && unlabelled > kMaxUnlabelledVersions;) {
    if (it->stages.empty()) {
      it = secret.versions.erase(it);
      --unlabelled;
    } else {
      ++it;
    }
  }
  return {};
}

Status MergeTags(std::vector<std::pair<std::string, std::string>>& tags,
                 const std::vector<std::pair<std::string, std::string>>& add) {
  std::vector<std::pair<std::string, std::string>> merged = tags;
  for (const auto& [k, v] : add) {
    if (k.empty() || k.size() > 128 || v.size() > 256) {
      return InvalidParameter("a tag key is 1 to 128 characters and its value at most 256");
    }
    if (k.starts_with("aws:")) return InvalidParameter("tag keys starting with aws: are reserved");
    auto it = std::find_if(merged.begin(), merged.end(), [&](const auto& t) { return t.first == k; });
    if (it != merged.end()) {
      it->second = v;
    } else {
      merged.emplace_back(k, v);
    }
  }
  if (merged.size() > kMaxTags) return InvalidParameter("a secret has at most " + std::to_string(kMaxTags) + " tags");
  tags = std::move(merged);
  return {};
}

}  // namespace berth::secrets
