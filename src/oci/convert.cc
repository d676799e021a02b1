#include "oci/convert.h"

#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "oci/manifest.h"

namespace berth::oci {
namespace {

namespace json = boost::json;

struct TypePair {
  std::string_view oci;
  std::string_view docker;
};

constexpr TypePair kConfigTypes[] = {
    {"application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json"},
};

constexpr TypePair kLayerTypes[] = {
    {"application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.docker.image.rootfs.diff.tar.gzip"},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
     "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"},
    {"application/vnd.oci.image.layer.v1.tar", "application/vnd.docker.image.rootfs.diff.tar"},
};

template <size_t N>
std::optional<std::string_view> Counterpart(const TypePair (&pairs)[N], std::string_view type, bool to_docker) {
  for (const TypePair& p : pairs) {
    if (to_docker && type == p.oci) return p.docker;
    if (!to_docker && type == p.docker) return p.oci;
  }
  return std::nullopt;
}

// Rewrites a descriptor's mediaType through `pairs`; false when it has no counterpart.
template <size_t N>
bool RewriteDescriptor(json::value& descriptor, const TypePair (&pairs)[N], bool to_docker) {
  json::object* d = descriptor.if_object();
  if (d == nullptr) return false;
  const json::value* type = d->if_contains("mediaType");
  if (type == nullptr || !type->is_string()) return false;
  std::optional<std::string_view> other = Counterpart(pairs, type->get_string(), to_docker);
  if (!other) return false;
  (*d)["mediaType"] = *other;
  return true;
}

}  // namespace

std::string_view ConvertibleTo(std::string_view media_type) {
  if (media_type == kOciManifest) return kDockerManifest;
  if (media_type == kDockerManifest) return kOciManifest;
  return {};
}

std::optional<ConvertedManifest> ConvertImageManifest(std::string_view payload, std::string_view from,
                                                      std::string_view to) {
  if (from == to) return ConvertedManifest{std::string(to), std::string(payload)};
  bool to_docker;
  if (from == kOciManifest && to == kDockerManifest) {
    to_docker = true;
  } else if (from == kDockerManifest && to == kOciManifest) {
    to_docker = false;
  } else {
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value doc = json::parse(payload, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  json::object& m = doc.get_object();
  // Referrers and artifacts are OCI 1.1 notions that Docker schema 2 cannot carry.
  if (m.contains("subject") || m.contains("artifactType")) return std::nullopt;
  json::value* config = m.if_contains("config");
  json::value* layers = m.if_contains("layers");
  if (config == nullptr || !RewriteDescriptor(*config, kConfigTypes, to_docker)) return std::nullopt;
  if (layers == nullptr || !layers->is_array()) return std::nullopt;
  for (json::value& layer : layers->get_array()) {
    if (!RewriteDescriptor(layer, kLayerTypes, to_docker)) return std::nullopt;
  }
  m["mediaType"] = to;
  return ConvertedManifest{std::string(to), json::serialize(doc)};
}

std::optional<ConvertedManifest> ServableForm(std::string_view media_type, std::string payload,
                                              const std::function<bool(std::string_view)>& accepts) {
  if (accepts(media_type)) return ConvertedManifest{std::string(media_type), std::move(payload)};
  std::string_view other = ConvertibleTo(media_type);
  if (other.empty() || !accepts(other)) return std::nullopt;
  return ConvertImageManifest(payload, media_type, other);
}

}  // namespace berth::oci
