#include "api/ecr/model.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <stdexcept>

#include "crypto/random.h"

namespace berth::api::ecr {

std::string_view EmbeddedModelJson();  // ecr_model_data.cc, generated

namespace {

namespace json = boost::json;

std::unexpected<Error> Invalid(const std::string& path, std::string constraint,
                               const json::value* value = nullptr) {
  std::string shown;
  if (value != nullptr) {
    shown = value->is_string() ? std::string(value->get_string()) : json::serialize(*value);
    if (shown.size() > 100) shown = shown.substr(0, 100) + "...";
    shown = "Value '" + shown + "' at ";
  } else {
    shown = "Value at ";
  }
  return Fail(Code::kInvalidArgument,
              "1 validation error detected: " + shown + "'" + path +
                  "' failed to satisfy constraint: " + std::move(constraint),
              "InvalidParameterException");
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::optional<int64_t> Bound(const json::object& shape, std::string_view key) {
  const json::value* v = shape.if_contains(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->is_int64() ? v->get_int64() : v->is_uint64() ? static_cast<int64_t>(v->get_uint64())
                                                         : static_cast<int64_t>(v->get_double());
}

}  // namespace

const Model& Model::Get() {
  static const Model model;
  return model;
}

Model::Model() {
  model_ = json::parse(EmbeddedModelJson()).as_object();
  shapes_ = &model_.at("shapes").as_object();
  operations_ = &model_.at("operations").as_object();
  for (const auto& [name, shape] : *shapes_) {
    const json::value* pattern = shape.as_object().if_contains("pattern");
    if (pattern == nullptr) continue;
    try {
      patterns_.emplace(std::string(name),
                        std::make_unique<std::regex>(std::string(pattern->as_string()),
                                                     std::regex::ECMAScript | std::regex::optimize));
    } catch (const std::regex_error&) {
      // std::regex reads a few character classes differently (a '-' after a range, as in
      // LayerDigest); such members are checked by the handlers' own parsers instead.
    }
  }
}

bool Model::HasOperation(std::string_view operation) const {
  return operations_->contains(operation);
}

std::vector<std::string> Model::EnumValues(std::string_view shape) const {
  std::vector<std::string> out;
  const json::value* s = shapes_->if_contains(shape);
  if (s == nullptr) return out;
  if (const json::value* e = s->as_object().if_contains("enum")) {
    for (const json::value& v : e->as_array()) out.emplace_back(v.as_string());
  }
  return out;
}

void DropNullMembers(json::value& v) {
  if (json::object* obj = v.if_object()) {
    for (auto it = obj->begin(); it != obj->end();) {
      if (it->value().is_null()) {
        it = obj->erase(it);
      } else {
        DropNullMembers(it->value());
        ++it;
      }
    }
  } else if (json::array* items = v.if_array()) {
    for (json::value& item : *items) DropNullMembers(item);
  }
}

Status Model::ValidateInput(std::string_view operation, const json::value& input) const {
  const json::value* op = operations_->if_contains(operation);
  if (op == nullptr) return Fail(Code::kInvalidArgument, "unknown operation", "UnknownOperationException");
  const json::value* in = op->as_object().if_contains("input");
  if (in == nullptr) return {};
  return Validate(std::string(in->as_object().at("shape").as_string()), input, "");
}

Status Model::Validate(const std::string& shape_name, const json::value& v,
                       const std::string& path) const {
  const json::object& shape = shapes_->at(shape_name).as_object();
  const std::string_view type = shape.at("type").as_string();
  const std::string where = path.empty() ? "request" : path;
  if (type == "structure") {
    if (!v.is_object()) return Invalid(where, "Member must be a structure", &v);
    const json::object& obj = v.as_object();
    const json::object& members = shape.at("members").as_object();
    if (const json::value* required = shape.if_contains("required")) {
      for (const json::value& name : required->as_array()) {
        const json::value* m = obj.if_contains(name.as_string());
        if (m == nullptr || m->is_null()) {
          return Invalid((path.empty() ? "" : path + ".") + std::string(name.as_string()),
                         "Member must not be null");
        }
      }
    }
    for (const auto& [name, member] : obj) {
      const json::value* def = members.if_contains(name);
      if (def == nullptr || member.is_null()) continue;
      BERTH_TRY(Validate(std::string(def->as_object().at("shape").as_string()), member,
                         (path.empty() ? "" : path + ".") + std::string(name)));
    }
    return {};
  }
  if (type == "list") {
    if (!v.is_array()) return Invalid(where, "Member must be a list", &v);
    const json::array& items = v.as_array();
    if (auto min = Bound(shape, "min"); min && static_cast<int64_t>(items.size()) < *min) {
      return Invalid(where, "Member must have length greater than or equal to " + std::to_string(*min), &v);
    }
    if (auto max = Bound(shape, "max"); max && static_cast<int64_t>(items.size()) > *max) {
      return Invalid(where, "Member must have length less than or equal to " + std::to_string(*max), &v);
    }
    const std::string member = std::string(shape.at("member").as_object().at("shape").as_string());
    for (size_t i = 0; i < items.size(); ++i) {
      BERTH_TRY(Validate(member, items[i], where + "." + std::to_string(i + 1) + ".member"));
    }
    return {};
  }
  if (type == "map") {
    if (!v.is_object()) return Invalid(where, "Member must be a map", &v);
    const std::string value_shape = std::string(shape.at("value").as_object().at("shape").as_string());
    for (const auto& [key, value] : v.as_object()) {
      BERTH_TRY(Validate(value_shape, value, where + "." + std::string(key)));
    }
    return {};
  }
  if (type == "string") {
    if (!v.is_string()) return Invalid(where, "Member must be a string", &v);
    std::string_view s = v.as_string();
    if (auto min = Bound(shape, "min"); min && static_cast<int64_t>(CodePoints(s)) < *min) {
      return Invalid(where, "Member must have length greater than or equal to " + std::to_string(*min), &v);
    }
    if (auto max = Bound(shape, "max"); max && static_cast<int64_t>(CodePoints(s)) > *max) {
      return Invalid(where, "Member must have length less than or equal to " + std::to_string(*max), &v);
    }
    if (const json::value* e = shape.if_contains("enum")) {
      bool found = false;
      std::string allowed;
      for (const json::value& option : e->as_array()) {
        found = found || option.as_string() == s;
        allowed += (allowed.empty() ? "" : ", ") + std::string(option.as_string());
      }
      if (!found) return Invalid(where, "Member must satisfy enum value set: [" + allowed + "]", &v);
    }
    auto pattern = patterns_.find(shape_name);
    if (pattern != patterns_.end() && !std::regex_match(s.begin(), s.end(), *pattern->second)) {
      return Invalid(where, "Member must satisfy regular expression pattern: " +
                                std::string(shape.at("pattern").as_string()), &v);
    }
    return {};
  }
  if (type == "integer" || type == "long") {
    if (!v.is_int64() && !v.is_uint64()) return Invalid(where, "Member must be an integer", &v);
    int64_t n = v.is_int64() ? v.get_int64() : static_cast<int64_t>(std::min<uint64_t>(v.get_uint64(), INT64_MAX));
    if (auto min = Bound(shape, "min"); min && n < *min) {
      return Invalid(where, "Member must have value greater than or equal to " + std::to_string(*min), &v);
    }
    if (auto max = Bound(shape, "max"); max && n > *max) {
      return Invalid(where, "Member must have value less than or equal to " + std::to_string(*max), &v);
    }
    return {};
  }
  if (type == "boolean") {
    if (!v.is_bool()) return Invalid(where, "Member must be a boolean", &v);
    return {};
  }
  if (type == "blob") {
    if (!v.is_string()) return Invalid(where, "Member must be base64 text", nullptr);
    std::string_view s = v.as_string();
    // Decoded size from the encoded length, so a 20 MiB part is not decoded twice.
    size_t decoded = s.size() / 4 * 3 - (s.ends_with("==") ? 2 : s.ends_with("=") ? 1 : 0);
    if (s.size() % 4 != 0) return Invalid(where, "Member must be valid base64", nullptr);
    if (auto max = Bound(shape, "max"); max && static_cast<int64_t>(decoded) > *max) {
      return Invalid(where, "Member must have length less than or equal to " + std::to_string(*max), nullptr);
    }
    return {};
  }
  if (type == "timestamp" || type == "double") {
    if (!v.is_number()) return Invalid(where, "Member must be a number", &v);
    return {};
  }
  return {};
}

}  // namespace berth::api::ecr
