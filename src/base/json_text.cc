#include "base/json_text.h"

#include <cstdint>

#include "base/word_bytes.h"

namespace berth {
namespace {

// Whether any of the 8 bytes in `x` must be escaped: below 0x20, '"' or '\\'. A word at a
// time (base/word_bytes.h): a record is mostly text with nothing to escape, and a byte at a
// time made this the costliest part of writing it.
bool AnyToEscape(uint64_t x) { return AnyByteBelow(x, 0x20) || AnyByteIs(x, '"') || AnyByteIs(x, '\\'); }

}  // namespace

void AppendJsonText(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  // Runs of plain bytes are copied at once: most text has nothing to escape.
  size_t plain = 0;
  size_t i = 0;
  while (true) {
    while (i + 8 <= text.size()) {
      if (AnyToEscape(LoadWord(text.data() + i))) break;
      i += 8;
    }
    if (i >= text.size()) break;
    // The last few bytes: the text's last eight, which overlap bytes already checked, in one
    // word. Most values end in such a tail, and a byte at a time there cost more than the rest.
    if (text.size() >= 8 && text.size() - i < 8 && !AnyToEscape(LoadWord(text.data() + text.size() - 8))) {
      i = text.size();
      break;
    }
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
