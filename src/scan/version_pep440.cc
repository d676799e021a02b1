// Python's order (PEP 440, as the `packaging` library implements it): a version is normalised
// (case, `alpha`/`c`/`pre`/`rev` spellings, `-`/`_`/`.` separators, implicit numbers) and
// compared by epoch, release (trailing zeros ignored), pre-release, post-release, development
// release and local label, where a bare `.devN` sorts before the same release's pre-releases.
// A string PEP 440 rejects sorts before every valid version, by its text.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/strings.h"
#include "scan/digits.h"
#include "scan/version.h"

namespace berth::scan {
namespace {

bool IsAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool IsSep(char c) { return c == '.' || c == '-' || c == '_'; }

struct Pep440 {
  int64_t epoch = 0;
  std::vector<int64_t> release;
  std::optional<std::pair<int, int64_t>> pre;  // 0 a, 1 b, 2 rc
  std::optional<int64_t> post;
  std::optional<int64_t> dev;
  std::vector<std::variant<int64_t, std::string>> local;
};

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool Done() const { return i_ >= s_.size(); }
  char Peek(size_t k = 0) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  void Skip(size_t n = 1) { i_ += n; }
  size_t Pos() const { return i_; }
  void Seek(size_t p) { i_ = p; }
  std::optional<int64_t> Number() {
    if (!IsDigit(Peek())) return std::nullopt;
    int64_t v = 0;
    while (IsDigit(Peek())) {
      if (v < (INT64_MAX - 9) / 10) v = v * 10 + (Peek() - '0');
      Skip();
    }
    return v;
  }
  std::string_view Word() {
    size_t start = i_;
    while (IsAlpha(Peek())) Skip();
    return s_.substr(start, i_ - start);
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

std::optional<Pep440> Parse(std::string_view text) {
  std::string lower = AsciiLower(text);
  std::string_view s = lower;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  if (!s.empty() && s.front() == 'v') s.remove_prefix(1);
  Reader r(s);
  Pep440 v;
  auto first = r.Number();
  if (!first) return std::nullopt;
  if (r.Peek() == '!') {
    v.epoch = *first;
    r.Skip();
    first = r.Number();
    if (!first) return std::nullopt;
  }
  v.release.push_back(*first);
  while (r.Peek() == '.' && IsDigit(r.Peek(1))) {
    r.Skip();
    v.release.push_back(*r.Number());
  }
  // Pre-release: [sep](a|b|c|rc|alpha|beta|pre|preview)[sep][N]
  {
    size_t mark = r.Pos();
    if (IsSep(r.Peek())) r.Skip();
    std::string_view w = r.Word();
    int kind = -1;
    if (w == "a" || w == "alpha") kind = 0;
    else if (w == "b" || w == "beta") kind = 1;
    else if (w == "c" || w == "rc" || w == "pre" || w == "preview") kind = 2;
    if (kind >= 0) {
      size_t after = r.Pos();
      if (IsSep(r.Peek())) r.Skip();
      auto n = r.Number();
      if (!n) r.Seek(after);
      v.pre = std::pair{kind, n.value_or(0)};
    } else {
      r.Seek(mark);
    }
  }
  // Post-release: -N, or [sep](post|rev|r)[sep][N]
  {
    size_t mark = r.Pos();
    if (r.Peek() == '-' && IsDigit(r.Peek(1))) {
      r.Skip();
      v.post = r.Number();
    } else {
      if (IsSep(r.Peek())) r.Skip();
      std::string_view w = r.Word();
      if (w == "post" || w == "rev" || w == "r") {
        size_t after = r.Pos();
        if (IsSep(r.Peek())) r.Skip();
        auto n = r.Number();
        if (!n) r.Seek(after);
        v.post = n.value_or(0);
      } else {
        r.Seek(mark);
      }
    }
  }
  // Development release: [sep]dev[sep][N]
  {
    size_t mark = r.Pos();
    if (IsSep(r.Peek())) r.Skip();
    if (r.Word() == "dev") {
      size_t after = r.Pos();
      if (IsSep(r.Peek())) r.Skip();
      auto n = r.Number();
      if (!n) r.Seek(after);
      v.dev = n.value_or(0);
    } else {
      r.Seek(mark);
    }
  }
  if (r.Peek() == '+') {
    r.Skip();
    std::string segment;
    auto flush = [&]() -> bool {
      if (segment.empty()) return false;
      bool numeric = std::all_of(segment.begin(), segment.end(), IsDigit);
      if (numeric && segment.size() < 18) v.local.emplace_back(std::stoll(segment));
      else v.local.emplace_back(segment);
      segment.clear();
      return true;
    };
    while (!r.Done()) {
      char c = r.Peek();
      if (IsSep(c)) {
        if (!flush()) return std::nullopt;
      } else if (IsDigit(c) || IsAlpha(c)) {
        segment.push_back(c);
      } else {
        return std::nullopt;
      }
      r.Skip();
    }
    if (!flush()) return std::nullopt;
  }
  if (!r.Done()) return std::nullopt;
  return v;
}

template <typename T>
int Cmp(const T& a, const T& b) {
  return a < b ? -1 : b < a ? 1 : 0;
}

// packaging's _cmpkey: missing parts become -infinity or +infinity so the order falls out.
int ComparePre(const Pep440& a, const Pep440& b) {
  // No pre-release: a bare dev release sorts before pre-releases, anything else after them.
  auto rank = [](const Pep440& v) -> std::pair<int, std::pair<int, int64_t>> {
    if (v.pre) return {1, *v.pre};
    if (!v.post && v.dev) return {0, {0, 0}};
    return {2, {0, 0}};
  };
  return Cmp(rank(a), rank(b));
}

int CompareLocal(const Pep440& a, const Pep440& b) {
  if (a.local.empty() || b.local.empty()) return Cmp(!a.local.empty(), !b.local.empty());
  for (size_t i = 0; i < std::min(a.local.size(), b.local.size()); ++i) {
    const auto &x = a.local[i], &y = b.local[i];
    if (x.index() != y.index()) return x.index() == 0 ? 1 : -1;  // numbers above words
    if (int c = x.index() == 0 ? Cmp(std::get<0>(x), std::get<0>(y)) : Cmp(std::get<1>(x), std::get<1>(y))) return c;
  }
  return Cmp(a.local.size(), b.local.size());
}

}  // namespace

int ComparePep440(std::string_view a, std::string_view b) {
  auto x = Parse(a), y = Parse(b);
  if (!x || !y) {
    if (x || y) return x ? 1 : -1;
    int c = a.compare(b);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (int c = Cmp(x->epoch, y->epoch)) return c;
  auto trimmed = [](std::vector<int64_t> r) {
    while (r.size() > 1 && r.back() == 0) r.pop_back();
    return r;
  };
  if (int c = Cmp(trimmed(x->release), trimmed(y->release))) return c;
  if (int c = ComparePre(*x, *y)) return c;
  auto post = [](const Pep440& v) { return v.post ? std::pair{1, *v.post} : std::pair{0, int64_t{0}}; };
  if (int c = Cmp(post(*x), post(*y))) return c;
  auto dev = [](const Pep440& v) { return v.dev ? std::pair{0, *v.dev} : std::pair{1, int64_t{0}}; };
  if (int c = Cmp(dev(*x), dev(*y))) return c;
  return CompareLocal(*x, *y);
}

}  // namespace berth::scan
