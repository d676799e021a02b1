#include "iam/policy.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>

#include "base/strings.h"
#include "base/wildcard.h"
#include "iam/conditions.h"

namespace berth::iam {
namespace {

namespace json = boost::json;

constexpr size_t kMaxPolicyBytes = 128 * 1024;
constexpr size_t kMaxStatements = 500;
constexpr size_t kMaxListEntries = 1000;

std::unexpected<Error> Malformed(std::string message) {
  return Fail(Code::kInvalidArgument, std::move(message), "MalformedPolicyDocument");
}

// A string or an array of strings, as IAM accepts for Action, Resource and condition values.
Result<std::vector<std::string>> StringList(const json::value& v, const std::string& where, bool allow_scalars) {
  std::vector<std::string> out;
  auto one = [&](const json::value& e) -> Status {
    if (e.is_string()) {
      out.emplace_back(e.get_string());
    } else if (allow_scalars && e.is_bool()) {
      out.emplace_back(e.get_bool() ? "true" : "false");
    } else if (allow_scalars && (e.is_int64() || e.is_uint64() || e.is_double())) {
      out.push_back(e.is_int64() ? std::to_string(e.get_int64())
                    : e.is_uint64() ? std::to_string(e.get_uint64())
                                    : std::to_string(e.get_double()));
    } else {
      return Malformed(where + " must be a string or an array of strings");
    }
    return {};
  };
  if (v.is_array()) {
    if (v.get_array().size() > kMaxListEntries) return Malformed(where + " has more than 1000 entries");
    for (const json::value& e : v.get_array()) BERTH_TRY(one(e));
    if (out.empty()) return Malformed(where + " must not be an empty array");
  } else {
    BERTH_TRY(one(v));
  }
  return out;
}

Status CheckAction(const std::string& action, const std::string& where) {
  if (action == "*") return {};
  size_t colon = action.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == action.size()) {
    return Malformed(where + ": action '" + action + "' must be 'service:Action' (or '*')");
  }
  for (char c : action.substr(0, colon)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return Malformed(where + ": action '" + action + "' has an invalid service prefix");
    }
  }
  return {};
}

Status CheckResource(const std::string& resource, const std::string& where) {
  if (resource == "*" || resource.starts_with("arn:")) {
    if (resource != "*" && std::count(resource.begin(), resource.end(), ':') < 5) {
      return Malformed(where + ": resource '" + resource + "' is not an ARN (arn:partition:service:region:account:resource)");
    }
    return {};
  }
  return Malformed(where + ": resource '" + resource + "' must be '*' or an ARN");
}

Result<PrincipalSet> ParsePrincipal(const json::value& v, const std::string& where) {
  PrincipalSet out;
  if (v.is_string()) {
    if (v.get_string() != "*") return Malformed(where + " must be \"*\" or an object such as {\"AWS\": \"arn:...\"}");
    out.everyone = true;
    return out;
  }
  if (!v.is_object() || v.get_object().empty()) {
    return Malformed(where + " must be \"*\" or an object such as {\"AWS\": \"arn:...\"}");
  }
  for (const auto& [type, ids] : v.get_object()) {
    const std::string at = where + "." + std::string(type);
    BERTH_ASSIGN(std::vector<std::string> list, StringList(ids, at, false));
    if (type == "AWS") {
      for (std::string& id : list) {
        if (id == "*") {
          out.everyone = true;
          continue;
        }
        const bool account = id.size() == 12 && std::all_of(id.begin(), id.end(), ::isdigit);
        if (!account && !id.starts_with("arn:")) {
          return Malformed(at + ": '" + id + "' is neither an ARN nor a 12-digit account ID");
        }
        out.aws.push_back(std::move(id));
      }
    } else if (type != "Service" && type != "Federated" && type != "CanonicalUser") {
      return Malformed(at + ": unknown principal type (AWS, Service, Federated or CanonicalUser)");
    }
    // Service and federated principals are valid but never call this registry.
  }
  return out;
}

Result<std::vector<Condition>> ParseConditions(const json::value& v, const std::string& where) {
  if (!v.is_object()) return Malformed(where + " must be an object of operators");
  std::vector<Condition> out;
  for (const auto& [op_name, block] : v.get_object()) {
    const std::string at = where + "." + std::string(op_name);
    BERTH_ASSIGN(Condition shape, ParseOperator(op_name));
    if (!block.is_object() || block.get_object().empty()) return Malformed(at + " must be an object of keys");
    for (const auto& [key, values] : block.get_object()) {
      Condition c = shape;
      c.key = AsciiLower(key);
      if (c.key.find(':') == std::string::npos) {
        return Malformed(at + ": condition key '" + std::string(key) + "' must be 'prefix:name'");
      }
      BERTH_ASSIGN(c.values, StringList(values, at + "." + std::string(key), true));
      BERTH_TRY(CheckConditionValues(c, at + "." + std::string(key)));
      out.push_back(std::move(c));
    }
  }
  return out;
}

Result<Statement> ParseStatement(const json::value& v, const std::string& where, PolicyKind kind) {
  if (!v.is_object()) return Malformed(where + " must be an object");
  const json::object& o = v.get_object();
  for (const auto& [key, _] : o) {
    static constexpr std::string_view kKnown[] = {"Sid", "Effect", "Principal", "NotPrincipal", "Action",
                                                  "NotAction", "Resource", "NotResource", "Condition"};
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      return Malformed(where + ": unknown element '" + std::string(key) + "'");
    }
  }
  Statement s;
  if (const json::value* sid = o.if_contains("Sid")) {
    if (!sid->is_string()) return Malformed(where + ".Sid must be a string");
    s.sid = sid->get_string();
    if (!std::all_of(s.sid.begin(), s.sid.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' || c == '-' || c == '_';
        })) {
      return Malformed(where + ".Sid may hold only letters, digits, spaces, '-' and '_'");
    }
  }
  const json::value* effect = o.if_contains("Effect");
  if (effect == nullptr) return Malformed(where + " has no Effect");
  if (!effect->is_string() || (effect->get_string() != "Allow" && effect->get_string() != "Deny")) {
    return Malformed(where + ".Effect must be \"Allow\" or \"Deny\"");
  }
  s.allow = effect->get_string() == "Allow";

  const json::value* principal = o.if_contains("Principal");
  const json::value* not_principal = o.if_contains("NotPrincipal");
  if (principal != nullptr && not_principal != nullptr) {
    return Malformed(where + " has both Principal and NotPrincipal");
  }
  if (kind == PolicyKind::kIdentity && (principal != nullptr || not_principal != nullptr)) {
    return Malformed(where + ": an identity-based policy cannot name a Principal (it applies to whoever holds it)");
  }
  if (kind == PolicyKind::kResource) {
    if (principal == nullptr && not_principal == nullptr) {
      return Malformed(where + " has no Principal: a repository or registry policy must say whom it applies to");
    }
    s.not_principal = not_principal != nullptr;
    BERTH_ASSIGN(s.principal, ParsePrincipal(principal != nullptr ? *principal : *not_principal,
                                             where + (s.not_principal ? ".NotPrincipal" : ".Principal")));
  }

  const json::value* action = o.if_contains("Action");
  const json::value* not_action = o.if_contains("NotAction");
  if ((action == nullptr) == (not_action == nullptr)) {
    return Malformed(where + " must have exactly one of Action and NotAction");
  }
  s.not_action = not_action != nullptr;
  const std::string action_at = where + (s.not_action ? ".NotAction" : ".Action");
  BERTH_ASSIGN(s.actions, StringList(action != nullptr ? *action : *not_action, action_at, false));
  for (std::string& a : s.actions) {
    BERTH_TRY(CheckAction(a, action_at));
    a = AsciiLower(a);
  }

  const json::value* resource = o.if_contains("Resource");
  const json::value* not_resource = o.if_contains("NotResource");
  if (resource != nullptr && not_resource != nullptr) return Malformed(where + " has both Resource and NotResource");
  s.has_resource = resource != nullptr || not_resource != nullptr;
  if (kind == PolicyKind::kIdentity && !s.has_resource) {
    return Malformed(where + " has no Resource: say which resources it applies to (\"*\" for all)");
  }
  if (s.has_resource) {
    s.not_resource = not_resource != nullptr;
    const std::string at = where + (s.not_resource ? ".NotResource" : ".Resource");
    BERTH_ASSIGN(s.resources, StringList(resource != nullptr ? *resource : *not_resource, at, false));
    for (const std::string& r : s.resources) BERTH_TRY(CheckResource(r, at));
  }
  if (const json::value* cond = o.if_contains("Condition")) {
    BERTH_ASSIGN(s.conditions, ParseConditions(*cond, where + ".Condition"));
  }
  return s;
}

bool MatchesAny(const std::vector<std::string>& patterns, std::string_view text, bool ignore_case,
                bool variables, const ContextLookup* context) {
  for (const std::string& p : patterns) {
    if (variables && p.find("${") != std::string::npos) {
      std::optional<std::string> expanded = SubstituteVariables(p, context);
      if (expanded && berth::WildcardMatch(*expanded, text, {.question_mark = true, .ignore_case = ignore_case})) return true;
      continue;
    }
    if (berth::WildcardMatch(p, text, {.question_mark = true, .ignore_case = ignore_case})) return true;
  }
  return false;
}

PrincipalMatch MatchPrincipal(const PrincipalSet& set, const EvalRequest& r) {
  if (set.everyone) return PrincipalMatch::kDirect;
  if (r.principal_arn.empty()) return PrincipalMatch::kNone;
  PrincipalMatch best = PrincipalMatch::kNone;
  const std::string account_arn = "arn:aws:iam::" + std::string(r.account_id) + ":root";
  for (const std::string& id : set.aws) {
    if (id == r.principal_arn) return PrincipalMatch::kDirect;
    if (id == r.account_id || id == account_arn) best = PrincipalMatch::kAccount;
  }
  return best;
}

}  // namespace

Result<Policy> ParsePolicy(std::string_view text, PolicyKind kind) {
  if (text.size() > kMaxPolicyBytes) return Malformed("the policy is larger than 128 KiB");
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) return Malformed("the policy is not valid JSON: " + ec.message());
  if (!doc.is_object()) return Malformed("the policy must be a JSON object with Version and Statement");
  Policy policy;
  for (const auto& [key, _] : doc.get_object()) {
    if (key != "Version" && key != "Statement" && key != "Id") {
      return Malformed("unknown top-level element '" + std::string(key) + "' (Version, Id, Statement)");
    }
  }
  if (const json::value* version = doc.get_object().if_contains("Version")) {
    if (!version->is_string() || (version->get_string() != "2012-10-17" && version->get_string() != "2008-10-17")) {
      return Malformed("Version must be \"2012-10-17\" (or the older \"2008-10-17\")");
    }
    policy.variables = version->get_string() == "2012-10-17";
  }
  const json::value* statements = doc.get_object().if_contains("Statement");
  if (statements == nullptr) return Malformed("the policy has no Statement");
  if (statements->is_object()) {
    BERTH_ASSIGN(Statement s, ParseStatement(*statements, "Statement", kind));
    policy.statements.push_back(std::move(s));
  } else if (statements->is_array()) {
    if (statements->get_array().empty()) return Malformed("Statement must not be empty");
    if (statements->get_array().size() > kMaxStatements) return Malformed("the policy has more than 500 statements");
    size_t i = 0;
    for (const json::value& v : statements->get_array()) {
      BERTH_ASSIGN(Statement s, ParseStatement(v, "Statement[" + std::to_string(i++) + "]", kind));
      policy.statements.push_back(std::move(s));
    }
  } else {
    return Malformed("Statement must be an object or an array of objects");
  }
  std::vector<std::string_view> sids;
  for (const Statement& s : policy.statements) {
    if (s.sid.empty()) continue;
    if (std::find(sids.begin(), sids.end(), s.sid) != sids.end()) {
      return Malformed("Sid '" + s.sid + "' is used by more than one statement");
    }
    sids.push_back(s.sid);
  }
  return policy;
}

Outcome Evaluate(const Policy& policy, PolicyKind kind, const EvalRequest& r) {
  // Action patterns are stored lowercased: lowercase the action once rather than compare each
  // character without case.
  std::string lowered;
  std::string_view action = r.action;
  if (std::any_of(action.begin(), action.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    lowered = AsciiLower(action);
    action = lowered;
  }
  Outcome out;
  for (const Statement& s : policy.statements) {
    if (s.allow && out.effect == Effect::kAllow && out.principal == PrincipalMatch::kDirect) continue;
    PrincipalMatch principal = PrincipalMatch::kDirect;
    if (kind == PolicyKind::kResource && s.principal) {
      principal = MatchPrincipal(*s.principal, r);
      if (s.not_principal) {
        // Applies to everyone the list does not name.
        if (principal != PrincipalMatch::kNone) continue;
        principal = PrincipalMatch::kDirect;
      } else if (principal == PrincipalMatch::kNone) {
        continue;
      }
    }
    if (MatchesAny(s.actions, action, false, false, nullptr) == s.not_action) continue;
    if (s.has_resource &&
        MatchesAny(s.resources, r.resource, false, policy.variables, r.context) == s.not_resource) {
      continue;
    }
    bool conditions_hold = true;
    for (const Condition& c : s.conditions) {
      if (!ConditionHolds(c, policy.variables, r.context)) {
        conditions_hold = false;
        break;
      }
    }
    if (!conditions_hold) continue;
    if (!s.allow) return Outcome{.effect = Effect::kDeny, .principal = principal, .sid = s.sid};
    if (out.effect != Effect::kAllow || principal > out.principal) {
      out = Outcome{.effect = Effect::kAllow, .principal = principal, .sid = s.sid};
    }
  }
  return out;
}

}  // namespace berth::iam
