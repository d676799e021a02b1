// base/json_text.h
//
// Writing JSON text by hand where building a document first would cost too much (log lines,
// audit records, error bodies): a string literal with the escapes Boost.JSON's serializer uses,
// so the two write the same bytes. The text's bytes are copied as they are: callers that take
// text from clients make it valid UTF-8 first.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace berth {

// The most bytes WriteJsonText writes for `text_bytes` bytes of text: two quotes, and each byte
// escaped as \u00XX at worst.
constexpr size_t MaxJsonTextBytes(size_t text_bytes) { return 2 + 6 * text_bytes; }

// Writes `text` as a JSON string literal, quotes included, at `out`, which has room for
// MaxJsonTextBytes(text.size()) bytes; returns the end of what it wrote. For writers that size a
// whole line once and then store its pieces, with no size check per piece.
char* WriteJsonText(char* out, std::string_view text);

// Appends `text` as a JSON string literal, quotes included.
void AppendJsonText(std::string& out, std::string_view text);

}  // namespace berth
