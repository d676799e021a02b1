#include "replication/configuration.h"

#include <boost/json/array.hpp>

namespace berth::replication {

namespace json = boost::json;

namespace {

std::unexpected<Error> Invalid(std::string message) {
  return Fail(Code::kInvalidArgument, std::move(message), "InvalidParameterException");
}

std::string_view StringAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

}  // namespace

Result<Configuration> ParseConfiguration(const json::object& input) {
  Configuration c;
  const json::value* rules = input.if_contains("rules");
  if (rules == nullptr || !rules->is_array()) return Invalid("replicationConfiguration needs its rules");
  for (const json::value& r : rules->as_array()) {
    if (!r.is_object()) return Invalid("a replication rule is an object");
    Rule rule;
    if (const json::value* ds = r.as_object().if_contains("destinations"); ds != nullptr && ds->is_array()) {
      for (const json::value& d : ds->as_array()) {
        if (!d.is_object()) return Invalid("a replication destination is an object");
        rule.destinations.push_back({std::string(StringAt(d.as_object(), "region")),
                                     std::string(StringAt(d.as_object(), "registryId"))});
      }
    }
    if (const json::value* fs = r.as_object().if_contains("repositoryFilters"); fs != nullptr && fs->is_array()) {
      for (const json::value& f : fs->as_array()) {
        if (!f.is_object()) return Invalid("a repository filter is an object");
        if (StringAt(f.as_object(), "filterType") != "PREFIX_MATCH") {
          return Invalid("Invalid parameter at 'filterType': only PREFIX_MATCH is supported");
        }
        rule.prefixes.emplace_back(StringAt(f.as_object(), "filter"));
      }
    }
    c.rules.push_back(std::move(rule));
  }
  if (AllDestinations(c).size() > kMaxUniqueDestinations) {
    return Invalid("a replication configuration may name at most 25 unique destinations");
  }
  return c;
}

json::object ConfigurationJson(const Configuration& c) {
  json::array rules;
  for (const Rule& r : c.rules) {
    json::array destinations;
    for (const Destination& d : r.destinations) {
      destinations.push_back(json::object{{"region", d.region}, {"registryId", d.registry_id}});
    }
    json::object rule{{"destinations", std::move(destinations)}};
    if (!r.prefixes.empty()) {
      json::array filters;
      for (const std::string& p : r.prefixes) filters.push_back(json::object{{"filter", p}, {"filterType", "PREFIX_MATCH"}});
      rule["repositoryFilters"] = std::move(filters);
    }
    rules.push_back(std::move(rule));
  }
  return json::object{{"rules", std::move(rules)}};
}

std::vector<std::string> DestinationsFor(const Configuration& c, std::string_view repository) {
  std::set<std::string> out;
  for (const Rule& r : c.rules) {
    bool match = r.prefixes.empty();
    for (const std::string& p : r.prefixes) match = match || repository.starts_with(p);
    if (!match) continue;
    for (const Destination& d : r.destinations) out.insert(d.Key());
  }
  return {out.begin(), out.end()};
}

std::set<std::string> AllDestinations(const Configuration& c) {
  std::set<std::string> out;
  for (const Rule& r : c.rules) {
    for (const Destination& d : r.destinations) out.insert(d.Key());
  }
  return out;
}

Status ValidateSource(std::string_view source) {
  const size_t slash = source.find('/');
  const std::string_view region = source.substr(0, slash);
  const std::string_view account = slash == std::string_view::npos ? std::string_view() : source.substr(slash + 1);
  const bool ok = !region.empty() && region.size() <= 25 &&
                  region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string_view::npos &&
                  account.size() == 12 && account.find_first_not_of("0123456789") == std::string_view::npos;
  if (!ok) {
    return Fail(Code::kInvalidArgument,
                std::string(kSourceHeader) + " names the source registry as REGION/REGISTRY_ID",
                "InvalidParameterException");
  }
  return {};
}

}  // namespace berth::replication
