#include "http/response_head.h"

#include <ostream>  // boost/beast/http/status.hpp uses it without including it

#include <boost/beast/http/status.hpp>

#include <charconv>

#include "base/word_bytes.h"

namespace berth::http {
namespace {

// Whether `text` holds CR, LF or NUL. Eight bytes at a time (base/word_bytes.h): every header
// of every response goes through here.
bool Splits(std::string_view text) {
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    const uint64_t word = LoadWord(text.data() + i);
    if (AnyByteIs(word, 0) || AnyByteIs(word, '\r') || AnyByteIs(word, '\n')) return true;
  }
  for (; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n' || text[i] == '\0') return true;
  }
  return false;
}

void AppendNumber(std::string& out, uint64_t value) {
  char digits[20];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

}  // namespace

bool StatusHasNoBody(int status) { return status == 204 || status == 304 || (status >= 100 && status < 200); }

size_t FormatResponseHead(std::string& out, int status, const ResponseHeaders& headers,
                          std::optional<uint64_t> content_length, bool keep_alive) {
  out.assign("HTTP/1.1 ");
  // Three digits always: a status outside 100-999 is a handler's bug, answered as a 500.
  if (status < 100 || status > 999) status = 500;
  AppendNumber(out, static_cast<uint64_t>(status));
  out += ' ';
  // The reason phrase may be empty (RFC 9112 4); Beast's "<unknown-status>" would read as one.
  namespace bhttp = boost::beast::http;
  if (bhttp::int_to_status(static_cast<unsigned>(status)) != bhttp::status::unknown) {
    const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
    out.append(reason.data(), reason.size());
  }
  out += "\r\n";
  size_t dropped = 0;
  for (const auto& [name, value] : headers) {
    if (name.empty() || Splits(name) || Splits(value)) {
      ++dropped;
      continue;
    }
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (content_length) {
    out += "Content-Length: ";
    AppendNumber(out, *content_length);
    out += "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  return dropped;
}

}  // namespace berth::http
