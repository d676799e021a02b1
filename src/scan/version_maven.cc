// Maven's order (org.apache.maven.artifact.versioning.ComparableVersion): the version is split
// at `.`, `-` and digit/letter changes into a tree of numbers, qualifiers and sub-lists (each
// `-` or transition opens one); trailing "null" items (0, "", "final", "ga", "release") are
// dropped; qualifiers order alpha < beta < milestone < rc = cr < snapshot < release < sp <
// anything else (alphabetically), numbers above qualifiers.
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/strings.h"
#include "scan/digits.h"
#include "scan/version.h"

namespace berth::scan {
namespace {


struct List;
struct Number { std::string digits; };  // no leading zeros; "" is zero
struct Qualifier { std::string value; };
using Item = std::variant<Number, Qualifier, std::unique_ptr<List>>;
struct List { std::vector<Item> items; };

Number MakeNumber(std::string_view s) {
  while (!s.empty() && s.front() == '0') s.remove_prefix(1);
  return Number{std::string(s)};
}

Qualifier MakeQualifier(std::string_view s, bool followed_by_digit) {
  if (followed_by_digit && s.size() == 1) {
    if (s == "a") return {"alpha"};
    if (s == "b") return {"beta"};
    if (s == "m") return {"milestone"};
  }
  if (s == "ga" || s == "final" || s == "release") return {""};
  if (s == "cr") return {"rc"};
  return {std::string(s)};
}

// "0".."6" for the known qualifiers, "7-<text>" for the rest, compared as text.
std::string Comparable(const std::string& q) {
  static const char* const kOrder[] = {"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"};
  for (int i = 0; i < 7; ++i)
    if (q == kOrder[i]) return std::to_string(i);
  return "7-" + q;
}

bool IsNull(const Item& item) {
  if (auto* n = std::get_if<Number>(&item)) return n->digits.empty();
  if (auto* q = std::get_if<Qualifier>(&item)) return Comparable(q->value) == "5";
  return std::get<std::unique_ptr<List>>(item)->items.empty();
}

void Normalize(List& list) {
  for (size_t i = list.items.size(); i-- > 0;) {
    if (IsNull(list.items[i])) {
      list.items.erase(list.items.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (!std::holds_alternative<std::unique_ptr<List>>(list.items[i])) {
      break;
    }
  }
}

int Sign(int c) { return c < 0 ? -1 : c > 0 ? 1 : 0; }

int Compare(const Item* a, const Item* b);

// a is never null; b may be (the other version has run out).
int Compare(const Item* a, const Item* b) {
  if (auto* n = std::get_if<Number>(a)) {
    if (!b) return n->digits.empty() ? 0 : 1;
    if (auto* m = std::get_if<Number>(b)) return CompareDigits(n->digits, m->digits);
    return 1;  // numbers are newer than qualifiers and lists
  }
  if (auto* q = std::get_if<Qualifier>(a)) {
    if (!b) return Sign(Comparable(q->value).compare("5"));
    if (auto* r = std::get_if<Qualifier>(b)) return Sign(Comparable(q->value).compare(Comparable(r->value)));
    return -1;
  }
  const List& l = *std::get<std::unique_ptr<List>>(*a);
  if (!b) return l.items.empty() ? 0 : Compare(&l.items.front(), nullptr);
  if (std::holds_alternative<Number>(*b)) return -1;
  if (std::holds_alternative<Qualifier>(*b)) return 1;
  const List& r = *std::get<std::unique_ptr<List>>(*b);
  for (size_t i = 0; i < std::max(l.items.size(), r.items.size()); ++i) {
    const Item* x = i < l.items.size() ? &l.items[i] : nullptr;
    const Item* y = i < r.items.size() ? &r.items[i] : nullptr;
    int c = x ? Compare(x, y) : (y ? -Compare(y, x) : 0);
    if (c) return c;
  }
  return 0;
}

Item Parse(std::string_view text) {
  std::string version = AsciiLower(text);
  auto root = std::make_unique<List>();
  std::vector<List*> stack{root.get()};
  List* list = root.get();
  bool digit = false;
  size_t start = 0;
  auto item = [&](size_t end, bool followed_by_digit) -> Item {
    std::string_view s = std::string_view(version).substr(start, end - start);
    if (digit) return MakeNumber(s);
    return MakeQualifier(s, followed_by_digit);
  };
  auto open = [&]() {
    auto sub = std::make_unique<List>();
    List* raw = sub.get();
    list->items.emplace_back(std::move(sub));
    list = raw;
    stack.push_back(list);
  };
  for (size_t i = 0; i < version.size(); ++i) {
    char c = version[i];
    if (c == '.' || c == '-') {
      if (i == start) list->items.emplace_back(Number{});
      else list->items.push_back(item(i, false));
      start = i + 1;
      if (c == '-') open();
      digit = false;
    } else if (IsDigit(c)) {
      if (!digit && i > start) {
        list->items.push_back(item(i, true));
        start = i;
        open();
      }
      digit = true;
    } else {
      if (digit && i > start) {
        list->items.push_back(item(i, false));
        start = i;
        open();
      }
      digit = false;
    }
  }
  if (version.size() > start) list->items.push_back(item(version.size(), false));
  for (auto it = stack.rbegin(); it != stack.rend(); ++it) Normalize(**it);
  return root;
}

}  // namespace

int CompareMaven(std::string_view a, std::string_view b) {
  Item x = Parse(a), y = Parse(b);
  return Compare(&x, &y);
}

}  // namespace berth::scan
