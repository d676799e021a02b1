#include "aws/sigv4.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "base/strings.h"
#include "crypto/aead.h"
#include "crypto/random.h"
#include "crypto/sha256.h"

namespace berth::aws {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Query strings arrive percent-encoded (a '+' is a literal plus in SigV4, not a space).
std::string UriDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Normalizes the path (empty and "." segments dropped, ".." resolved) and encodes each segment,
// which double-encodes escapes already on the wire, as SigV4 asks for every service but S3.
std::string CanonicalUri(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view seg = path.substr(start, slash == std::string_view::npos ? std::string_view::npos
                                                                             : slash - start);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (std::string_view seg : segments) out += "/" + PercentEncode(seg);
  if (out.empty() || (path.size() > 1 && path.back() == '/')) out += "/";
  return out;
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    params.emplace_back(PercentEncode(UriDecode(key)), PercentEncode(UriDecode(value)));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

// Trims and collapses runs of spaces, as the canonical header value requires.
std::string CanonicalValue(std::string_view v) {
  v = Trim(v);
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::unexpected<Error> Incomplete(std::string message) {
  return Fail(Code::kUnauthenticated, std::move(message), "IncompleteSignatureException");
}

}  // namespace

std::string HexSha256(std::string_view data) { return crypto::Sha256::HexOf(data); }
std::string HexHmacSha256(std::string_view key, std::string_view data) {
  return crypto::HexEncode(crypto::HmacSha256(key, data));
}

std::string CanonicalRequest(const CanonicalInput& in) {
  std::string out;
  out += in.method;
  out += '\n';
  out += CanonicalUri(in.path);
  out += '\n';
  out += CanonicalQuery(in.query);
  out += '\n';
  for (const std::string& name : in.signed_headers) {
    std::string joined;
    bool first = true;
    for (const Header& h : in.headers) {
      if (!IEquals(h.name, name)) continue;
      if (!first) joined += ',';
      joined += CanonicalValue(h.value);
      first = false;
    }
    out += name + ":" + joined + "\n";
  }
  out += '\n';
  for (size_t i = 0; i < in.signed_headers.size(); ++i) {
    if (i > 0) out += ';';
    out += in.signed_headers[i];
  }
  out += '\n';
  out += in.payload_sha256_hex;
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  return "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + std::string(scope) + "\n" +
         HexSha256(canonical_request);
}

std::string SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                       std::string_view service) {
  std::string k = crypto::HmacSha256("AWS4" + std::string(secret), date);
  k = crypto::HmacSha256(k, region);
  k = crypto::HmacSha256(k, service);
  return crypto::HmacSha256(k, "aws4_request");
}

std::string SignRequest(OutgoingRequest& request, const SigningKeyInfo& key,
                        std::chrono::system_clock::time_point now) {
  const std::string amz_date = AmzDate(now);
  const std::string date = amz_date.substr(0, 8);
  request.headers.push_back({"x-amz-date", amz_date});
  request.headers.push_back({"x-amz-content-sha256", request.payload_sha256_hex});
  if (!key.session_token.empty()) request.headers.push_back({"x-amz-security-token", key.session_token});
  std::vector<std::string> names;
  for (const Header& h : request.headers) names.push_back(AsciiLower(h.name));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  CanonicalInput in{.method = request.method, .path = request.path, .query = request.query,
                    .headers = request.headers, .signed_headers = names,
                    .payload_sha256_hex = request.payload_sha256_hex};
  const std::string scope = date + "/" + key.region + "/" + key.service + "/aws4_request";
  const std::string signature =
      HexHmacSha256(SigningKey(key.secret_access_key, date, key.region, key.service),
                    StringToSign(amz_date, scope, CanonicalRequest(in)));
  std::string signed_headers;
  for (const std::string& n : names) signed_headers += (signed_headers.empty() ? "" : ";") + n;
  return "AWS4-HMAC-SHA256 Credential=" + key.access_key_id + "/" + scope +
         ", SignedHeaders=" + signed_headers + ", Signature=" + signature;
}

std::string PresignQuery(std::string_view method, std::string_view host, std::string_view path,
                         const SigningKeyInfo& key, std::chrono::seconds expires,
                         std::chrono::system_clock::time_point now) {
  const std::string amz_date = AmzDate(now);
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = date + "/" + key.region + "/" + key.service + "/aws4_request";
  const long long seconds = std::clamp<long long>(expires.count(), 1, 7 * 24 * 3600);
  std::string query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
                      PercentEncode(key.access_key_id + "/" + scope) + "&X-Amz-Date=" + amz_date +
                      "&X-Amz-Expires=" + std::to_string(seconds);
  if (!key.session_token.empty()) query += "&X-Amz-Security-Token=" + PercentEncode(key.session_token);
  query += "&X-Amz-SignedHeaders=host";
  CanonicalInput in{.method = method, .path = path, .query = query,
                    .headers = {{"host", std::string(host)}}, .signed_headers = {"host"},
                    .payload_sha256_hex = "UNSIGNED-PAYLOAD"};
  const std::string signature =
      HexHmacSha256(SigningKey(key.secret_access_key, date, key.region, key.service),
                    StringToSign(amz_date, scope, CanonicalRequest(in)));
  return query + "&X-Amz-Signature=" + signature;
}

Result<ParsedAuthorization> ParseAuthorization(std::string_view header) {
  header = Trim(header);
  constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
  if (!header.starts_with(kAlgorithm)) {
    return Incomplete("Authorization header requires the AWS4-HMAC-SHA256 algorithm");
  }
  header.remove_prefix(kAlgorithm.size());
  ParsedAuthorization out;
  bool have_credential = false, have_signed = false, have_signature = false;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view part = Trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "Credential") {
      // AKID/date/region/service/aws4_request
      std::vector<std::string_view> f;
      size_t s = 0;
      while (true) {
        size_t slash = value.find('/', s);
        f.push_back(value.substr(s, slash == std::string_view::npos ? std::string_view::npos : slash - s));
        if (slash == std::string_view::npos) break;
        s = slash + 1;
      }
      if (f.size() != 5 || f[4] != "aws4_request" || f[0].empty() || f[1].size() != 8) {
        return Incomplete("Credential should be scoped to a valid region, service and date: " +
                          std::string(value.substr(0, 200)));
      }
      out.access_key_id = f[0];
      out.date = f[1];
      out.region = f[2];
      out.service = f[3];
      have_credential = true;
    } else if (key == "SignedHeaders") {
      size_t s = 0;
      while (s <= value.size()) {
        size_t semi = value.find(';', s);
        std::string_view name = value.substr(s, semi == std::string_view::npos ? std::string_view::npos : semi - s);
        if (!name.empty()) out.signed_headers.push_back(AsciiLower(name));
        if (semi == std::string_view::npos) break;
        s = semi + 1;
      }
      have_signed = !out.signed_headers.empty();
    } else if (key == "Signature") {
      out.signature = std::string(value);
      have_signature = out.signature.size() == 64;
    }
  }
  if (!have_credential || !have_signed || !have_signature) {
    return Incomplete("Authorization header requires Credential, SignedHeaders and Signature");
  }
  return out;
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  std::tm tm{};
  auto num = [&](size_t pos, size_t len) -> std::optional<int> {
    std::optional<uint64_t> v = ParseUint64(text.substr(pos, len));
    if (!v) return std::nullopt;
    return static_cast<int>(*v);
  };
  auto y = num(0, 4), mo = num(4, 2), d = num(6, 2), h = num(9, 2), mi = num(11, 2), s = num(13, 2);
  if (!y || !mo || !d || !h || !mi || !s || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 ||
      *mi > 59 || *s > 60) {
    return std::nullopt;
  }
  tm.tm_year = *y - 1900;
  tm.tm_mon = *mo - 1;
  tm.tm_mday = *d;
  tm.tm_hour = *h;
  tm.tm_min = *mi;
  tm.tm_sec = *s;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

Result<Verified> Verify(const VerifyRequest& request, const VerifyPolicy& policy,
                        const SecretLookup& lookup, std::chrono::system_clock::time_point now) {
  const std::optional<std::string> authorization = request.header("authorization");
  const std::optional<std::string> amz_date = request.header("x-amz-date");
  const std::optional<std::string> content_sha = request.header("x-amz-content-sha256");
  if (!authorization) {
    return Fail(Code::kUnauthenticated, "Missing Authentication Token", "MissingAuthenticationTokenException");
  }
  BERTH_ASSIGN(ParsedAuthorization auth, ParseAuthorization(*authorization));
  for (const std::string& required : policy.required_signed_headers) {
    if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), required) ==
        auth.signed_headers.end()) {
      return Incomplete("Signed headers must include " + required);
    }
  }
  if (!std::is_sorted(auth.signed_headers.begin(), auth.signed_headers.end())) {
    return Incomplete("SignedHeaders must be sorted");
  }
  if (!amz_date) return Incomplete("Authorization header requires an X-Amz-Date header");
  std::optional<std::chrono::system_clock::time_point> when = ParseAmzDate(*amz_date);
  if (!when) return Incomplete("X-Amz-Date must be yyyyMMddTHHmmssZ");
  if (auth.date != amz_date->substr(0, 8)) {
    return Fail(Code::kUnauthenticated,
                "Credential should be scoped to a valid date (" + amz_date->substr(0, 8) + ")",
                "InvalidSignatureException");
  }
  std::optional<std::string> secret = lookup(auth.access_key_id);
  if (!secret) {
    return Fail(Code::kUnauthenticated, "The security token included in the request is invalid.",
                "UnrecognizedClientException");
  }
  if (auth.region != policy.region) {
    return Fail(Code::kUnauthenticated,
                "Credential should be scoped to a valid region, not '" + auth.region.substr(0, 64) + "'.",
                "InvalidSignatureException");
  }
  if (auth.service != policy.service) {
    return Fail(Code::kUnauthenticated,
                "Credential should be scoped to correct service: '" + policy.service + "'.",
                "InvalidSignatureException");
  }
  const std::string payload_hash = HexSha256(request.body);
  if (content_sha && *content_sha != payload_hash) {
    return Fail(Code::kUnauthenticated, "The provided x-amz-content-sha256 does not match the body",
                "InvalidSignatureException");
  }
  CanonicalInput in{.method = request.method, .path = request.path, .query = request.query,
                    .headers = {}, .signed_headers = auth.signed_headers,
                    .payload_sha256_hex = payload_hash};
  for (const std::string& name : auth.signed_headers) {
    if (std::optional<std::string> value = request.header(name)) in.headers.push_back({name, *std::move(value)});
  }
  const std::string scope = auth.date + "/" + auth.region + "/" + auth.service + "/aws4_request";
  const std::string expected =
      HexHmacSha256(SigningKey(*secret, auth.date, auth.region, auth.service),
                    StringToSign(*amz_date, scope, CanonicalRequest(in)));
  if (!crypto::ConstantTimeEquals(expected, auth.signature)) {
    return Fail(Code::kUnauthenticated,
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method.",
                "InvalidSignatureException");
  }
  // Checked after the signature so that an attacker learns nothing from the skew message.
  auto skew = now > *when ? now - *when : *when - now;
  if (skew > policy.max_skew) {
    return Fail(Code::kUnauthenticated,
                "Signature expired: " + *amz_date + " is now earlier or later than " + AmzDate(now) +
                    " by more than 15 minutes.",
                "InvalidSignatureException");
  }
  return Verified{.access_key_id = auth.access_key_id};
}

}  // namespace berth::aws
