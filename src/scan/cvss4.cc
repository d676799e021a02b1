// CVSS v4.0 base scores. v4 has no formula: FIRST's specification assigns a score to each
// "macrovector" (six equivalence classes of the metrics) and places a vector within its
// macrovector's range by how far its metrics are below the macrovector's most severe vectors.
// This follows the specification and FIRST's reference calculator (cvss-v4-calculator, with
// its 2024 rounding correction); the scores table below is the specification's.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scan/cvss.h"

namespace berth::scan {
namespace {

struct MacroScore {
  int key;     // the macrovector's six digits as a number
  int tenths;  // its score x 10
};

// The specification's macrovector scores.
constexpr MacroScore kMacroScores[] = {
    {0, 100}, {1, 99}, {10, 98}, {11, 95}, {20, 95}, {21, 92}, {100, 100}, {101, 96}, {110, 93}, {111, 87},
    {120, 91}, {121, 81}, {200, 93}, {201, 90}, {210, 89}, {211, 80}, {220, 81}, {221, 68}, {1000, 98},
    {1001, 95}, {1010, 95}, {1011, 92}, {1020, 90}, {1021, 84}, {1100, 93}, {1101, 92}, {1110, 89},
    {1111, 81}, {1120, 81}, {1121, 65}, {1200, 88}, {1201, 80}, {1210, 78}, {1211, 70}, {1220, 69},
    {1221, 48}, {2001, 92}, {2011, 82}, {2021, 72}, {2101, 79}, {2111, 69}, {2121, 50}, {2201, 69},
    {2211, 55}, {2221, 27}, {10000, 99}, {10001, 97}, {10010, 95}, {10011, 92}, {10020, 92}, {10021, 85},
    {10100, 95}, {10101, 91}, {10110, 90}, {10111, 83}, {10120, 84}, {10121, 71}, {10200, 92}, {10201, 81},
    {10210, 82}, {10211, 71}, {10220, 72}, {10221, 53}, {11000, 95}, {11001, 93}, {11010, 92}, {11011, 85},
    {11020, 85}, {11021, 73}, {11100, 92}, {11101, 82}, {11110, 80}, {11111, 72}, {11120, 70}, {11121, 59},
    {11200, 84}, {11201, 70}, {11210, 71}, {11211, 52}, {11220, 50}, {11221, 30}, {12001, 86}, {12011, 75},
    {12021, 52}, {12101, 71}, {12111, 52}, {12121, 29}, {12201, 63}, {12211, 29}, {12221, 17}, {100000, 98},
    {100001, 95}, {100010, 94}, {100011, 87}, {100020, 91}, {100021, 81}, {100100, 94}, {100101, 89},
    {100110, 86}, {100111, 74}, {100120, 77}, {100121, 64}, {100200, 87}, {100201, 75}, {100210, 74},
    {100211, 63}, {100220, 63}, {100221, 49}, {101000, 94}, {101001, 89}, {101010, 88}, {101011, 77},
    {101020, 76}, {101021, 67}, {101100, 86}, {101101, 76}, {101110, 74}, {101111, 58}, {101120, 59},
    {101121, 50}, {101200, 72}, {101201, 57}, {101210, 57}, {101211, 52}, {101220, 52}, {101221, 25},
    {102001, 83}, {102011, 70}, {102021, 54}, {102101, 65}, {102111, 58}, {102121, 26}, {102201, 53},
    {102211, 21}, {102221, 13}, {110000, 95}, {110001, 90}, {110010, 88}, {110011, 76}, {110020, 76},
    {110021, 70}, {110100, 90}, {110101, 77}, {110110, 75}, {110111, 62}, {110120, 61}, {110121, 53},
    {110200, 77}, {110201, 66}, {110210, 68}, {110211, 59}, {110220, 52}, {110221, 30}, {111000, 89},
    {111001, 78}, {111010, 76}, {111011, 67}, {111020, 62}, {111021, 58}, {111100, 74}, {111101, 59},
    {111110, 57}, {111111, 57}, {111120, 47}, {111121, 23}, {111200, 61}, {111201, 52}, {111210, 57},
    {111211, 29}, {111220, 24}, {111221, 16}, {112001, 71}, {112011, 59}, {112021, 30}, {112101, 58},
    {112111, 26}, {112121, 15}, {112201, 23}, {112211, 13}, {112221, 6}, {200000, 93}, {200001, 87},
    {200010, 86}, {200011, 72}, {200020, 75}, {200021, 58}, {200100, 86}, {200101, 74}, {200110, 74},
    {200111, 61}, {200120, 56}, {200121, 34}, {200200, 70}, {200201, 54}, {200210, 52}, {200211, 40},
    {200220, 40}, {200221, 22}, {201000, 85}, {201001, 75}, {201010, 74}, {201011, 55}, {201020, 62},
    {201021, 51}, {201100, 72}, {201101, 57}, {201110, 55}, {201111, 41}, {201120, 46}, {201121, 19},
    {201200, 53}, {201201, 36}, {201210, 34}, {201211, 19}, {201220, 19}, {201221, 8}, {202001, 64},
    {202011, 51}, {202021, 20}, {202101, 47}, {202111, 21}, {202121, 11}, {202201, 24}, {202211, 9},
    {202221, 4}, {210000, 88}, {210001, 75}, {210010, 73}, {210011, 53}, {210020, 60}, {210021, 50},
    {210100, 73}, {210101, 55}, {210110, 59}, {210111, 40}, {210120, 41}, {210121, 20}, {210200, 54},
    {210201, 43}, {210210, 45}, {210211, 22}, {210220, 20}, {210221, 11}, {211000, 75}, {211001, 55},
    {211010, 58}, {211011, 45}, {211020, 40}, {211021, 21}, {211100, 61}, {211101, 51}, {211110, 48},
    {211111, 18}, {211120, 20}, {211121, 9}, {211200, 46}, {211201, 18}, {211210, 17}, {211211, 7},
    {211220, 8}, {211221, 2}, {212001, 53}, {212011, 24}, {212021, 14}, {212101, 24}, {212111, 12},
    {212121, 5}, {212201, 10}, {212211, 3}, {212221, 1},
};

std::optional<double> MacroScoreOf(int eq1, int eq2, int eq3, int eq4, int eq5, int eq6) {
  const int key = eq1 * 100000 + eq2 * 10000 + eq3 * 1000 + eq4 * 100 + eq5 * 10 + eq6;
  for (const MacroScore& m : kMacroScores) {
    if (m.key == key) return m.tenths / 10.0;
  }
  return std::nullopt;
}

// Each metric's values in order of severity, 0.1 apart: the distance unit.
double Level(std::string_view metric, char value) {
  static const std::map<std::string_view, std::string_view> kLevels = {
      {"AV", "NALP"}, {"PR", "NLH"}, {"UI", "NPA"}, {"AC", "LH"}, {"AT", "NP"}, {"VC", "HLN"}, {"VI", "HLN"},
      {"VA", "HLN"},  {"SC", "-HLN"}, {"SI", "SHLN"}, {"SA", "SHLN"}, {"CR", "HML"}, {"IR", "HML"}, {"AR", "HML"},
      {"E", "APU"}};
  std::string_view order = kLevels.at(metric);
  size_t i = order.find(value);
  return i == std::string_view::npos ? 0.0 : static_cast<double>(i) / 10.0;
}

using Metrics = std::map<std::string, char, std::less<>>;

// The value that counts: a modified (environmental) metric over its base metric, and the worst
// case for a threat or requirement metric left at X.
char Effective(const Metrics& m, std::string_view metric) {
  auto get = [&m](std::string_view name) {
    auto it = m.find(name);
    return it == m.end() ? 'X' : it->second;
  };
  const char value = get(metric);
  if (value == 'X' && (metric == "E")) return 'A';
  if (value == 'X' && (metric == "CR" || metric == "IR" || metric == "AR")) return 'H';
  if (const char modified = get("M" + std::string(metric)); modified != 'X') return modified;
  return value;
}

// The most severe vectors of each class, metric:value pairs.
using MaxVector = std::vector<std::pair<std::string_view, char>>;
std::vector<MaxVector> Maxes(int eq, int level, int eq6 = 0) {
  switch (eq) {
    case 1:
      if (level == 0) return {{{"AV", 'N'}, {"PR", 'N'}, {"UI", 'N'}}};
      if (level == 1) return {{{"AV", 'A'}, {"PR", 'N'}, {"UI", 'N'}}, {{"AV", 'N'}, {"PR", 'L'}, {"UI", 'N'}},
                              {{"AV", 'N'}, {"PR", 'N'}, {"UI", 'P'}}};
      return {{{"AV", 'P'}, {"PR", 'N'}, {"UI", 'N'}}, {{"AV", 'A'}, {"PR", 'L'}, {"UI", 'P'}}};
    case 2:
      if (level == 0) return {{{"AC", 'L'}, {"AT", 'N'}}};
      return {{{"AC", 'H'}, {"AT", 'N'}}, {{"AC", 'L'}, {"AT", 'P'}}};
    case 3: {
      auto v = [](char vc, char vi, char va, char cr, char ir, char ar) {
        return MaxVector{{"VC", vc}, {"VI", vi}, {"VA", va}, {"CR", cr}, {"IR", ir}, {"AR", ar}};
      };
      if (level == 0 && eq6 == 0) return {v('H', 'H', 'H', 'H', 'H', 'H')};
      if (level == 0) return {v('H', 'H', 'L', 'M', 'M', 'H'), v('H', 'H', 'H', 'M', 'M', 'M')};
      if (level == 1 && eq6 == 0) return {v('L', 'H', 'H', 'H', 'H', 'H'), v('H', 'L', 'H', 'H', 'H', 'H')};
      if (level == 1) {
        return {v('L', 'H', 'L', 'H', 'M', 'H'), v('L', 'H', 'H', 'H', 'M', 'M'), v('H', 'L', 'H', 'M', 'H', 'M'),
                v('H', 'L', 'L', 'M', 'H', 'H'), v('L', 'L', 'H', 'H', 'H', 'M')};
      }
      return {v('L', 'L', 'L', 'H', 'H', 'H')};
    }
    case 4:
      if (level == 0) return {{{"SC", 'H'}, {"SI", 'S'}, {"SA", 'S'}}};
      if (level == 1) return {{{"SC", 'H'}, {"SI", 'H'}, {"SA", 'H'}}};
      return {{{"SC", 'L'}, {"SI", 'L'}, {"SA", 'L'}}};
    default:
      return {{{"E", level == 0 ? 'A' : level == 1 ? 'P' : 'U'}}};
  }
}

// Severity distances at most one class step deep (the specification's "+1" depths), x 0.1.
constexpr std::array<int, 3> kDepthEq1 = {1, 4, 5};
constexpr std::array<int, 2> kDepthEq2 = {1, 2};
constexpr std::array<int, 3> kDepthEq4 = {6, 5, 4};
int DepthEq3Eq6(int eq3, int eq6) {
  if (eq3 == 0) return eq6 == 0 ? 7 : 6;
  if (eq3 == 1) return 8;
  return 10;
}

bool Allowed(std::string_view metric, char value) {
  static const std::map<std::string_view, std::string_view> kValues = {
      {"AV", "NALP"}, {"AC", "LH"},   {"AT", "NP"},   {"PR", "NLH"},  {"UI", "NPA"},  {"VC", "HLN"}, {"VI", "HLN"},
      {"VA", "HLN"},  {"SC", "HLN"},  {"SI", "HLN"},  {"SA", "HLN"},  {"E", "XAPU"},  {"CR", "XHML"}, {"IR", "XHML"},
      {"AR", "XHML"}, {"MAV", "XNALP"}, {"MAC", "XLH"}, {"MAT", "XNP"}, {"MPR", "XNLH"}, {"MUI", "XNPA"},
      {"MVC", "XHLN"}, {"MVI", "XHLN"}, {"MVA", "XHLN"}, {"MSC", "XHLN"}, {"MSI", "XSHLN"}, {"MSA", "XSHLN"}};
  auto it = kValues.find(metric);
  // Supplemental metrics (S, AU, R, V, RE, U) do not change the score; any value is kept.
  if (it == kValues.end()) return true;
  return it->second.find(value) != std::string_view::npos;
}

}  // namespace

std::optional<double> CvssV4BaseScore(std::string_view vector) {
  if (!vector.starts_with("CVSS:4.0/")) return std::nullopt;
  Metrics m;
  std::string_view rest = vector.substr(9);
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    const size_t colon = part.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    std::string_view name = part.substr(0, colon), value = part.substr(colon + 1);
    if (value.size() != 1 && Allowed(name, '?')) continue;  // a supplemental metric's longer value
    if (value.size() != 1 || !Allowed(name, value[0]) || m.contains(name)) return std::nullopt;
    m.emplace(std::string(name), value[0]);
  }
  for (std::string_view base : {"AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"}) {
    if (!m.contains(base)) return std::nullopt;
  }
  auto e = [&m](std::string_view metric) { return Effective(m, metric); };
  bool no_impact = true;
  for (std::string_view metric : {"VC", "VI", "VA", "SC", "SI", "SA"}) no_impact = no_impact && e(metric) == 'N';
  if (no_impact) return 0.0;

  const char av = e("AV"), pr = e("PR"), ui = e("UI");
  const int eq1 = (av == 'N' && pr == 'N' && ui == 'N') ? 0 : ((av == 'N' || pr == 'N' || ui == 'N') && av != 'P') ? 1 : 2;
  const int eq2 = (e("AC") == 'L' && e("AT") == 'N') ? 0 : 1;
  const char vc = e("VC"), vi = e("VI"), va = e("VA");
  const int eq3 = (vc == 'H' && vi == 'H') ? 0 : (vc == 'H' || vi == 'H' || va == 'H') ? 1 : 2;
  const int eq4 = (e("MSI") == 'S' || e("MSA") == 'S') ? 0 : (e("SC") == 'H' || e("SI") == 'H' || e("SA") == 'H') ? 1 : 2;
  const char threat = e("E");
  const int eq5 = threat == 'A' ? 0 : threat == 'P' ? 1 : 2;
  const int eq6 = ((e("CR") == 'H' && vc == 'H') || (e("IR") == 'H' && vi == 'H') || (e("AR") == 'H' && va == 'H')) ? 0 : 1;

  const std::optional<double> value = MacroScoreOf(eq1, eq2, eq3, eq4, eq5, eq6);
  if (!value) return std::nullopt;
  // The next lower macrovector along each class (none at the bottom). EQ3 and EQ6 move together.
  std::optional<double> lower_eq3eq6;
  if (eq3 == 0 && eq6 == 0) {
    // Two ways down: the reference takes the lower-right one unless the other scores higher.
    const std::optional<double> left = MacroScoreOf(eq1, eq2, eq3, eq4, eq5, eq6 + 1);
    const std::optional<double> right = MacroScoreOf(eq1, eq2, eq3 + 1, eq4, eq5, eq6);
    lower_eq3eq6 = (left && right && *left > *right) ? left : right;
  } else if (eq3 == 1 && eq6 == 0) {
    lower_eq3eq6 = MacroScoreOf(eq1, eq2, eq3, eq4, eq5, eq6 + 1);
  } else if (eq3 == 2 && eq6 == 1) {
    lower_eq3eq6 = MacroScoreOf(eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1);
  } else {
    lower_eq3eq6 = MacroScoreOf(eq1, eq2, eq3 + 1, eq4, eq5, eq6);
  }
  const std::array<std::optional<double>, 5> lower = {MacroScoreOf(eq1 + 1, eq2, eq3, eq4, eq5, eq6),
                                                      MacroScoreOf(eq1, eq2 + 1, eq3, eq4, eq5, eq6), lower_eq3eq6,
                                                      MacroScoreOf(eq1, eq2, eq3, eq4 + 1, eq5, eq6),
                                                      MacroScoreOf(eq1, eq2, eq3, eq4, eq5 + 1, eq6)};

  // The first of the class's most severe vectors that is at least as severe as this one in every
  // metric; its distances in each class.
  static constexpr std::array<std::string_view, 15> kAll = {"AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA",
                                                            "SC", "SI", "SA", "CR", "IR", "AR", "E"};
  std::map<std::string_view, double> distance;
  for (const MaxVector& v1 : Maxes(1, eq1)) {
    for (const MaxVector& v2 : Maxes(2, eq2)) {
      for (const MaxVector& v3 : Maxes(3, eq3, eq6)) {
        for (const MaxVector& v4 : Maxes(4, eq4)) {
          for (const MaxVector& v5 : Maxes(5, eq5)) {
            std::map<std::string_view, char> max;
            for (const MaxVector* part : {&v1, &v2, &v3, &v4, &v5}) {
              for (const auto& [metric, level] : *part) max[metric] = level;
            }
            bool all_below = true;
            for (std::string_view metric : kAll) {
              distance[metric] = Level(metric, e(metric)) - Level(metric, max[metric]);
              all_below = all_below && distance[metric] >= 0;
            }
            if (all_below) goto found;
          }
        }
      }
    }
  }
found:
  const std::array<double, 4> current = {
      distance["AV"] + distance["PR"] + distance["UI"], distance["AC"] + distance["AT"],
      distance["VC"] + distance["VI"] + distance["VA"] + distance["CR"] + distance["IR"] + distance["AR"],
      distance["SC"] + distance["SI"] + distance["SA"]};
  const std::array<double, 4> depth = {kDepthEq1[eq1] * 0.1, kDepthEq2[eq2] * 0.1, DepthEq3Eq6(eq3, eq6) * 0.1,
                                       kDepthEq4[eq4] * 0.1};
  double sum = 0;
  int existing = 0;
  for (size_t i = 0; i < lower.size(); ++i) {
    if (!lower[i]) continue;
    ++existing;
    // EQ5 (threat) moves nothing within its class.
    if (i < 4) sum += (*value - *lower[i]) * (current[i] / depth[i]);
  }
  const double score = std::clamp(*value - (existing == 0 ? 0.0 : sum / existing), 0.0, 10.0);
  // Round half up to one decimal, with the reference's epsilon against binary fractions (1.45 is 1.4499...).
  return std::round((score + 1e-6) * 10) / 10;
}

}  // namespace berth::scan
