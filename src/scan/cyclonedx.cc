#include "scan/cyclonedx.h"

#include <boost/json/serialize.hpp>

#include <cstdio>

#include "base/time.h"
#include "crypto/sha256.h"

namespace berth::scan {
namespace {

namespace json = boost::json;

// purl components are percent-encoded but for unreserved characters (and ':' in versions).
std::string Encode(std::string_view text, bool keep_slash = false) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == ':' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A UUID made from the digest (version 5's layout over SHA-256 bytes): stable per image.
std::string SerialNumber(std::string_view digest) {
  std::string h = crypto::Sha256::HexOf(std::string("berth-sbom:") + std::string(digest)).substr(0, 32);
  h[12] = '5';
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];
  return "urn:uuid:" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20, 12);
}

}  // namespace

std::string PackageUrl(const OsRelease& os, const Package& p) {
  std::string qualifiers;
  auto add = [&qualifiers](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    qualifiers += (qualifiers.empty() ? "?" : "&") + std::string(key) + "=" + Encode(value);
  };
  const std::string distro = os.id.empty() ? "" : os.id + (os.version_id.empty() ? "" : "-" + os.version_id);
  switch (p.type) {
    case PackageType::kDpkg:
    case PackageType::kApk:
    case PackageType::kRpm: {
      const std::string_view type = p.type == PackageType::kDpkg ? "deb" : p.type == PackageType::kApk ? "apk" : "rpm";
      add("arch", p.arch);
      add("distro", distro);
      return "pkg:" + std::string(type) + "/" + Encode(os.id.empty() ? "unknown" : os.id) + "/" + Encode(p.name) + "@" +
             Encode(p.version) + qualifiers;
    }
    case PackageType::kPython: {
      std::string name = Lower(p.name);
      for (char& c : name) {
        if (c == '_') c = '-';
      }
      return "pkg:pypi/" + Encode(name) + "@" + Encode(p.version);
    }
    case PackageType::kNpm: {
      // "@scope/name": the scope is a namespace, its "@" encoded.
      if (p.name.starts_with("@") && p.name.find('/') != std::string::npos) {
        const size_t slash = p.name.find('/');
        return "pkg:npm/" + Encode(p.name.substr(0, slash)) + "/" + Encode(p.name.substr(slash + 1)) + "@" +
               Encode(p.version);
      }
      return "pkg:npm/" + Encode(p.name) + "@" + Encode(p.version);
    }
    case PackageType::kGo:
      return "pkg:golang/" + Encode(p.name, true) + "@" + Encode(p.version);
    case PackageType::kMaven: {
      const size_t colon = p.name.find(':');
      if (colon == std::string::npos) return "pkg:maven/" + Encode(p.name) + "@" + Encode(p.version);
      return "pkg:maven/" + Encode(p.name.substr(0, colon)) + "/" + Encode(p.name.substr(colon + 1)) + "@" +
             Encode(p.version);
    }
  }
  return "";
}

std::string CycloneDxJson(const Inventory& inventory, const SbomSubject& subject) {
  json::array components;
  if (!inventory.os.id.empty()) {
    json::object os{{"type", "operating-system"},
                    {"bom-ref", "os:" + inventory.os.id},
                    {"name", inventory.os.id},
                    {"version", inventory.os.version_id}};
    if (!inventory.os.pretty_name.empty()) os["description"] = inventory.os.pretty_name;
    components.push_back(std::move(os));
  }
  for (const Package& p : inventory.packages) {
    const std::string purl = PackageUrl(inventory.os, p);
    json::array properties{json::object{{"name", "berth:package:type"}, {"value", PackageTypeName(p.type)}}};
    if (!p.layer.empty()) properties.push_back(json::object{{"name", "berth:layer:digest"}, {"value", p.layer}});
    if (!p.path.empty()) properties.push_back(json::object{{"name", "berth:location:0:path"}, {"value", p.path}});
    if (!p.source_name.empty() && p.source_name != p.name) {
      properties.push_back(json::object{{"name", "berth:package:source"}, {"value", p.source_name}});
    }
    components.push_back(json::object{{"type", "library"},
                                      {"bom-ref", purl},
                                      {"name", p.name},
                                      {"version", p.version},
                                      {"purl", purl},
                                      {"properties", std::move(properties)}});
  }
  json::object image{{"type", "container"},
                     {"bom-ref", subject.digest},
                     {"name", subject.name},
                     {"version", subject.digest}};
  json::object bom{
      {"bomFormat", "CycloneDX"},
      {"specVersion", "1.5"},
      {"serialNumber", SerialNumber(subject.digest)},
      {"version", 1},
      {"metadata", json::object{{"timestamp", IsoTime(subject.created_at)},
                                {"tools", json::object{{"components", json::array{json::object{
                                                                          {"type", "application"},
                                                                          {"name", "berth"},
                                                                          {"version", subject.tool_version}}}}}},
                                {"component", std::move(image)}}},
      {"components", std::move(components)}};
  return json::serialize(bom);
}

}  // namespace berth::scan
