#include "scan/osv.h"

#include "base/json.h"

#include <algorithm>
#include <boost/json.hpp>

namespace berth::scan {
namespace json = boost::json;
namespace {

Severity TextSeverity(const json::object& o) {
  for (auto key : {"database_specific", "ecosystem_specific"}) {
    if (auto* d = o.if_contains(key); d && d->is_object()) {
      if (auto* s = d->as_object().if_contains("severity"); s && s->is_string()) {
        Severity sev = SeverityFromText(s->as_string());
        if (sev != Severity::kUndefined) return sev;
      }
    }
  }
  return Severity::kUndefined;
}

auto Invalid(std::string message) { return Fail(Code::kInvalidArgument, std::move(message)); }

bool Affects(Ecosystem eco, const OsvRange& range, std::string_view version) {
  if (range.type != "ECOSYSTEM" && range.type != "SEMVER") return false;
  std::vector<const OsvEvent*> events;
  for (const auto& e : range.events)
    if (e.kind != OsvEvent::Kind::kLimit) events.push_back(&e);
  auto zero = [](const OsvEvent* e) { return e->kind == OsvEvent::Kind::kIntroduced && e->version == "0"; };
  std::stable_sort(events.begin(), events.end(), [&](const OsvEvent* a, const OsvEvent* b) {
    if (zero(a) || zero(b)) return zero(a) && !zero(b);
    return CompareVersions(eco, a->version, b->version) < 0;
  });
  bool affected = false;
  for (const OsvEvent* e : events) {
    switch (e->kind) {
      case OsvEvent::Kind::kIntroduced:
        if (zero(e) || CompareVersions(eco, version, e->version) >= 0) affected = true;
        break;
      case OsvEvent::Kind::kFixed:
        if (CompareVersions(eco, version, e->version) >= 0) affected = false;
        break;
      case OsvEvent::Kind::kLastAffected:
        if (CompareVersions(eco, version, e->version) > 0) affected = false;
        break;
      case OsvEvent::Kind::kLimit: break;
    }
  }
  return affected;
}

}  // namespace

Result<Advisory> ParseOsv(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return Invalid("not a JSON object: " + ec.message());
  const auto& o = doc.as_object();
  Advisory a;
  a.id = JsonString(o, "id");
  if (a.id.empty()) return Invalid("an advisory without an id");
  a.summary = JsonString(o, "summary");
  a.details = JsonString(o, "details");
  a.modified = JsonString(o, "modified");
  a.published = JsonString(o, "published");
  if (auto* al = o.if_contains("aliases"); al && al->is_array())
    for (const auto& v : al->as_array())
      if (v.is_string()) a.aliases.emplace_back(v.as_string());
  // The worst computable CVSS score among the vectors given.
  if (auto* sev = o.if_contains("severity"); sev && sev->is_array()) {
    for (const auto& s : sev->as_array()) {
      if (!s.is_object()) continue;
      std::string vector = JsonString(s.as_object(), "score");
      auto score = CvssBaseScore(vector);
      if (score && (!a.score || score->score > *a.score)) {
        a.score = score->score;
        a.vector = vector;
      }
    }
  }
  a.severity = a.score ? SeverityFromScore(*a.score) : TextSeverity(o);
  if (auto* refs = o.if_contains("references"); refs && refs->is_array()) {
    for (const char* wanted : {"ADVISORY", "WEB"}) {
      for (const auto& r : refs->as_array()) {
        if (r.is_object() && JsonString(r.as_object(), "type") == wanted && a.uri.empty()) a.uri = JsonString(r.as_object(), "url");
      }
    }
  }
  if (a.uri.empty()) a.uri = "https://osv.dev/vulnerability/" + a.id;
  if (auto* aff = o.if_contains("affected"); aff && aff->is_array()) {
    for (const auto& v : aff->as_array()) {
      if (!v.is_object()) return Invalid(a.id + ": affected[] is not an object");
      const auto& ao = v.as_object();
      OsvAffected entry;
      auto* pkg = ao.if_contains("package");
      if (!pkg || !pkg->is_object()) return Invalid(a.id + ": affected[] without a package");
      entry.ecosystem = JsonString(pkg->as_object(), "ecosystem");
      entry.package = JsonString(pkg->as_object(), "name");
      if (entry.ecosystem.empty() || entry.package.empty())
        return Invalid(a.id + ": affected[].package needs an ecosystem and a name");
      if (auto* ranges = ao.if_contains("ranges"); ranges && ranges->is_array()) {
        for (const auto& r : ranges->as_array()) {
          if (!r.is_object()) continue;
          OsvRange range;
          range.type = JsonString(r.as_object(), "type");
          if (auto* events = r.as_object().if_contains("events"); events && events->is_array()) {
            for (const auto& e : events->as_array()) {
              if (!e.is_object()) continue;
              const auto& eo = e.as_object();
              for (auto [key, kind] : {std::pair{"introduced", OsvEvent::Kind::kIntroduced},
                                       std::pair{"fixed", OsvEvent::Kind::kFixed},
                                       std::pair{"last_affected", OsvEvent::Kind::kLastAffected},
                                       std::pair{"limit", OsvEvent::Kind::kLimit}}) {
                std::string version = JsonString(eo, key);
                if (!version.empty()) range.events.push_back({kind, version});
              }
            }
          }
          entry.ranges.push_back(std::move(range));
        }
      }
      if (auto* versions = ao.if_contains("versions"); versions && versions->is_array())
        for (const auto& s : versions->as_array())
          if (s.is_string()) entry.versions.emplace_back(s.as_string());
      entry.severity = TextSeverity(ao);
      a.affected.push_back(std::move(entry));
    }
  }
  if (a.severity == Severity::kUndefined) {
    for (const auto& entry : a.affected) a.severity = std::max(a.severity, entry.severity);
  }
  return a;
}

bool IsAffected(Ecosystem ecosystem, const OsvAffected& affected, std::string_view version) {
  for (const auto& v : affected.versions)
    if (CompareVersions(ecosystem, v, version) == 0) return true;
  for (const auto& range : affected.ranges)
    if (Affects(ecosystem, range, version)) return true;
  return false;
}

std::optional<std::string> FixedVersion(Ecosystem ecosystem, const OsvAffected& affected, std::string_view version) {
  std::optional<std::string> best;
  for (const auto& range : affected.ranges) {
    if (!Affects(ecosystem, range, version)) continue;
    for (const auto& e : range.events) {
      if (e.kind != OsvEvent::Kind::kFixed || CompareVersions(ecosystem, e.version, version) <= 0) continue;
      if (!best || CompareVersions(ecosystem, e.version, *best) < 0) best = e.version;
    }
  }
  return best;
}

}  // namespace berth::scan
