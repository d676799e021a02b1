#include "iam/state.h"

#include "base/json.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace berth::iam {
namespace {

namespace json = boost::json;

json::object Policies(const std::map<std::string, std::string>& policies) {
  json::object out;
  for (const auto& [name, doc] : policies) out[name] = doc;
  return out;
}

json::array Strings(const std::vector<std::string>& v) {
  json::array out;
  for (const std::string& s : v) out.emplace_back(s);
  return out;
}

// Readers that tolerate absent members, so later versions can add fields.
int64_t Int(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

std::vector<std::string> StrList(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const json::value* v = o.if_contains(key); v != nullptr && v->is_array()) {
    for (const json::value& e : v->get_array()) {
      if (e.is_string()) out.emplace_back(e.get_string());
    }
  }
  return out;
}

std::map<std::string, std::string> PolicyMap(const json::object& o, std::string_view key) {
  std::map<std::string, std::string> out;
  if (const json::value* v = o.if_contains(key); v != nullptr && v->is_object()) {
    for (const auto& [name, doc] : v->get_object()) {
      if (doc.is_string()) out.emplace(std::string(name), std::string(doc.get_string()));
    }
  }
  return out;
}

}  // namespace

std::string ToJson(const IamState& state) {
  json::array users, groups, policies;
  for (const auto& [name, u] : state.users) {
    json::array keys;
    for (const AccessKeyEntry& k : u.keys) {
      keys.push_back(json::object{{"id", k.id}, {"secret", k.sealed_secret}, {"active", k.active},
                                  {"created", k.created_at}});
    }
    users.push_back(json::object{{"name", u.name}, {"id", u.id}, {"path", u.path}, {"created", u.created_at},
                                 {"policies", Policies(u.inline_policies)}, {"attached", Strings(u.attached)},
                                 {"groups", Strings(u.groups)}, {"keys", keys}});
  }
  for (const auto& [name, g] : state.groups) {
    groups.push_back(json::object{{"name", g.name}, {"id", g.id}, {"path", g.path}, {"created", g.created_at},
                                  {"policies", Policies(g.inline_policies)}, {"attached", Strings(g.attached)}});
  }
  for (const auto& [name, p] : state.policies) {
    policies.push_back(json::object{{"name", p.name}, {"id", p.id}, {"path", p.path},
                                    {"description", p.description}, {"document", p.document},
                                    {"created", p.created_at}, {"updated", p.updated_at}});
  }
  return json::serialize(json::object{{"users", users}, {"groups", groups}, {"policies", policies}});
}

Result<IamState> FromJson(std::string_view text) {
  IamState state;
  if (text.empty()) return state;
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return Fail(Code::kInternal, "the stored IAM document is not a JSON object");
  const json::object& root = doc.get_object();
  auto each = [&root](std::string_view key, auto&& fn) {
    if (const json::value* v = root.if_contains(key); v != nullptr && v->is_array()) {
      for (const json::value& e : v->get_array()) {
        if (e.is_object()) fn(e.get_object());
      }
    }
  };
  each("users", [&](const json::object& o) {
    User u{.name = JsonString(o, "name"), .id = JsonString(o, "id"), .path = JsonString(o, "path"), .created_at = Int(o, "created"),
           .inline_policies = PolicyMap(o, "policies"), .attached = StrList(o, "attached"),
           .groups = StrList(o, "groups"), .keys = {}};
    if (const json::value* keys = o.if_contains("keys"); keys != nullptr && keys->is_array()) {
      for (const json::value& k : keys->get_array()) {
        if (!k.is_object()) continue;
        const json::object& ko = k.get_object();
        const json::value* active = ko.if_contains("active");
        u.keys.push_back(AccessKeyEntry{.id = JsonString(ko, "id"), .sealed_secret = JsonString(ko, "secret"),
                                        .active = active == nullptr || !active->is_bool() || active->get_bool(),
                                        .created_at = Int(ko, "created")});
      }
    }
    std::string name = u.name;
    state.users.emplace(std::move(name), std::move(u));
  });
  each("groups", [&](const json::object& o) {
    Group g{.name = JsonString(o, "name"), .id = JsonString(o, "id"), .path = JsonString(o, "path"), .created_at = Int(o, "created"),
            .inline_policies = PolicyMap(o, "policies"), .attached = StrList(o, "attached")};
    std::string name = g.name;
    state.groups.emplace(std::move(name), std::move(g));
  });
  each("policies", [&](const json::object& o) {
    ManagedPolicy p{.name = JsonString(o, "name"), .id = JsonString(o, "id"), .path = JsonString(o, "path"),
                    .description = JsonString(o, "description"), .document = JsonString(o, "document"),
                    .created_at = Int(o, "created"), .updated_at = Int(o, "updated")};
    std::string name = p.name;
    state.policies.emplace(std::move(name), std::move(p));
  });
  return state;
}

}  // namespace berth::iam
