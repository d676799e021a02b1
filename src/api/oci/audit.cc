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
  // Views into the request and this frame: the record is written before they go (one per pull).
  std::string repository_storage, reference_storage;
  audit::Parameter parameters[2];
  size_t count = 0;
  // The ARN in a buffer per thread, kept: building it was an allocation per pull.
  static thread_local std::string arn;
  arn.clear();
  audit::Resource resource;
  if (!route.name.empty()) {
    const std::string_view name = ValidUtf8View(route.name.substr(0, 256), repository_storage);
    parameters[count++] = {.key = "repositoryName", .value = name};
    access_.AppendRepositoryArn(arn, name);
    resource = {.type = "AWS::ECR::Repository", .arn = arn};
  }
  const std::string_view reference = ValidUtf8View(route.ref.substr(0, 256), reference_storage);
  std::optional<boost::json::object> pushed;
  if (route.endpoint == Endpoint::kManifest) {
    const bool digest = route.ref.starts_with("sha256:") || route.ref.starts_with("sha512:");
    parameters[count++] = {.key = digest ? "imageDigest" : "imageTag", .value = reference};
    if (std::optional<std::string_view> put = response.Get("Docker-Content-Digest"); put && m == http::Method::kPut) {
      pushed = boost::json::object{{"imageDigest", *put}};
    }
  } else if (route.endpoint == Endpoint::kBlob) {
    parameters[count++] = {.key = "layerDigest", .value = reference};
  } else if (route.endpoint == Endpoint::kUpload) {
    parameters[count++] = {.key = "uploadId", .value = reference};
  }
  audit::Event event{.source = "ecr.amazonaws.com",
                     .name = row->action.empty() ? std::string_view("Ping") : row->action.substr(4),
                     .parameters = std::span<const audit::Parameter>(parameters, count),
                     .response_elements = pushed ? &*pushed : nullptr,
                     .read_only = m == http::Method::kGet,
                     .resources = arn.empty() ? std::span<const audit::Resource>() : std::span(&resource, 1)};
  std::string error_code, error_message;
  if (response.status >= 400) {
    boost::system::error_code ec;
    boost::json::value body = boost::json::parse(response.body, ec);
    if (!ec && body.is_object()) {
      const boost::json::value* errors = body.as_object().if_contains("errors");
      if (errors != nullptr && errors->is_array() && !errors->get_array().empty() && errors->get_array()[0].is_object()) {
        const boost::json::object& first = errors->get_array()[0].get_object();
        if (const boost::json::value* c = first.if_contains("code"); c != nullptr && c->is_string()) {
          error_code = c->get_string();
        }
        if (const boost::json::value* msg = first.if_contains("message"); msg != nullptr && msg->is_string()) {
          error_message = msg->get_string();
        }
      }
    }
    if (error_code.empty()) error_code = std::to_string(response.status);
    event.error_code = error_code;
    event.error_message = error_message;
  }
  auditor_.Record(req, who ? &*who : nullptr, event);
}

}  // namespace berth::api::oci
