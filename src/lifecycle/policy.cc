#include "lifecycle/policy.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace berth::lifecycle {
namespace {

namespace json = boost::json;

constexpr size_t kMinText = 100, kMaxText = 30720, kMaxRules = 50;

std::unexpected<Error> Invalid(std::string message) {
  return Fail(Code::kInvalidArgument, "Lifecycle policy validation failure: " + std::move(message),
              "InvalidParameterException");
}

// "rule 2 (rulePriority 5)" for messages.
std::string Where(size_t index, const json::object& rule) {
  std::string where = "rule " + std::to_string(index + 1);
  if (const json::value* p = rule.if_contains("rulePriority"); p != nullptr && p->is_int64()) {
    where += " (rulePriority " + std::to_string(p->get_int64()) + ")";
  }
  return where;
}

Result<std::string> EnumMember(const json::object& o, std::string_view key, const std::string& where,
                               std::initializer_list<std::string_view> allowed, bool required) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) {
    if (required) return Invalid(where + ": " + std::string(key) + " is required");
    return std::string();
  }
  std::string text = v->is_string() ? std::string(v->get_string()) : std::string();
  if (std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return Invalid(where + ": " + std::string(key) + " must be one of " + list);
  }
  return text;
}

Result<std::vector<std::string>> TagList(const json::object& sel, std::string_view key, const std::string& where) {
  std::vector<std::string> out;
  const json::value* v = sel.if_contains(key);
  if (v == nullptr) return out;
  if (!v->is_array() || v->get_array().empty() || v->get_array().size() > 100) {
    return Invalid(where + ": selection." + std::string(key) + " must be a list of 1 to 100 strings");
  }
  for (const json::value& e : v->get_array()) {
    if (!e.is_string() || e.get_string().empty() || e.get_string().size() > 128) {
      return Invalid(where + ": selection." + std::string(key) + " entries must be strings of 1 to 128 characters");
    }
    out.emplace_back(e.get_string());
  }
  return out;
}

Result<Rule> ParseRule(const json::value& v, size_t index) {
  if (!v.is_object()) return Invalid("rule " + std::to_string(index + 1) + " must be an object");
  const json::object& o = v.get_object();
  const std::string where = Where(index, o);
  for (const auto& [key, _] : o) {
    if (key != "rulePriority" && key != "description" && key != "selection" && key != "action") {
      return Invalid(where + ": unknown field " + std::string(key));
    }
  }
  Rule r;
  const json::value* priority = o.if_contains("rulePriority");
  if (priority == nullptr || !priority->is_int64() || priority->get_int64() < 1 || priority->get_int64() > 999) {
    return Invalid(where + ": rulePriority is required, an integer from 1 to 999");
  }
  r.priority = priority->get_int64();
  if (const json::value* d = o.if_contains("description")) {
    if (!d->is_string() || d->get_string().size() > 256) return Invalid(where + ": description must be a string of at most 256 characters");
    r.description = d->get_string();
  }
  const json::value* selection = o.if_contains("selection");
  if (selection == nullptr || !selection->is_object()) return Invalid(where + ": selection is required");
  const json::object& sel = selection->get_object();
  for (const auto& [key, _] : sel) {
    static constexpr std::string_view kKnown[] = {"tagStatus", "tagPrefixList", "tagPatternList", "storageClass",
                                                  "countType", "countUnit", "countNumber"};
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      return Invalid(where + ": unknown field selection." + std::string(key));
    }
  }
  BERTH_ASSIGN(std::string status, EnumMember(sel, "tagStatus", where + ": selection", {"tagged", "untagged", "any"}, true));
  r.tag_status = status == "tagged" ? TagStatus::kTagged : status == "untagged" ? TagStatus::kUntagged : TagStatus::kAny;
  BERTH_ASSIGN(r.tag_prefixes, TagList(sel, "tagPrefixList", where));
  BERTH_ASSIGN(r.tag_patterns, TagList(sel, "tagPatternList", where));
  if (r.tag_status == TagStatus::kTagged) {
    if (r.tag_prefixes.empty() == r.tag_patterns.empty()) {
      return Invalid(where + ": tagStatus tagged needs exactly one of selection.tagPrefixList and selection.tagPatternList");
    }
  } else if (!r.tag_prefixes.empty() || !r.tag_patterns.empty()) {
    return Invalid(where + ": selection." + std::string(r.tag_prefixes.empty() ? "tagPatternList" : "tagPrefixList") +
                   " is not allowed with tagStatus " + status);
  }
  for (const std::string& p : r.tag_patterns) {
    if (std::count(p.begin(), p.end(), '*') > 4) {
      return Invalid(where + ": selection.tagPatternList entry '" + p + "' has more than 4 wildcards");
    }
  }
  BERTH_ASSIGN(std::string storage, EnumMember(sel, "storageClass", where + ": selection", {"standard", "archive"}, false));
  r.storage_class = storage == "archive" ? StorageClass::kArchive : StorageClass::kStandard;
  BERTH_ASSIGN(std::string count_type,
               EnumMember(sel, "countType", where + ": selection",
                          {"imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned"}, true));
  r.count_type = count_type == "imageCountMoreThan"   ? CountType::kImageCountMoreThan
                 : count_type == "sinceImagePushed"   ? CountType::kSinceImagePushed
                 : count_type == "sinceImagePulled"   ? CountType::kSinceImagePulled
                                                      : CountType::kSinceImageTransitioned;
  const bool since = r.count_type != CountType::kImageCountMoreThan;
  const json::value* unit = sel.if_contains("countUnit");
  if (since && (unit == nullptr || !unit->is_string() || unit->get_string() != "days")) {
    return Invalid(where + ": selection.countUnit must be \"days\" with countType " + count_type);
  }
  if (!since && unit != nullptr) return Invalid(where + ": selection.countUnit is not allowed with countType imageCountMoreThan");
  const json::value* number = sel.if_contains("countNumber");
  if (number == nullptr || !number->is_int64() || number->get_int64() < 1) {
    return Invalid(where + ": selection.countNumber is required, a positive integer");
  }
  r.count_number = number->get_int64();
  if (r.count_type == CountType::kSinceImageTransitioned && r.storage_class != StorageClass::kArchive) {
    return Invalid(where + ": countType sinceImageTransitioned needs selection.storageClass \"archive\"");
  }
  if (r.count_type != CountType::kSinceImageTransitioned && r.storage_class == StorageClass::kArchive) {
    return Invalid(where + ": selection.storageClass \"archive\" goes only with countType sinceImageTransitioned");
  }

  const json::value* action = o.if_contains("action");
  if (action == nullptr || !action->is_object()) return Invalid(where + ": action is required");
  for (const auto& [key, _] : action->get_object()) {
    if (key != "type" && key != "targetStorageClass") return Invalid(where + ": unknown field action." + std::string(key));
  }
  BERTH_ASSIGN(std::string type, EnumMember(action->get_object(), "type", where + ": action", {"expire", "transition"}, true));
  r.action = type == "expire" ? ActionType::kExpire : ActionType::kTransition;
  const json::value* target = action->get_object().if_contains("targetStorageClass");
  if (r.action == ActionType::kTransition) {
    if (target == nullptr || !target->is_string() || target->get_string() != "archive") {
      return Invalid(where + ": action.targetStorageClass must be \"archive\" with action type transition");
    }
    if (r.count_type == CountType::kSinceImageTransitioned) {
      return Invalid(where + ": an archived image can only expire (action type expire with sinceImageTransitioned)");
    }
  } else if (target != nullptr) {
    return Invalid(where + ": action.targetStorageClass goes only with action type transition");
  }
  // sinceImagePulled may expire too: beyond ECR, which only archives by last pull.
  return r;
}

// The tag filter of a rule, as a comparable key, for the rule of unique filters per class.
std::string FilterKey(const Rule& r) {
  std::vector<std::string> p = r.tag_prefixes, q = r.tag_patterns;
  std::sort(p.begin(), p.end());
  std::sort(q.begin(), q.end());
  std::string key = std::to_string(static_cast<int>(r.tag_status)) + "|";
  for (const std::string& s : p) key += "p:" + s + "\n";
  for (const std::string& s : q) key += "q:" + s + "\n";
  return key;
}

}  // namespace

Result<Policy> ParsePolicy(std::string_view text) {
  if (text.size() < kMinText || text.size() > kMaxText) {
    return Invalid("the policy text must be 100 to 30720 characters (it is " + std::to_string(text.size()) + ")");
  }
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return Invalid("the policy is not a JSON object");
  for (const auto& [key, _] : doc.get_object()) {
    if (key != "rules") return Invalid("unknown field " + std::string(key) + " (a policy has only rules)");
  }
  const json::value* rules = doc.get_object().if_contains("rules");
  if (rules == nullptr || !rules->is_array() || rules->get_array().empty()) return Invalid("rules must be a non-empty list");
  if (rules->get_array().size() > kMaxRules) return Invalid("a policy has at most 50 rules");
  Policy policy;
  for (size_t i = 0; i < rules->get_array().size(); ++i) {
    BERTH_ASSIGN(Rule r, ParseRule(rules->get_array()[i], i));
    policy.rules.push_back(std::move(r));
  }
  std::stable_sort(policy.rules.begin(), policy.rules.end(),
                   [](const Rule& a, const Rule& b) { return a.priority < b.priority; });
  std::map<StorageClass, std::set<std::string>> filters;
  std::map<StorageClass, int> untagged;
  for (size_t i = 0; i < policy.rules.size(); ++i) {
    const Rule& r = policy.rules[i];
    const std::string where = "rulePriority " + std::to_string(r.priority);
    if (i > 0 && policy.rules[i - 1].priority == r.priority) return Invalid(where + " is used by more than one rule");
    if (r.tag_status == TagStatus::kAny) {
      // An "any" rule comes last among the rules of its storage class.
      for (size_t j = i + 1; j < policy.rules.size(); ++j) {
        if (policy.rules[j].storage_class == r.storage_class) {
          return Invalid(where + ": a rule with tagStatus any must have the highest rulePriority of its storage class (rulePriority " +
                         std::to_string(policy.rules[j].priority) + " comes after it)");
        }
      }
    }
    if (r.tag_status == TagStatus::kUntagged && ++untagged[r.storage_class] > 1) {
      return Invalid(where + ": only one rule per storage class may select untagged images");
    }
    if (r.tag_status == TagStatus::kTagged && !filters[r.storage_class].insert(FilterKey(r)).second) {
      return Invalid(where + ": another rule of the same storage class selects the same tags");
    }
  }
  return policy;
}

std::string_view Name(ActionType a) { return a == ActionType::kExpire ? "EXPIRE" : "TRANSITION"; }
std::string_view Name(StorageClass s) { return s == StorageClass::kStandard ? "STANDARD" : "ARCHIVE"; }

}  // namespace berth::lifecycle
