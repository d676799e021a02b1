#include "oci/names.h"

namespace berth::oci {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool IsValidComponent(std::string_view c) {
  size_t i = 0;
  while (i < c.size()) {
    if (!IsLowerAlnum(c[i])) return false;
    while (i < c.size() && IsLowerAlnum(c[i])) ++i;
    if (i == c.size()) return true;
    // A separator, which must be followed by more alphanumerics.
    if (c[i] == '.') {
      ++i;
    } else if (c[i] == '_') {
      ++i;
      if (i < c.size() && c[i] == '_') ++i;
    } else if (c[i] == '-') {
      while (i < c.size() && c[i] == '-') ++i;
    } else {
      return false;
    }
    if (i == c.size()) return false;
  }
  return !c.empty();
}

}  // namespace

Status ValidateRepositoryName(std::string_view name) {
  auto invalid = [&](std::string_view why) {
    return Fail(Code::kInvalidArgument,
                "invalid repository name \"" + std::string(name.substr(0, 300)) + "\": " +
                    std::string(why),
                "NAME_INVALID");
  };
  if (name.empty()) return invalid("empty");
  if (name.size() > kMaxRepositoryNameLength) return invalid("longer than 255 characters");
  size_t start = 0;
  while (true) {
    size_t slash = name.find('/', start);
    std::string_view component = name.substr(start, slash == std::string_view::npos
                                                        ? std::string_view::npos
                                                        : slash - start);
    if (!IsValidComponent(component)) {
      return invalid(
          "each /-separated component must be lowercase letters and digits, separated by "
          "'.', '_', '__' or dashes");
    }
    if (slash == std::string_view::npos) return {};
    start = slash + 1;
  }
}

Status ValidateTag(std::string_view tag) {
  auto valid_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
  };
  bool ok = !tag.empty() && tag.size() <= kMaxTagLength && tag[0] != '.' && tag[0] != '-';
  for (char c : tag) ok = ok && valid_char(c);
  if (!ok) {
    return Fail(Code::kInvalidArgument,
                "invalid tag \"" + std::string(tag.substr(0, 200)) +
                    "\": must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}",
                "TAG_INVALID");
  }
  return {};
}

Result<Reference> Reference::Parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) {
    BERTH_ASSIGN(Digest digest, Digest::Parse(text));
    return Reference(std::move(digest));
  }
  BERTH_TRY(ValidateTag(text));
  return Reference(std::string(text));
}

}  // namespace berth::oci
