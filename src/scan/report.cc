#include "scan/report.h"

#include "base/json.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <map>

namespace berth::scan {
namespace {

namespace json = boost::json;

constexpr std::array kTypes{PackageType::kDpkg, PackageType::kApk,    PackageType::kRpm, PackageType::kPython,
                            PackageType::kNpm,  PackageType::kGo,     PackageType::kMaven};

std::optional<PackageType> TypeNamed(std::string_view name) {
  for (PackageType t : kTypes) {
    if (PackageTypeName(t) == name) return t;
  }
  return std::nullopt;
}

json::object PackageJson(const Package& p) {
  json::object o{{"type", PackageTypeName(p.type)}, {"name", p.name}, {"version", p.version}};
  if (!p.source_name.empty()) o["source"] = p.source_name;
  if (!p.source_version.empty()) o["source_version"] = p.source_version;
  if (!p.arch.empty()) o["arch"] = p.arch;
  if (!p.layer.empty()) o["layer"] = p.layer;
  if (!p.path.empty()) o["path"] = p.path;
  return o;
}

Result<Package> PackageFrom(const json::value& v) {
  if (!v.is_object()) return Fail(Code::kInvalidArgument, "a stored package is not an object");
  const json::object& o = v.get_object();
  std::optional<PackageType> type = TypeNamed(JsonString(o, "type"));
  if (!type) return Fail(Code::kInvalidArgument, "a stored package has an unknown type");
  return Package{.type = *type,
                 .name = JsonString(o, "name"),
                 .version = JsonString(o, "version"),
                 .source_name = JsonString(o, "source"),
                 .source_version = JsonString(o, "source_version"),
                 .arch = JsonString(o, "arch"),
                 .layer = JsonString(o, "layer"),
                 .path = JsonString(o, "path")};
}

Result<json::value> Parse(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Fail(Code::kInvalidArgument, "the stored " + std::string(what) + " is not JSON");
  return v;
}

}  // namespace

std::string InventoryToJson(const Inventory& inventory) {
  json::array packages;
  packages.reserve(inventory.packages.size());
  for (const Package& p : inventory.packages) packages.push_back(PackageJson(p));
  json::object os{{"id", inventory.os.id},
                  {"version_id", inventory.os.version_id},
                  {"pretty_name", inventory.os.pretty_name},
                  {"version_codename", inventory.os.version_codename}};
  return json::serialize(json::object{{"os", std::move(os)}, {"packages", std::move(packages)}});
}

Result<Inventory> InventoryFromJson(std::string_view text) {
  BERTH_ASSIGN(json::value v, Parse(text, "inventory"));
  if (!v.is_object()) return Fail(Code::kInvalidArgument, "the stored inventory is not an object");
  Inventory inventory;
  if (const json::value* os = v.get_object().if_contains("os"); os != nullptr && os->is_object()) {
    const json::object& o = os->get_object();
    inventory.os = {.id = JsonString(o, "id"), .version_id = JsonString(o, "version_id"), .pretty_name = JsonString(o, "pretty_name"),
                    .version_codename = JsonString(o, "version_codename")};
  }
  if (const json::value* ps = v.get_object().if_contains("packages"); ps != nullptr && ps->is_array()) {
    for (const json::value& p : ps->get_array()) {
      BERTH_ASSIGN(Package package, PackageFrom(p));
      inventory.packages.push_back(std::move(package));
    }
  }
  return inventory;
}

std::string FindingsToJson(const std::vector<Finding>& findings) {
  json::array out;
  out.reserve(findings.size());
  for (const Finding& f : findings) {
    const Advisory& a = *f.advisory;
    json::array aliases;
    for (const std::string& alias : a.aliases) aliases.push_back(json::string(alias));
    json::object o{{"id", a.id},
                   {"severity", SeverityName(a.severity)},
                   {"summary", a.summary},
                   {"description", a.details},
                   {"uri", a.uri},
                   {"package", PackageJson(f.package)}};
    if (!aliases.empty()) o["aliases"] = std::move(aliases);
    if (a.score) o["score"] = *a.score;
    if (!a.vector.empty()) o["vector"] = a.vector;
    if (!a.published.empty()) o["published"] = a.published;
    if (!a.modified.empty()) o["modified"] = a.modified;
    if (!f.fixed_version.empty()) o["fixed"] = f.fixed_version;
    out.push_back(std::move(o));
  }
  return json::serialize(out);
}

std::string SeverityCountsJson(const std::vector<Finding>& findings) {
  std::map<Severity, int64_t> counts;
  for (const Finding& f : findings) ++counts[f.advisory->severity];
  json::object out;
  for (auto it = counts.rbegin(); it != counts.rend(); ++it) out[SeverityName(it->first)] = it->second;  // worst first
  return json::serialize(out);
}

Result<std::vector<StoredFinding>> FindingsFromJson(std::string_view text) {
  if (text.empty()) return std::vector<StoredFinding>{};
  BERTH_ASSIGN(json::value v, Parse(text, "findings"));
  if (!v.is_array()) return Fail(Code::kInvalidArgument, "the stored findings are not an array");
  std::vector<StoredFinding> out;
  out.reserve(v.get_array().size());
  for (const json::value& item : v.get_array()) {
    if (!item.is_object()) return Fail(Code::kInvalidArgument, "a stored finding is not an object");
    const json::object& o = item.get_object();
    const json::value* package = o.if_contains("package");
    if (package == nullptr) return Fail(Code::kInvalidArgument, "a stored finding has no package");
    BERTH_ASSIGN(Package p, PackageFrom(*package));
    StoredFinding f{.id = JsonString(o, "id"),
                    .summary = JsonString(o, "summary"),
                    .description = JsonString(o, "description"),
                    .uri = JsonString(o, "uri"),
                    .severity = SeverityFromText(JsonString(o, "severity")),
                    .vector = JsonString(o, "vector"),
                    .published = JsonString(o, "published"),
                    .modified = JsonString(o, "modified"),
                    .package = std::move(p),
                    .fixed_version = JsonString(o, "fixed")};
    if (const json::value* score = o.if_contains("score"); score != nullptr && score->is_number()) {
      f.score = score->to_number<double>();
    }
    if (const json::value* aliases = o.if_contains("aliases"); aliases != nullptr && aliases->is_array()) {
      for (const json::value& alias : aliases->get_array()) {
        if (alias.is_string()) f.aliases.emplace_back(alias.get_string());
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace berth::scan
