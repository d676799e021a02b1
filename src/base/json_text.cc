#include "base/json_text.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "base/word_bytes.h"

namespace berth {
namespace {

// Whether any of the 8 bytes in `x` must be escaped: below 0x20, '"' or '\\'. A word at a
// time (base/word_bytes.h): a record is mostly text with nothing to escape, and a byte at a
// time made this the costliest part of writing it.
bool AnyToEscape(uint64_t x) { return AnyByteBelow(x, 0x20) || AnyByteIs(x, '"') || AnyByteIs(x, '\\'); }

}  // namespace

char* WriteJsonText(char* out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  *out++ = '"';
  const char* in = text.data();
  const char* const end = in + text.size();
  while (true) {
    // Most text has nothing to escape: eight bytes are checked and stored at once. The last few
    // are the text's last eight, which overlap bytes already written, in one word: most values
    // end in such a tail, and a byte at a time there cost more than the rest.
    while (end - in >= 8 && !AnyToEscape(LoadWord(in))) {
      std::memcpy(out, in, 8);
      in += 8;
      out += 8;
    }
    if (in == end) break;
    if (text.size() >= 8 && end - in < 8 && !AnyToEscape(LoadWord(end - 8))) {
      std::memcpy(out, in, static_cast<size_t>(end - in));
      out += end - in;
      break;
    }
    // A word with a byte to escape: up to the next eight bytes one at a time.
    for (const char* stop = in + std::min<ptrdiff_t>(8, end - in); in < stop; ++in) {
      const unsigned char c = static_cast<unsigned char>(*in);
      if (c >= 0x20 && c != '"' && c != '\\') {
        *out++ = static_cast<char>(c);
        continue;
      }
      *out++ = '\\';
      switch (c) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '\b': *out++ = 'b'; break;
        case '\f': *out++ = 'f'; break;
        case '\n': *out++ = 'n'; break;
        case '\r': *out++ = 'r'; break;
        case '\t': *out++ = 't'; break;
        default:
          std::memcpy(out, "u00", 3);
          out[3] = kHex[c >> 4];
          out[4] = kHex[c & 15];
          out += 5;
      }
    }
  }
  *out++ = '"';
  return out;
}

void AppendJsonText(std::string& out, std::string_view text) {
  const size_t at = out.size();
  out.resize_and_overwrite(at + MaxJsonTextBytes(text.size()),
                           [&](char* buffer, size_t) { return static_cast<size_t>(WriteJsonText(buffer + at, text) - buffer); });
}

}  // namespace berth
