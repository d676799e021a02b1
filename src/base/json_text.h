// base/json_text.h
//
// Writing JSON text by hand where building a document first would cost too much (log lines,
// audit records, error bodies): a string literal with the escapes Boost.JSON's serializer uses,
// so the two write the same bytes. The text's bytes are copied as they are: callers that take
// text from clients make it valid UTF-8 first.
#pragma once

#include <string>
#include <string_view>

namespace berth {

// Appends `text` as a JSON string literal, quotes included.
void AppendJsonText(std::string& out, std::string_view text);

}  // namespace berth
