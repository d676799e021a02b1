// http/response_head.h
//
// An HTTP/1.1 response's status line and header block, as bytes ready for the socket. The
// server writes it beside the body in one send; Beast's serializer walked a chain of buffer
// views per byte range and allocated per header field, which cost as much as the rest of a
// small request's own work.
//
// Pure: no I/O, and no allocation once `out` has grown to the size of a usual header.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace berth::http {

// A response's headers in order: each name a view of a string literal, each value its own.
using ResponseHeaders = std::vector<std::pair<std::string_view, std::string>>;

// Whether a response with this status carries no body and no Content-Length (RFC 9110 6.4.1).
bool StatusHasNoBody(int status);

// Replaces `out` with the status line, `headers` in order, `Content-Length: content_length`
// when given, `Connection: close` unless `keep_alive`, and the blank line. A header whose name
// or value holds CR, LF or NUL, or whose name is empty, is left out rather than let it split
// the response; the count of those left out is returned (a handler's bug, for the caller to
// report).
size_t FormatResponseHead(std::string& out, int status, const ResponseHeaders& headers,
                          std::optional<uint64_t> content_length, bool keep_alive);

}  // namespace berth::http
