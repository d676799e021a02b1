#include "auth/bearer.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

#include "crypto/aead.h"
#include "crypto/random.h"

namespace berth::auth {
namespace {

namespace json = boost::json;

std::unexpected<Error> Unauthorized(std::string message) {
  return Fail(Code::kUnauthenticated, std::move(message), "UNAUTHORIZED");
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  while (true) {
    size_t at = s.find(sep);
    out.emplace_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

}  // namespace

Result<std::vector<Grant>> ParseScopes(const std::vector<std::string>& scopes) {
  std::vector<Grant> out;
  if (scopes.size() > 100) return Fail(Code::kInvalidArgument, "at most 100 scopes per token");
  for (const std::string& text : scopes) {
    // Several scopes may also arrive space-separated in one parameter.
    for (const std::string& scope : Split(text, ' ')) {
      if (scope.empty()) continue;
      // The name may hold ':' (a registry with a port): type first, actions last.
      size_t first = scope.find(':');
      size_t last = scope.rfind(':');
      if (first == std::string::npos || first == last || scope.size() > 1024) {
        return Fail(Code::kInvalidArgument, "malformed scope '" + scope.substr(0, 200) + "' (type:name:actions)");
      }
      Grant g{.type = scope.substr(0, first), .name = scope.substr(first + 1, last - first - 1),
              .actions = Split(std::string_view(scope).substr(last + 1), ',')};
      if ((g.type != "repository" && g.type != "registry") || g.name.empty()) {
        return Fail(Code::kInvalidArgument, "scope '" + scope.substr(0, 200) + "': unknown resource type or empty name");
      }
      std::erase_if(g.actions, [](const std::string& a) { return a.empty(); });
      out.push_back(std::move(g));
    }
  }
  return out;
}

std::string ScopeString(const Grant& g) {
  std::string s = g.type + ":" + g.name + ":";
  for (size_t i = 0; i < g.actions.size(); ++i) s += (i ? "," : "") + g.actions[i];
  return s;
}

bool Covers(const std::vector<Grant>& access, std::string_view type, std::string_view name, std::string_view action) {
  for (const Grant& g : access) {
    if (g.type != type || g.name != name) continue;
    for (const std::string& a : g.actions) {
      if (a == action || a == "*") return true;
    }
  }
  return false;
}

std::string IssueBearer(std::string_view key, const BearerClaims& c) {
  json::array access;
  for (const Grant& g : c.access) {
    json::array actions;
    for (const std::string& a : g.actions) actions.emplace_back(a);
    access.push_back(json::object{{"type", g.type}, {"name", g.name}, {"actions", actions}});
  }
  json::object payload{{"iss", "berth"},       {"sub", c.subject},         {"aud", c.audience},
                       {"iat", c.issued_at},    {"nbf", c.issued_at - 60},  {"exp", c.expires_at},
                       {"jti", crypto::RandomHex(12)}, {"access", access}};
  std::string signing_input = crypto::Base64UrlEncode(kHeader) + "." + crypto::Base64UrlEncode(json::serialize(payload));
  return signing_input + "." + crypto::Base64UrlEncode(crypto::HmacSha256(key, signing_input));
}

Result<BearerClaims> VerifyBearer(std::string_view key, std::string_view token, std::string_view service,
                                  int64_t now) {
  if (token.size() > 64 * 1024) return Unauthorized("token too large");
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return Unauthorized("malformed bearer token");
  std::string_view signing_input = token.substr(0, dot2);
  // Compared as text: see Authenticator's registry tokens for why not as decoded bytes.
  if (!crypto::ConstantTimeEquals(token.substr(dot2 + 1),
                                  crypto::Base64UrlEncode(crypto::HmacSha256(key, signing_input)))) {
    return Unauthorized("invalid bearer token");
  }
  std::optional<std::string> header = crypto::Base64UrlDecode(token.substr(0, dot1));
  std::optional<std::string> payload = crypto::Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!header || *header != kHeader || !payload) return Unauthorized("malformed bearer token");
  boost::system::error_code ec;
  json::value v = json::parse(*payload, ec);
  if (ec || !v.is_object()) return Unauthorized("malformed bearer token");
  const json::object& o = v.get_object();
  BearerClaims c;
  auto str = [&o](std::string_view k) {
    const json::value* x = o.if_contains(k);
    return x != nullptr && x->is_string() ? std::string(x->get_string()) : std::string();
  };
  auto num = [&o](std::string_view k) {
    const json::value* x = o.if_contains(k);
    return x != nullptr && x->is_int64() ? x->get_int64() : int64_t{0};
  };
  c.subject = str("sub");
  c.audience = str("aud");
  c.issued_at = num("iat");
  c.expires_at = num("exp");
  if (c.audience != service) return Unauthorized("the bearer token is for another service");
  if (c.expires_at <= now) return Unauthorized("bearer token expired");
  if (const json::value* access = o.if_contains("access"); access != nullptr && access->is_array()) {
    for (const json::value& g : access->get_array()) {
      if (!g.is_object()) continue;
      Grant grant{.type = std::string(g.get_object().contains("type") && g.at("type").is_string() ? g.at("type").get_string() : ""),
                  .name = std::string(g.get_object().contains("name") && g.at("name").is_string() ? g.at("name").get_string() : ""),
                  .actions = {}};
      if (const json::value* actions = g.get_object().if_contains("actions"); actions != nullptr && actions->is_array()) {
        for (const json::value& a : actions->get_array()) {
          if (a.is_string()) grant.actions.emplace_back(a.get_string());
        }
      }
      c.access.push_back(std::move(grant));
    }
  }
  return c;
}

std::string BearerChallenge(std::string_view realm, std::string_view service, std::string_view scope,
                            std::string_view error) {
  std::string out = "Bearer realm=\"" + std::string(realm) + "\",service=\"" + std::string(service) + "\"";
  if (!scope.empty()) out += ",scope=\"" + std::string(scope) + "\"";
  if (!error.empty()) out += ",error=\"" + std::string(error) + "\"";
  return out;
}

}  // namespace berth::auth
