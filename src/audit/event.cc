#include "audit/event.h"

#include <boost/json/serialize.hpp>

#include <array>
#include <atomic>
#include <bit>
#include <limits>

#include "base/json_text.h"
#include "base/strings.h"
#include "base/time.h"
#include "crypto/random.h"

namespace berth::audit {
namespace {

namespace json = boost::json;

constexpr std::string_view kForbiddenWords[] = {"secret",    "password",      "token",      "authorization",
                                                 "layerpartblob", "signature", "downloadurl"};

// For each byte, the words of kForbiddenWords that start with it in either case, as bits.
constexpr std::array<uint8_t, 256> kWordsStartingWith = [] {
  std::array<uint8_t, 256> table{};
  for (size_t w = 0; w < std::size(kForbiddenWords); ++w) {
    const char first = kForbiddenWords[w][0];
    table[static_cast<unsigned char>(first)] |= static_cast<uint8_t>(1u << w);
    table[static_cast<unsigned char>(first - 'a' + 'A')] |= static_cast<uint8_t>(1u << w);
  }
  return table;
}();

// Whether a member's name holds one of kForbiddenWords, in any case. One pass over the name,
// comparing only the words that start with the letter at hand: this runs per member per pull,
// and a search per word (seven memchr scans of every name) was a fifth of writing a record.
bool Forbidden(std::string_view key) {
  for (size_t i = 0; i < key.size(); ++i) {
    for (unsigned words = kWordsStartingWith[static_cast<unsigned char>(key[i])]; words != 0; words &= words - 1) {
      const std::string_view word = kForbiddenWords[std::countr_zero(words)];
      if (key.size() - i < word.size()) continue;
      size_t k = 1;
      while (k < word.size() && AsciiLowerChar(key[i + k]) == word[k]) ++k;
      if (k == word.size()) return true;
    }
  }
  return false;
}

// Event IDs in UUID form: a random per-process prefix and a counter, unique across nodes and
// restarts without asking the random generator per request.
std::array<char, 36> NextEventId() {
  static constexpr char kHex[] = "0123456789abcdef";
  static const std::string prefix = crypto::RandomHex(10);  // 20 hex digits
  static std::atomic<uint64_t> counter{0};
  std::array<char, 36> id;
  char* o = id.data();
  for (size_t i = 0; i < 20; ++i) {
    if (i == 8 || i == 12 || i == 16) *o++ = '-';
    *o++ = prefix[i];
  }
  *o++ = '-';
  // The counter's low 48 bits as 12 hex digits.
  const uint64_t n = counter.fetch_add(1);
  for (int i = 11; i >= 0; --i) *o++ = kHex[(n >> (4 * i)) & 15];
  return id;
}

// The record is written straight as text, not built as objects first: this runs for every pull.
// `member` is the member's opening as written, `,"name":`: the names are ours and need no
// escaping, and escaping them was a third of writing a record.
void AppendMember(std::string& out, std::string_view member, std::string_view value) {
  out += member;
  AppendJsonText(out, value);
}

// A member string past 2 KiB (a pushed manifest) is summarised by its size: records stay small.
void AppendMemberString(std::string& out, std::string_view value) {
  if (value.size() > 2048) {
    AppendJsonText(out, "(" + std::to_string(value.size()) + " bytes)");
  } else {
    AppendJsonText(out, value);
  }
}

void AppendScrubbed(std::string& out, const json::value& v, bool member);

// The members of a document's object and the data plane's parameters, filtered alike.
std::string_view KeyOf(const json::key_value_pair& m) { return m.key(); }
std::string_view KeyOf(const Parameter& p) { return p.key; }
void AppendValueOf(std::string& out, const json::key_value_pair& m) { AppendScrubbed(out, m.value(), true); }
void AppendValueOf(std::string& out, const Parameter& p) { AppendMemberString(out, p.value); }

// The one place the secret filter drops members: those named like secrets are left out.
template <class Members>
void AppendKept(std::string& out, const Members& members) {
  out += '{';
  bool first = true;
  for (const auto& m : members) {
    if (Forbidden(KeyOf(m))) continue;
    if (!first) out += ',';
    first = false;
    AppendJsonText(out, KeyOf(m));
    out += ':';
    AppendValueOf(out, m);
  }
  out += '}';
}

// `v` with what must never be kept left out: members named like secrets are dropped, in objects
// at any depth and in objects inside arrays; long member strings are summarised.
void AppendScrubbed(std::string& out, const json::value& v, bool member) {
  switch (v.kind()) {
    case json::kind::string:
      if (member) {
        AppendMemberString(out, v.get_string());
      } else {
        AppendJsonText(out, v.get_string());
      }
      return;
    case json::kind::object:
      AppendKept(out, v.get_object());
      return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& element : v.get_array()) {
        if (!first) out += ',';
        first = false;
        // Objects inside arrays are cleaned too; other elements are written as they are.
        if (element.is_object()) {
          AppendScrubbed(out, element, false);
        } else {
          out += json::serialize(element);
        }
      }
      out += ']';
      return;
    }
    default:
      out += json::serialize(v);
  }
}

// gmtime_r and strftime per record cost more than writing the rest of the member, and the
// text changes once a second.
std::string_view EventTime(int64_t unix_seconds) {
  thread_local int64_t cached_seconds = std::numeric_limits<int64_t>::min();
  thread_local std::string cached_text;
  if (unix_seconds != cached_seconds) {
    cached_text = IsoTime(unix_seconds);
    cached_seconds = unix_seconds;
  }
  return cached_text;
}

}  // namespace

void AppendJson(const Event& e, std::string_view account_id, std::string& out) {
  out += R"({"eventVersion":"1.08","userIdentity":{"type":)";
  AppendJsonText(out, e.identity.type);
  if (!e.identity.principal_id.empty()) AppendMember(out, R"(,"principalId":)", e.identity.principal_id);
  if (!e.identity.arn.empty()) AppendMember(out, R"(,"arn":)", e.identity.arn);
  if (e.identity.type != "Anonymous") AppendMember(out, R"(,"accountId":)", account_id);
  if (!e.identity.access_key_id.empty()) AppendMember(out, R"(,"accessKeyId":)", e.identity.access_key_id);
  if (!e.identity.user_name.empty()) AppendMember(out, R"(,"userName":)", e.identity.user_name);
  out += '}';
  AppendMember(out, R"(,"eventTime":)", EventTime(e.time_ms / 1000));
  AppendMember(out, R"(,"eventSource":)", e.source);
  AppendMember(out, R"(,"eventName":)", e.name);
  AppendMember(out, R"(,"awsRegion":)", e.region);
  AppendMember(out, R"(,"sourceIPAddress":)", e.source_ip);
  AppendMember(out, R"(,"userAgent":)", e.user_agent);
  out += R"(,"requestParameters":)";
  // One pass through the secret filter: a document with nothing kept is null, as none is.
  const size_t parameters_at = out.size();
  if (!e.parameters.empty()) {
    AppendKept(out, e.parameters);
  } else if (e.request_parameters != nullptr) {
    AppendKept(out, *e.request_parameters);
  }
  if (out.size() == parameters_at || std::string_view(out).substr(parameters_at) == "{}") {
    out.resize(parameters_at);
    out += "null";
  }
  out += R"(,"responseElements":)";
  if (e.response_elements != nullptr) {
    AppendScrubbed(out, *e.response_elements, false);
  } else {
    out += "null";
  }
  if (!e.error_code.empty()) {
    AppendMember(out, R"(,"errorCode":)", e.error_code);
    AppendMember(out, R"(,"errorMessage":)", e.error_message);
  }
  if (!e.resources.empty()) {
    out += R"(,"resources":[)";
    for (size_t i = 0; i < e.resources.size(); ++i) {
      out += i == 0 ? "{" : ",{";
      out += R"("type":)";
      AppendJsonText(out, e.resources[i].type);
      AppendMember(out, R"(,"ARN":)", e.resources[i].arn);
      AppendMember(out, R"(,"accountId":)", account_id);
      out += '}';
    }
    out += ']';
  }
  const std::array<char, 36> event_id = NextEventId();
  const std::string_view id(event_id.data(), event_id.size());
  AppendMember(out, R"(,"requestID":)", e.request_id.empty() ? id : e.request_id);
  AppendMember(out, R"(,"eventID":)", id);
  out += e.read_only ? R"(,"readOnly":true)" : R"(,"readOnly":false)";
  out += R"(,"eventType":"AwsApiCall","managementEvent":true)";
  AppendMember(out, R"(,"recipientAccountId":)", account_id);
  // Milliseconds since the epoch, for lookups that order and page by time.
  out += R"(,"eventTimeMs":)";
  out += std::to_string(e.time_ms);
  out += '}';
}

std::string ToJson(const Event& e, std::string_view account_id) {
  std::string out;
  out.reserve(1024);
  AppendJson(e, account_id, out);
  return out;
}

}  // namespace berth::audit
