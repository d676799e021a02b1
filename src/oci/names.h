// oci/names.h
//
// The OCI Distribution grammar for repository names, tags and manifest references. Pure
// functions; errors carry reasons NAME_INVALID, TAG_INVALID or DIGEST_INVALID.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "base/error.h"
#include "oci/digest.h"

namespace berth::oci {

inline constexpr size_t kMaxRepositoryNameLength = 255;
inline constexpr size_t kMaxTagLength = 128;

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*, at most 255 chars.
Status ValidateRepositoryName(std::string_view name);
// [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
Status ValidateTag(std::string_view tag);

// A manifest reference: a tag or a digest.
class Reference {
 public:
  static Result<Reference> Parse(std::string_view text);

  bool is_digest() const { return std::holds_alternative<Digest>(value_); }
  const Digest& digest() const { return std::get<Digest>(value_); }
  const std::string& tag() const { return std::get<std::string>(value_); }
  const std::string& str() const { return is_digest() ? digest().str() : tag(); }

 private:
  explicit Reference(std::variant<std::string, Digest> value) : value_(std::move(value)) {}
  std::variant<std::string, Digest> value_;
};

}  // namespace berth::oci
