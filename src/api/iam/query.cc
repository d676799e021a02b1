#include "api/iam/query.h"

#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

#include <array>

#include "base/time.h"
#include "base/utf8.h"
#include "telemetry/log.h"

namespace berth::api::iam {
namespace {

// Text as XML 1.0 allows it: valid UTF-8, markup escaped, and the control characters XML cannot
// carry at all (not even as references) replaced by U+FFFD. Messages quote client input.
void Escape(std::string& out, std::string_view raw) {
  const std::string text = ValidUtf8(raw);
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += "\xEF\xBF\xBD";
      continue;
    }
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
}

struct WireError {
  std::string_view code;
  int status;
  bool sender;
};

constexpr std::array<WireError, 15> kErrors = {{
    {"NoSuchEntity", 404, true},
    {"EntityAlreadyExists", 409, true},
    {"DeleteConflict", 409, true},
    {"LimitExceeded", 409, true},
    {"MalformedPolicyDocument", 400, true},
    {"InvalidInput", 400, true},
    {"ValidationError", 400, true},
    {"InvalidAction", 400, true},
    {"MalformedQueryString", 400, true},
    {"AccessDenied", 403, true},
    {"InvalidClientTokenId", 403, true},
    {"SignatureDoesNotMatch", 403, true},
    {"MissingAuthenticationToken", 403, true},
    {"IncompleteSignature", 400, true},
    {"ServiceUnavailable", 503, false},
}};

}  // namespace

Result<std::map<std::string, std::string>> ParseForm(std::string_view body) {
  auto parsed = boost::urls::parse_query(body);
  if (!parsed) return Fail(Code::kInvalidArgument, "the request body is not form-encoded", "MalformedQueryString");
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  std::map<std::string, std::string> out;
  // Parsed above, so this view cannot throw.
  for (const auto& p : boost::urls::params_view(boost::core::string_view(body.data(), body.size()), opts)) {
    if (!p.has_value) continue;
    out.emplace(p.key, p.value);
  }
  return out;
}

Xml& Xml::Open(std::string_view element) {
  out_ += '<';
  out_ += element;
  out_ += '>';
  return *this;
}

Xml& Xml::Close(std::string_view element) {
  out_ += "</";
  out_ += element;
  out_ += '>';
  return *this;
}

Xml& Xml::Leaf(std::string_view element, std::string_view text) {
  Open(element);
  Escape(out_, text);
  return Close(element);
}

http::Response QueryResponse(std::string_view action, std::string_view xmlns, const std::string& result,
                             std::string_view request_id) {
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + std::string(action) + "Response xmlns=\"" +
                     std::string(xmlns) + "\">";
  if (!result.empty()) body += "<" + std::string(action) + "Result>" + result + "</" + std::string(action) + "Result>";
  body += "<ResponseMetadata><RequestId>" + std::string(request_id) + "</RequestId></ResponseMetadata></" +
          std::string(action) + "Response>";
  http::Response r{.status = 200, .body = std::move(body), .route = "iam"};
  r.Set("Content-Type", "text/xml");
  r.Set("x-amzn-RequestId", std::string(request_id));
  return r;
}

http::Response QueryError(const Error& error, std::string_view xmlns, std::string_view request_id) {
  WireError wire{"ServiceFailure", 500, false};
  std::string message = error.message();
  bool known = false;
  for (const WireError& w : kErrors) {
    if (w.code == error.reason()) {
      wire = w;
      known = true;
    }
  }
  if (!known && error.code() == Code::kUnavailable) {
    wire = {"ServiceUnavailable", 503, false};
  } else if (!known) {
    telemetry::LogError("iam request failed", {{"code", ToString(error.code())}, {"error", message}});
    message = "internal error";
  }
  Xml xml;
  xml.Open("Error").Leaf("Type", wire.sender ? "Sender" : "Receiver").Leaf("Code", wire.code);
  xml.Leaf("Message", ValidUtf8(message)).Close("Error").Leaf("RequestId", request_id);
  http::Response r{.status = wire.status,
                   .body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"" + std::string(xmlns) +
                           "\">" + std::move(xml).str() + "</ErrorResponse>",
                   .route = "iam"};
  r.Set("Content-Type", "text/xml");
  r.Set("x-amzn-RequestId", std::string(request_id));
  if (wire.status == 503) r.Set("Retry-After", "1");
  return r;
}

}  // namespace berth::api::iam
