#include "scan/cvss.h"

#include <cmath>
#include <map>
#include <string>

#include "base/strings.h"

namespace berth::scan {
namespace {

std::map<std::string, std::string, std::less<>> Metrics(std::string_view vector) {
  std::map<std::string, std::string, std::less<>> out;
  size_t i = 0;
  while (i <= vector.size()) {
    size_t j = vector.find('/', i);
    if (j == std::string_view::npos) j = vector.size();
    std::string_view part = vector.substr(i, j - i);
    size_t colon = part.find(':');
    if (colon != std::string_view::npos) out[std::string(part.substr(0, colon))] = std::string(part.substr(colon + 1));
    i = j + 1;
  }
  return out;
}

// CVSS 3.1 Appendix A: round up to one decimal, free of floating-point artefacts.
double Roundup31(double x) {
  long long scaled = std::llround(x * 100000.0);
  if (scaled % 10000 == 0) return static_cast<double>(scaled) / 100000.0;
  return (std::floor(static_cast<double>(scaled) / 10000.0) + 1.0) / 10.0;
}

double Roundup30(double x) { return std::ceil(x * 10.0) / 10.0; }

std::optional<double> Weight(const std::map<std::string, std::string, std::less<>>& m, const char* key,
                             std::initializer_list<std::pair<const char*, double>> table) {
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  for (const auto& [value, weight] : table)
    if (it->second == value) return weight;
  return std::nullopt;
}

std::optional<CvssScore> V3(const std::map<std::string, std::string, std::less<>>& m, std::string version) {
  auto scope = m.find("S");
  if (scope == m.end() || (scope->second != "U" && scope->second != "C")) return std::nullopt;
  bool changed = scope->second == "C";
  auto av = Weight(m, "AV", {{"N", 0.85}, {"A", 0.62}, {"L", 0.55}, {"P", 0.2}});
  auto ac = Weight(m, "AC", {{"L", 0.77}, {"H", 0.44}});
  auto pr = Weight(m, "PR", {{"N", 0.85}, {"L", changed ? 0.68 : 0.62}, {"H", changed ? 0.5 : 0.27}});
  auto ui = Weight(m, "UI", {{"N", 0.85}, {"R", 0.62}});
  auto c = Weight(m, "C", {{"H", 0.56}, {"L", 0.22}, {"N", 0}});
  auto i = Weight(m, "I", {{"H", 0.56}, {"L", 0.22}, {"N", 0}});
  auto a = Weight(m, "A", {{"H", 0.56}, {"L", 0.22}, {"N", 0}});
  if (!av || !ac || !pr || !ui || !c || !i || !a) return std::nullopt;
  double iss = 1 - (1 - *c) * (1 - *i) * (1 - *a);
  double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  double exploitability = 8.22 * *av * *ac * *pr * *ui;
  auto roundup = version == "3.0" ? Roundup30 : Roundup31;
  double score = 0;
  if (impact > 0) score = changed ? roundup(std::min(1.08 * (impact + exploitability), 10.0))
                                  : roundup(std::min(impact + exploitability, 10.0));
  return CvssScore{score, std::move(version)};
}

std::optional<CvssScore> V2(const std::map<std::string, std::string, std::less<>>& m) {
  auto av = Weight(m, "AV", {{"L", 0.395}, {"A", 0.646}, {"N", 1.0}});
  auto ac = Weight(m, "AC", {{"H", 0.35}, {"M", 0.61}, {"L", 0.71}});
  auto au = Weight(m, "Au", {{"M", 0.45}, {"S", 0.56}, {"N", 0.704}});
  auto c = Weight(m, "C", {{"N", 0}, {"P", 0.275}, {"C", 0.660}});
  auto i = Weight(m, "I", {{"N", 0}, {"P", 0.275}, {"C", 0.660}});
  auto a = Weight(m, "A", {{"N", 0}, {"P", 0.275}, {"C", 0.660}});
  if (!av || !ac || !au || !c || !i || !a) return std::nullopt;
  double impact = 10.41 * (1 - (1 - *c) * (1 - *i) * (1 - *a));
  double exploitability = 20 * *av * *ac * *au;
  double f = impact == 0 ? 0 : 1.176;
  double score = std::round(((0.6 * impact) + (0.4 * exploitability) - 1.5) * f * 10.0) / 10.0;
  return CvssScore{std::max(score, 0.0), "2.0"};
}

}  // namespace

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kUndefined: return "UNDEFINED";
    case Severity::kInformational: return "INFORMATIONAL";
    case Severity::kLow: return "LOW";
    case Severity::kMedium: return "MEDIUM";
    case Severity::kHigh: return "HIGH";
    case Severity::kCritical: return "CRITICAL";
  }
  return "UNDEFINED";
}

Severity SeverityFromText(std::string_view text) {
  std::string t = AsciiLower(text);
  if (t == "critical") return Severity::kCritical;
  if (t == "high" || t == "important") return Severity::kHigh;
  if (t == "medium" || t == "moderate") return Severity::kMedium;
  if (t == "low" || t == "negligible" || t == "unimportant") return Severity::kLow;
  if (t == "informational" || t == "none" || t == "info") return Severity::kInformational;
  return Severity::kUndefined;
}

Severity SeverityFromScore(double score) {
  if (score >= 9.0) return Severity::kCritical;
  if (score >= 7.0) return Severity::kHigh;
  if (score >= 4.0) return Severity::kMedium;
  if (score >= 0.1) return Severity::kLow;
  return Severity::kInformational;
}

std::optional<CvssScore> CvssBaseScore(std::string_view vector) {
  auto m = Metrics(vector);
  if (auto it = m.find("CVSS"); it != m.end()) {
    if (it->second == "3.1" || it->second == "3.0") return V3(m, it->second);
    if (it->second == "4.0") {
      std::optional<double> score = CvssV4BaseScore(vector);
      if (!score) return std::nullopt;
      return CvssScore{.score = *score, .version = "4.0"};
    }
    return std::nullopt;  // anything newer
  }
  return V2(m);
}

}  // namespace berth::scan
