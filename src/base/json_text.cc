#include "base/json_text.h"

#include <cstdint>
#include <cstring>

namespace berth {
namespace {

// Whether any of the 8 bytes in `x` must be escaped: below 0x20, '"' or '\\'. Bit tricks on a
// word at a time (exact for "any", which is all the caller asks): a record is mostly text with
// nothing to escape, and a byte at a time made this the costliest part of writing it.
bool AnyToEscape(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
  const auto any_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  const uint64_t below_space = (x - kOnes * 0x20) & ~x & kHighs;
  return (below_space | any_zero(x ^ (kOnes * '"')) | any_zero(x ^ (kOnes * '\\'))) != 0;
}

}  // namespace

void AppendJsonText(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  // Runs of plain bytes are copied at once: most text has nothing to escape.
  size_t plain = 0;
  size_t i = 0;
  while (true) {
    while (i + 8 <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      if (AnyToEscape(word)) break;
      i += 8;
    }
    if (i >= text.size()) break;
    const unsigned char c = static_cast<unsigned char>(text[i++]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text, plain, i - 1 - plain);
    plain = i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(text, plain);
  out += '"';
}

}  // namespace berth
