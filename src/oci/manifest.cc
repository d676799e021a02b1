#include "oci/manifest.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace berth::oci {
namespace {

namespace json = boost::json;

std::unexpected<Error> Invalid(std::string message) {
  return Fail(Code::kInvalidArgument, "invalid manifest: " + std::move(message),
              "MANIFEST_INVALID");
}

// type "/" subtype per RFC 6838, loosely: visible ASCII, one slash, neither side empty.
bool IsMediaTypeSyntax(std::string_view mt) {
  size_t slash = mt.find('/');
  if (mt.empty() || mt.size() > 255 || slash == 0 || slash == std::string_view::npos ||
      slash + 1 == mt.size() || mt.find('/', slash + 1) != std::string_view::npos) {
    return false;
  }
  for (char c : mt) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

Result<std::string> OptionalString(const json::object& obj, std::string_view key,
                                   std::string_view where) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr) return std::string();
  if (!v->is_string()) return Invalid(std::string(where) + "." + std::string(key) + " must be a string");
  return std::string(v->get_string());
}

Result<std::string> Annotations(const json::object& obj, std::string_view where) {
  const json::value* v = obj.if_contains("annotations");
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_object()) return Invalid(std::string(where) + ".annotations must be an object");
  for (const auto& kv : v->get_object()) {
    if (!kv.value().is_string()) {
      return Invalid(std::string(where) + ".annotations values must be strings");
    }
  }
  return json::serialize(*v);
}

Result<Descriptor> ParseDescriptor(const json::value& v, const std::string& where) {
  if (!v.is_object()) return Invalid(where + " must be an object");
  const json::object& obj = v.get_object();
  Descriptor d{.digest = Digest::Sha256Of("")};
  const json::value* mt = obj.if_contains("mediaType");
  if (mt == nullptr || !mt->is_string() || !IsMediaTypeSyntax(mt->get_string())) {
    return Invalid(where + ".mediaType must be a media type such as type/subtype");
  }
  d.media_type = std::string(mt->get_string());
  const json::value* digest = obj.if_contains("digest");
  if (digest == nullptr || !digest->is_string()) return Invalid(where + ".digest is required");
  Result<Digest> parsed = Digest::Parse(digest->get_string());
  if (!parsed) return Invalid(where + ".digest: " + parsed.error().message());
  d.digest = *std::move(parsed);
  const json::value* size = obj.if_contains("size");
  if (size == nullptr || !(size->is_int64() || size->is_uint64()) ||
      (size->is_int64() && size->get_int64() < 0) ||
      (size->is_uint64() && size->get_uint64() > INT64_MAX)) {
    return Invalid(where + ".size must be a non-negative integer");
  }
  d.size = size->is_int64() ? size->get_int64() : static_cast<int64_t>(size->get_uint64());
  BERTH_ASSIGN(d.artifact_type, OptionalString(obj, "artifactType", where));
  BERTH_ASSIGN(d.annotations_json, Annotations(obj, where));
  const json::value* urls = obj.if_contains("urls");
  d.has_urls = urls != nullptr && urls->is_array() && !urls->get_array().empty();
  return d;
}

Result<std::vector<Descriptor>> ParseDescriptorArray(const json::object& obj,
                                                     std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr || !v->is_array()) {
    return Invalid("\"" + std::string(key) + "\" must be an array");
  }
  std::vector<Descriptor> out;
  out.reserve(v->get_array().size());
  size_t i = 0;
  for (const json::value& item : v->get_array()) {
    BERTH_ASSIGN(Descriptor d, ParseDescriptor(item, std::string(key) + "[" + std::to_string(i++) + "]"));
    out.push_back(std::move(d));
  }
  return out;
}

std::string_view StripParameters(std::string_view content_type) {
  content_type = content_type.substr(0, content_type.find(';'));
  while (!content_type.empty() && content_type.back() == ' ') content_type.remove_suffix(1);
  return content_type;
}

}  // namespace

bool IsManifestMediaType(std::string_view mt) {
  return mt == kOciManifest || mt == kOciIndex || mt == kDockerManifest ||
         mt == kDockerManifestList;
}

Result<Manifest> ParseManifest(std::string_view content_type, std::string_view body) {
  if (body.size() > kMaxManifestBytes) return Invalid("larger than 4 MiB");
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) return Invalid("not well-formed JSON: " + ec.message());
  if (!doc.is_object()) return Invalid("top level must be a JSON object");
  const json::object& obj = doc.get_object();

  const json::value* schema = obj.if_contains("schemaVersion");
  if (schema == nullptr || !schema->is_number() || !(schema->is_int64() && schema->get_int64() == 2)) {
    if (schema != nullptr && schema->is_int64() && schema->get_int64() == 1) {
      return Invalid("Docker schema 1 manifests are not supported; push schema 2 or OCI");
    }
    return Invalid("schemaVersion must be 2");
  }

  BERTH_ASSIGN(std::string body_type, OptionalString(obj, "mediaType", "manifest"));
  std::string_view header_type = StripParameters(content_type);
  Manifest m;
  if (!body_type.empty()) {
    if (!IsManifestMediaType(body_type)) {
      return Invalid("unsupported mediaType \"" + body_type.substr(0, 100) + "\"");
    }
    if (IsManifestMediaType(header_type) && header_type != body_type) {
      return Invalid("Content-Type " + std::string(header_type) +
                     " does not match the manifest's mediaType " + body_type);
    }
    m.media_type = body_type;
  } else if (header_type == kOciManifest || header_type == kOciIndex) {
    m.media_type = std::string(header_type);
  } else if (IsManifestMediaType(header_type)) {
    return Invalid("Docker manifests must state their mediaType");
  } else if (obj.contains("manifests")) {
    m.media_type = std::string(kOciIndex);
  } else if (obj.contains("config")) {
    m.media_type = std::string(kOciManifest);
  } else {
    return Invalid("cannot tell the manifest type: set Content-Type or mediaType");
  }

  BERTH_ASSIGN(m.artifact_type, OptionalString(obj, "artifactType", "manifest"));
  if (!m.artifact_type.empty() && !IsMediaTypeSyntax(m.artifact_type)) {
    return Invalid("artifactType must be a media type");
  }
  BERTH_ASSIGN(m.annotations_json, Annotations(obj, "manifest"));
  if (const json::value* subject = obj.if_contains("subject"); subject != nullptr) {
    BERTH_ASSIGN(Descriptor d, ParseDescriptor(*subject, "subject"));
    m.subject = std::move(d);
  }

  if (m.media_type == kOciIndex || m.media_type == kDockerManifestList) {
    m.kind = ManifestKind::kIndex;
    if (obj.contains("config") || obj.contains("layers")) {
      return Invalid("an index must not have config or layers");
    }
    BERTH_ASSIGN(m.manifests, ParseDescriptorArray(obj, "manifests"));
    return m;
  }

  m.kind = ManifestKind::kImage;
  if (obj.contains("manifests")) return Invalid("an image manifest must not have manifests");
  const json::value* config = obj.if_contains("config");
  if (config == nullptr) return Invalid("\"config\" is required");
  BERTH_ASSIGN(Descriptor config_descriptor, ParseDescriptor(*config, "config"));
  BERTH_ASSIGN(std::vector<Descriptor> layers, ParseDescriptorArray(obj, "layers"));
  if (m.media_type == kDockerManifest && !m.artifact_type.empty()) {
    return Invalid("Docker manifests cannot carry artifactType");
  }
  if (m.artifact_type.empty()) m.artifact_type = config_descriptor.media_type;
  m.blobs.reserve(layers.size() + 1);
  m.blobs.push_back(std::move(config_descriptor));
  for (Descriptor& layer : layers) m.blobs.push_back(std::move(layer));
  return m;
}

}  // namespace berth::oci
