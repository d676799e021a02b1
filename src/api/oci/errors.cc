#include "api/oci/errors.h"

#include <array>

#include "telemetry/log.h"

namespace berth::api::oci {
namespace {

struct WireError {
  std::string_view reason;  // Error::reason()
  std::string_view code;    // the OCI "code" field
  int status;
};

constexpr std::array kByReason = {
    WireError{"BLOB_UNKNOWN", "BLOB_UNKNOWN", 404},
    WireError{"BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_INVALID", 400},
    WireError{"BLOB_UPLOAD_UNKNOWN", "BLOB_UPLOAD_UNKNOWN", 404},
    WireError{"DIGEST_INVALID", "DIGEST_INVALID", 400},
    WireError{"MANIFEST_BLOB_UNKNOWN", "MANIFEST_BLOB_UNKNOWN", 400},
    WireError{"MANIFEST_CHILD_UNKNOWN", "MANIFEST_BLOB_UNKNOWN", 400},
    WireError{"IMAGE_TAG_IMMUTABLE", "TAG_INVALID", 400},
    WireError{"MANIFEST_INVALID", "MANIFEST_INVALID", 400},
    WireError{"MANIFEST_TOO_LARGE", "MANIFEST_INVALID", 413},
    WireError{"MANIFEST_UNKNOWN", "MANIFEST_UNKNOWN", 404},
    WireError{"NAME_INVALID", "NAME_INVALID", 400},
    WireError{"NAME_UNKNOWN", "NAME_UNKNOWN", 404},
    WireError{"RANGE_INVALID", "RANGE_INVALID", 416},
    WireError{"SIZE_INVALID", "SIZE_INVALID", 400},
    WireError{"TAG_INVALID", "TAG_INVALID", 400},
    WireError{"PAGINATION_NUMBER_INVALID", "PAGINATION_NUMBER_INVALID", 400},
    WireError{"UNAUTHORIZED", "UNAUTHORIZED", 401},
    WireError{"INSUFFICIENT_SCOPE", "UNAUTHORIZED", 401},
    WireError{"DENIED", "DENIED", 403},
    WireError{"AccessDenied", "DENIED", 403},
    WireError{"UNSUPPORTED", "UNSUPPORTED", 405},
    WireError{"NOT_FOUND", "NOT_FOUND", 404},
    WireError{"TOOMANYREQUESTS", "TOOMANYREQUESTS", 429},
};

WireError ByCode(Code code) {
  switch (code) {
    case Code::kUnauthenticated: return {"", "UNAUTHORIZED", 401};
    case Code::kPermissionDenied: return {"", "DENIED", 403};
    case Code::kResourceExhausted: return {"", "TOOMANYREQUESTS", 429};
    case Code::kUnavailable: return {"", "UNAVAILABLE", 503};
    default: return {"", "UNKNOWN", 500};
  }
}

}  // namespace

http::Response ErrorResponse(const Error& error) {
  WireError wire = ByCode(error.code());
  for (const WireError& row : kByReason) {
    if (row.reason == error.reason()) wire = row;
  }
  std::string message = error.message();
  if (wire.status >= 500) {
    telemetry::LogError("request failed", {{"code", ToString(error.code())}, {"error", message}});
    if (wire.status == 500) message = "internal error";
  }
  http::Response r{.status = wire.status};
  r.body = "{\"errors\":[{\"code\":\"" + std::string(wire.code) + "\",\"message\":";
  telemetry::AppendJsonString(r.body, message);
  r.body += ",\"detail\":null}]}";
  r.Set("Content-Type", "application/json");
  // A store that cannot answer now (PostgreSQL restarting, S3 failing) will soon: clients retry.
  if (wire.status == 503) r.Set("Retry-After", "1");
  return r;
}

Error WithReason(Error error, std::string_view reason) {
  if (error.code() != Code::kInvalidArgument || !error.reason().empty()) return error;
  return Error(error.code(), error.message(), reason);
}

}  // namespace berth::api::oci
