#include "iam/conditions.h"

#include "base/strings.h"
#include "base/time.h"
#include "base/wildcard.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstring>

namespace berth::iam {
namespace {

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

constexpr std::array<std::string_view, 25> kOperators = {
    "stringequals",       "stringnotequals",        "stringequalsignorecase", "stringnotequalsignorecase",
    "stringlike",         "stringnotlike",          "numericequals",          "numericnotequals",
    "numericlessthan",    "numericlessthanequals",  "numericgreaterthan",     "numericgreaterthanequals",
    "dateequals",         "datenotequals",          "datelessthan",           "datelessthanequals",
    "dategreaterthan",    "dategreaterthanequals",  "bool",                   "binaryequals",
    "ipaddress",          "notipaddress",           "arnequals",              "arnlike",
    "null"};

bool Negated(std::string_view op) {
  return op == "stringnotequals" || op == "stringnotequalsignorecase" || op == "stringnotlike" ||
         op == "numericnotequals" || op == "datenotequals" || op == "notipaddress" || op == "arnnotequals" ||
         op == "arnnotlike";
}

// The positive operator a negated one inverts.
std::string_view Positive(std::string_view op) {
  if (op == "stringnotequals") return "stringequals";
  if (op == "stringnotequalsignorecase") return "stringequalsignorecase";
  if (op == "stringnotlike") return "stringlike";
  if (op == "numericnotequals") return "numericequals";
  if (op == "datenotequals") return "dateequals";
  if (op == "notipaddress") return "ipaddress";
  if (op == "arnnotequals") return "arnequals";
  if (op == "arnnotlike") return "arnlike";
  return op;
}

std::optional<double> ParseNumber(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

struct Cidr {
  int family = 0;
  std::array<unsigned char, 16> addr{};
  int bits = 0;
};

std::optional<Cidr> ParseCidr(std::string_view text, bool allow_prefix) {
  Cidr c;
  std::string host(text);
  int max_bits = 0;
  size_t slash = host.find('/');
  std::string addr = host.substr(0, slash);
  if (::inet_pton(AF_INET, addr.c_str(), c.addr.data()) == 1) {
    c.family = AF_INET;
    max_bits = 32;
  } else if (::inet_pton(AF_INET6, addr.c_str(), c.addr.data()) == 1) {
    c.family = AF_INET6;
    max_bits = 128;
  } else {
    return std::nullopt;
  }
  c.bits = max_bits;
  if (slash != std::string::npos) {
    if (!allow_prefix) return std::nullopt;
    std::string_view bits = std::string_view(host).substr(slash + 1);
    int b = -1;
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), b);
    if (ec != std::errc() || end != bits.data() + bits.size() || b < 0 || b > max_bits) return std::nullopt;
    c.bits = b;
  }
  return c;
}

bool InCidr(const Cidr& net, const Cidr& ip) {
  Cidr a = ip;
  if (net.family != ip.family) {
    // An IPv4 caller seen as an IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches IPv4 ranges.
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (net.family == AF_INET && ip.family == AF_INET6 && std::memcmp(ip.addr.data(), kMapped, 12) == 0) {
      std::memmove(a.addr.data(), ip.addr.data() + 12, 4);
      a.family = AF_INET;
    } else {
      return false;
    }
  }
  int bits = net.bits;
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((net.addr[i] & mask) != (a.addr[i] & mask)) return false;
  }
  return true;
}

// ARNs compare segment by segment (arn:partition:service:region:account:resource), the
// resource keeping its own colons.
bool ArnMatch(std::string_view pattern, std::string_view arn, bool like) {
  auto split = [](std::string_view s) {
    std::array<std::string_view, 6> parts{};
    for (size_t i = 0; i < 5; ++i) {
      size_t colon = s.find(':');
      if (colon == std::string_view::npos) return std::optional<std::array<std::string_view, 6>>();
      parts[i] = s.substr(0, colon);
      s.remove_prefix(colon + 1);
    }
    parts[5] = s;
    return std::optional(parts);
  };
  auto p = split(pattern);
  auto a = split(arn);
  if (!p || !a) return like ? berth::WildcardMatch(pattern, arn) : pattern == arn;
  for (size_t i = 0; i < 6; ++i) {
    if (like ? !berth::WildcardMatch((*p)[i], (*a)[i]) : (*p)[i] != (*a)[i]) return false;
  }
  return true;
}

// Does one request value match one condition value under a positive operator?
bool Matches(std::string_view op, std::string_view expected, std::string_view actual) {
  if (op == "stringequals") return expected == actual;
  if (op == "stringequalsignorecase") return IEquals(expected, actual);
  if (op == "stringlike") return berth::WildcardMatch(expected, actual);
  if (op == "bool") return IEquals(expected, actual);
  if (op == "binaryequals") return expected == actual;
  if (op == "arnequals") return ArnMatch(expected, actual, false);
  if (op == "arnlike") return ArnMatch(expected, actual, true);
  if (op == "ipaddress") {
    std::optional<Cidr> net = ParseCidr(expected, true);
    std::optional<Cidr> ip = ParseCidr(actual, false);
    return net && ip && InCidr(*net, *ip);
  }
  if (op.starts_with("numeric") || op.starts_with("date")) {
    const bool date = op.starts_with("date");
    std::optional<double> want = date ? ParseDate(expected) : ParseNumber(expected);
    std::optional<double> have = date ? ParseDate(actual) : ParseNumber(actual);
    if (!want || !have) return false;
    std::string_view cmp = op.substr(date ? 4 : 7);
    if (cmp == "equals") return *have == *want;
    if (cmp == "lessthan") return *have < *want;
    if (cmp == "lessthanequals") return *have <= *want;
    if (cmp == "greaterthan") return *have > *want;
    if (cmp == "greaterthanequals") return *have >= *want;
  }
  return false;
}

bool MatchesAnyValue(std::string_view op, const std::vector<std::string>& expected, std::string_view actual,
                     bool variables, const ContextLookup* context) {
  for (const std::string& e : expected) {
    if (variables && e.find("${") != std::string::npos) {
      std::optional<std::string> expanded = SubstituteVariables(e, context);
      if (expanded && Matches(op, *expanded, actual)) return true;
    } else if (Matches(op, e, actual)) {
      return true;
    }
  }
  return false;
}


}  // namespace

std::optional<double> ParseDate(std::string_view s) {
  if (std::optional<double> epoch = ParseNumber(s)) return epoch;
  if (std::optional<int64_t> t = ParseIsoTime(s)) return static_cast<double>(*t);
  return std::nullopt;
}

Result<Condition> ParseOperator(std::string_view name) {
  Condition c;
  std::string_view rest = name;
  if (IStartsWith(rest, "ForAnyValue:")) {
    c.set = Condition::SetOp::kForAnyValue;
    rest.remove_prefix(12);
  } else if (IStartsWith(rest, "ForAllValues:")) {
    c.set = Condition::SetOp::kForAllValues;
    rest.remove_prefix(13);
  }
  std::string op = AsciiLower(rest);
  if (op.size() > 8 && op.ends_with("ifexists")) {
    c.if_exists = true;
    op.resize(op.size() - 8);
  }
  const bool known = std::find(kOperators.begin(), kOperators.end(), op) != kOperators.end() ||
                     op == "arnnotequals" || op == "arnnotlike";
  if (!known || (op == "null" && (c.if_exists || c.set != Condition::SetOp::kNone))) {
    return Fail(Code::kInvalidArgument,
                "Condition: unknown operator '" + std::string(name) +
                    "' (StringEquals, StringLike, NumericLessThan, DateGreaterThan, Bool, IpAddress, ArnLike, "
                    "Null, ... with an optional IfExists suffix and ForAnyValue:/ForAllValues: prefix)",
                "MalformedPolicyDocument");
  }
  c.op = std::move(op);
  return c;
}

Status CheckConditionValues(const Condition& c, const std::string& where) {
  std::string_view op = Positive(c.op);
  for (const std::string& v : c.values) {
    if (v.find("${") != std::string::npos) continue;  // resolved per request
    bool ok = true;
    const char* want = "";
    if (op.starts_with("numeric")) {
      ok = ParseNumber(v).has_value();
      want = "a number";
    } else if (op.starts_with("date")) {
      ok = ParseDate(v).has_value();
      want = "an ISO 8601 date or epoch seconds";
    } else if (op == "bool" || op == "null") {
      ok = IEquals(v, "true") || IEquals(v, "false");
      want = "true or false";
    } else if (op == "ipaddress") {
      ok = ParseCidr(v, true).has_value();
      want = "an IP address or CIDR range";
    }
    if (!ok) {
      return Fail(Code::kInvalidArgument, where + ": '" + v + "' is not " + want, "MalformedPolicyDocument");
    }
  }
  return {};
}

bool ConditionHolds(const Condition& c, bool variables, const ContextLookup* context) {
  std::optional<std::vector<std::string>> values = context != nullptr ? (*context)(c.key) : std::nullopt;
  if (values && values->empty() && c.set == Condition::SetOp::kNone) values.reset();
  if (c.op == "null") {
    // "Null": true asks that the key be absent, false that it be present.
    const bool want_absent = IEquals(c.values.front(), "true");
    return want_absent == !values.has_value();
  }
  const bool negated = Negated(c.op);
  const std::string_view op = Positive(c.op);
  if (!values) {
    if (c.set == Condition::SetOp::kForAllValues) return true;  // vacuously: no value fails
    if (c.if_exists) return true;
    // A missing key matches nothing: a negated operator then holds.
    return negated && c.set == Condition::SetOp::kNone;
  }
  auto one = [&](const std::string& actual) {
    const bool hit = MatchesAnyValue(op, c.values, actual, variables, context);
    return negated ? !hit : hit;
  };
  switch (c.set) {
    case Condition::SetOp::kForAllValues:
      return std::all_of(values->begin(), values->end(), one);
    case Condition::SetOp::kForAnyValue:
      return std::any_of(values->begin(), values->end(), one);
    case Condition::SetOp::kNone:
      // A single-valued key; a list without a qualifier holds if a value matches, and a negated
      // operator holds only if none does.
      if (negated) {
        return std::none_of(values->begin(), values->end(), [&](const std::string& a) {
          return MatchesAnyValue(op, c.values, a, variables, context);
        });
      }
      return std::any_of(values->begin(), values->end(), one);
  }
  return false;
}

std::optional<std::string> SubstituteVariables(std::string_view pattern, const ContextLookup* context) {
  std::string out;
  while (!pattern.empty()) {
    size_t start = pattern.find("${");
    size_t end = start == std::string_view::npos ? start : pattern.find('}', start);
    if (end == std::string_view::npos) {
      out += pattern;
      break;
    }
    out += pattern.substr(0, start);
    std::string_view name = pattern.substr(start + 2, end - start - 2);
    if (name == "*" || name == "?" || name == "$") {
      out += name;
    } else {
      std::optional<std::vector<std::string>> v = context != nullptr ? (*context)(AsciiLower(name)) : std::nullopt;
      if (!v || v->size() != 1) return std::nullopt;
      out += v->front();
    }
    pattern.remove_prefix(end + 1);
  }
  return out;
}

}  // namespace berth::iam
