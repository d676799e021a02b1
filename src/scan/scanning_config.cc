#include "scan/scanning_config.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "base/wildcard.h"

namespace berth::scan {
namespace {

namespace json = boost::json;

Error Invalid(std::string message) { return Error(Code::kInvalidArgument, std::move(message), "ValidationException"); }

constexpr size_t kMaxRules = 2;
constexpr size_t kMaxFilters = 100;
constexpr size_t kMaxFilterBytes = 256;

}  // namespace

std::string ScanningConfigToJson(const ScanningConfig& config) {
  json::array rules;
  for (const ScanRule& rule : config.rules) {
    json::array filters;
    for (const std::string& f : rule.filters) filters.push_back(json::object{{"filter", f}, {"filterType", "WILDCARD"}});
    rules.push_back(json::object{{"scanFrequency", rule.frequency}, {"repositoryFilters", std::move(filters)}});
  }
  return json::serialize(json::object{{"scanType", config.scan_type}, {"rules", std::move(rules)}});
}

Result<ScanningConfig> ScanningConfigFromJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::unexpected(Invalid("the scanning configuration is not a JSON object"));
  ScanningConfig config;
  const json::object& o = v.get_object();
  if (const json::value* type = o.if_contains("scanType"); type != nullptr) {
    if (!type->is_string() || (type->get_string() != "BASIC" && type->get_string() != "ENHANCED")) {
      return std::unexpected(Invalid("scanType must be BASIC or ENHANCED"));
    }
    config.scan_type = std::string(type->get_string());
  }
  const json::value* rules = o.if_contains("rules");
  if (rules == nullptr) return config;
  if (!rules->is_array()) return std::unexpected(Invalid("rules must be a list"));
  if (rules->get_array().size() > kMaxRules) {
    return std::unexpected(Invalid("at most " + std::to_string(kMaxRules) + " scanning rules are allowed"));
  }
  for (const json::value& r : rules->get_array()) {
    if (!r.is_object()) return std::unexpected(Invalid("a scanning rule must be an object"));
    const json::value* frequency = r.get_object().if_contains("scanFrequency");
    if (frequency == nullptr || !frequency->is_string()) return std::unexpected(Invalid("a scanning rule needs scanFrequency"));
    ScanRule rule{.frequency = std::string(frequency->get_string())};
    if (rule.frequency != "SCAN_ON_PUSH" && rule.frequency != "CONTINUOUS_SCAN" && rule.frequency != "MANUAL") {
      return std::unexpected(Invalid("scanFrequency must be SCAN_ON_PUSH, CONTINUOUS_SCAN or MANUAL, not " +
                                     rule.frequency.substr(0, 64)));
    }
    if (rule.frequency == "CONTINUOUS_SCAN" && config.scan_type == "BASIC") {
      return std::unexpected(Invalid("CONTINUOUS_SCAN rules need scanType ENHANCED; BASIC scans on push or manually"));
    }
    const json::value* filters = r.get_object().if_contains("repositoryFilters");
    if (filters == nullptr || !filters->is_array() || filters->get_array().empty()) {
      return std::unexpected(Invalid("a scanning rule needs at least one repository filter"));
    }
    if (filters->get_array().size() > kMaxFilters) {
      return std::unexpected(Invalid("a scanning rule takes at most " + std::to_string(kMaxFilters) + " filters"));
    }
    for (const json::value& f : filters->get_array()) {
      const json::value* filter = f.is_object() ? f.get_object().if_contains("filter") : nullptr;
      if (filter == nullptr || !filter->is_string() || filter->get_string().empty() ||
          filter->get_string().size() > kMaxFilterBytes) {
        return std::unexpected(Invalid("a repository filter needs a filter of 1 to 256 characters"));
      }
      const json::value* type = f.get_object().if_contains("filterType");
      if (type != nullptr && (!type->is_string() || type->get_string() != "WILDCARD")) {
        return std::unexpected(Invalid("filterType must be WILDCARD"));
      }
      for (char ch : filter->get_string()) {
        if (!(std::islower(static_cast<unsigned char>(ch)) || std::isdigit(static_cast<unsigned char>(ch)) ||
              ch == '-' || ch == '_' || ch == '/' || ch == '.' || ch == '*')) {
          return std::unexpected(Invalid("repository filter " + std::string(filter->get_string()) +
                                         " may hold only a-z, 0-9, -, _, /, . and *"));
        }
      }
      rule.filters.emplace_back(filter->get_string());
    }
    config.rules.push_back(std::move(rule));
  }
  return config;
}

bool RepositoryFilterMatches(std::string_view filter, std::string_view repository) {
  if (filter.find('*') == std::string_view::npos) return repository.find(filter) != std::string_view::npos;
  return WildcardMatch(filter, repository, WildcardOptions{.question_mark = false});
}

RepositoryScanning ScanningFor(const ScanningConfig& config, std::string_view repository, bool repository_scan_on_push) {
  auto matching = [&](std::string_view frequency) -> std::vector<std::string> {
    std::vector<std::string> applied;
    for (const ScanRule& rule : config.rules) {
      if (rule.frequency != frequency) continue;
      for (const std::string& f : rule.filters) {
        if (RepositoryFilterMatches(f, repository)) applied.push_back(f);
      }
    }
    return applied;
  };
  if (config.scan_type == "ENHANCED") {
    if (auto applied = matching("CONTINUOUS_SCAN"); !applied.empty()) {
      return {.frequency = "CONTINUOUS_SCAN", .applied_filters = std::move(applied), .scans_on_push = true};
    }
    if (auto applied = matching("SCAN_ON_PUSH"); !applied.empty()) {
      return {.frequency = "SCAN_ON_PUSH", .applied_filters = std::move(applied), .scans_on_push = true};
    }
    return {.frequency = "MANUAL", .enabled = false};
  }
  if (auto applied = matching("SCAN_ON_PUSH"); !applied.empty()) {
    return {.frequency = "SCAN_ON_PUSH", .applied_filters = std::move(applied), .scans_on_push = true};
  }
  if (repository_scan_on_push) return {.frequency = "SCAN_ON_PUSH", .scans_on_push = true};
  return {.frequency = "MANUAL"};
}

}  // namespace berth::scan
