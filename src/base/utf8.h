// base/utf8.h
//
// Text that Berth echoes back in JSON (error messages quoting a client's input, log fields)
// must be valid UTF-8, or clients fail to parse the whole answer. Input may be cut mid-character
// by a length limit, or be arbitrary bytes.
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace berth {

// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` with every ill-formed sequence replaced by U+FFFD; valid text is returned unchanged.
std::string ValidUtf8(std::string_view text);

// `text` itself when it is valid (nearly always), else the repaired copy, kept in `storage`: no
// copy on the path that runs per request.
std::string_view ValidUtf8View(std::string_view text, std::string& storage);

}  // namespace berth
