// OciApi::Audit: which /v2/ requests go on the audit trail, and what their records say.
#include <boost/json/parse.hpp>

#include "api/oci/oci_api.h"
#include "base/utf8.h"

namespace berth::api::oci {

void OciApi::Audit(const http::Request& req, const Route& route, const std::optional<auth::Principal>& who,
                   const Response& response) {
  // Pushes, pulls and deletes, and every refusal; not the chatter (HEADs, upload parts, listings).
  const http::Method m = req.method();
  const bool refused = response.status == 401 || response.status == 403;
  const bool recorded = refused ||
                        (route.endpoint == Endpoint::kManifest &&
                         (m == http::Method::kGet || m == http::Method::kPut || m == http::Method::kDelete)) ||
                        (route.endpoint == Endpoint::kBlob && (m == http::Method::kGet || m == http::Method::kDelete)) ||
                        (route.endpoint == Endpoint::kUploadStart && m == http::Method::kPost) ||
                        (route.endpoint == Endpoint::kUpload && m == http::Method::kPut);
  std::optional<RouteAction> row = ActionFor(route.endpoint, m);
  if (!recorded || !row) return;
  AuditRecord record{.source = "ecr.amazonaws.com",
                     .name = std::string(row->action.empty() ? std::string_view("Ping") : row->action.substr(4)),
                     .principal = who,
                     .read_only = m == http::Method::kGet};
  if (!route.name.empty()) {
    const std::string name = ValidUtf8(route.name.substr(0, 256));
    record.request_parameters["repositoryName"] = name;
    record.resources.emplace_back("AWS::ECR::Repository", access_.RepositoryArn(name));
  }
  if (route.endpoint == Endpoint::kManifest) {
    const bool digest = route.ref.starts_with("sha256:") || route.ref.starts_with("sha512:");
    record.request_parameters[digest ? "imageDigest" : "imageTag"] = ValidUtf8(route.ref.substr(0, 256));
    if (std::optional<std::string_view> pushed = response.Get("Docker-Content-Digest"); pushed && m == http::Method::kPut) {
      record.response_elements = boost::json::object{{"imageDigest", *pushed}};
    }
  } else if (route.endpoint == Endpoint::kBlob) {
    record.request_parameters["layerDigest"] = ValidUtf8(route.ref.substr(0, 256));
  } else if (route.endpoint == Endpoint::kUpload) {
    record.request_parameters["uploadId"] = ValidUtf8(route.ref.substr(0, 256));
  }
  if (response.status >= 400) {
    boost::system::error_code ec;
    boost::json::value body = boost::json::parse(response.body, ec);
    if (!ec && body.is_object()) {
      const boost::json::value* errors = body.as_object().if_contains("errors");
      if (errors != nullptr && errors->is_array() && !errors->get_array().empty() && errors->get_array()[0].is_object()) {
        const boost::json::object& first = errors->get_array()[0].get_object();
        if (const boost::json::value* c = first.if_contains("code"); c != nullptr && c->is_string()) {
          record.error_code = c->get_string();
        }
        if (const boost::json::value* msg = first.if_contains("message"); msg != nullptr && msg->is_string()) {
          record.error_message = msg->get_string();
        }
      }
    }
    if (record.error_code.empty()) record.error_code = std::to_string(response.status);
  }
  auditor_.Record(req, std::move(record));
}

}  // namespace berth::api::oci
