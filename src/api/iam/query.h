// api/iam/query.h
//
// The AWS query protocol as IAM and STS speak it: form-encoded parameters in, XML out
// (<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>...), errors as
// <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>. Pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/time.h"
#include "http/message.h"

namespace berth::api::iam {

inline constexpr std::string_view kIamXmlns = "https://iam.amazonaws.com/doc/2010-05-08/";
inline constexpr std::string_view kStsXmlns = "https://sts.amazonaws.com/doc/2011-06-15/";

// Form parameters ("Action", "UserName", ...), percent- and plus-decoded. Errors:
// kInvalidArgument (reason "MalformedQueryString") when the body is not a form.
Result<std::map<std::string, std::string>> ParseForm(std::string_view body);

// Builds an XML document; text is escaped.
class Xml {
 public:
  Xml& Open(std::string_view element);
  Xml& Close(std::string_view element);
  Xml& Leaf(std::string_view element, std::string_view text);
  Xml& Leaf(std::string_view element, int64_t value) { return Leaf(element, std::to_string(value)); }
  Xml& Bool(std::string_view element, bool value) { return Leaf(element, value ? "true" : "false"); }
  std::string str() && { return std::move(out_); }
  const std::string& str() const& { return out_; }

 private:
  std::string out_;
};


// The answer to a successful call: `result` is the inside of <ActionResult> (empty for calls
// without one).
http::Response QueryResponse(std::string_view action, std::string_view xmlns, const std::string& result,
                             std::string_view request_id);
// The answer to a failed call: the error's reason is the IAM error code ("NoSuchEntity").
http::Response QueryError(const Error& error, std::string_view xmlns, std::string_view request_id);

}  // namespace berth::api::iam
