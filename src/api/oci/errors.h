// api/oci/errors.h
//
// The only place where an Error becomes an OCI error response
// ({"errors":[{"code","message","detail"}]}). Handlers never pick a status for a failure; they
// return the Error and this table maps its reason (or, failing that, its code).
#pragma once

#include "base/error.h"
#include "http/message.h"

namespace berth::api::oci {

http::Response ErrorResponse(const Error& error);

// A client's fault (kInvalidArgument) reported by a layer that knows no OCI codes, such as a
// request body that ends early, gets `reason`, the code of what the client was sending; any
// other error is returned as it is.
Error WithReason(Error error, std::string_view reason);

}  // namespace berth::api::oci
