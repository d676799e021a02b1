// http/body.h
//
// The whole body of a request, for the small bodies an API parses in one piece (a manifest, an
// ECR JSON call). Large bodies (blobs) are streamed with Request::ReadBody instead.
#pragma once

#include <cstddef>
#include <string>

#include "base/error.h"
#include "http/message.h"

namespace berth::http {

// Errors: kResourceExhausted (no reason) when the body declares or turns out to be longer than
// `limit`, refused before the excess is read; otherwise Request::ReadBody's errors.
Task<Result<std::string>> ReadWholeBody(Request& req, size_t limit);

}  // namespace berth::http
