#include "base/time.h"

#include <cctype>
#include <chrono>
#include <ctime>

namespace berth {
namespace {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  return std::chrono::sys_days(std::chrono::year_month_day(std::chrono::year(static_cast<int>(y)),
                                                           std::chrono::month(m), std::chrono::day(d)))
      .time_since_epoch()
      .count();
}

}  // namespace

std::string IsoTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<int64_t> ParseIsoTime(std::string_view s) {
  auto num = [&](size_t pos, size_t len) -> std::optional<int> {
    if (pos + len > s.size()) return std::nullopt;
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto y = num(0, 4), mo = num(5, 2), d = num(8, 2);
  if (!y || !mo || !d || s.size() < 10 || s[4] != '-' || s[7] != '-' || *mo < 1 || *mo > 12 || *d < 1 || *d > 31) {
    return std::nullopt;
  }
  int64_t t = DaysFromCivil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d)) * 86400;
  if (s.size() == 10) return t;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  auto h = num(11, 2), mi = num(14, 2), sec = num(17, 2);
  if (!h || !mi || !sec || s[13] != ':' || s[16] != ':' || *h > 23 || *mi > 59 || *sec > 60) return std::nullopt;
  t += *h * 3600 + *mi * 60 + *sec;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
  }
  std::string_view zone = s.substr(pos);
  if (zone.empty() || zone == "Z" || zone == "z") return t;
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    auto zh = num(pos + 1, 2), zm = num(pos + 4, 2);
    if (!zh || !zm) return std::nullopt;
    const int64_t offset = *zh * 3600 + *zm * 60;
    return zone[0] == '+' ? t - offset : t + offset;
  }
  return std::nullopt;
}

}  // namespace berth
