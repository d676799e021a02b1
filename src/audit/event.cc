#include "audit/event.h"

#include <boost/json/serialize.hpp>

#include <array>
#include <atomic>
#include <bit>
#include <charconv>
#include <cstring>
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

// A record is written in two passes of the same code: a Sizer adds up the most bytes each piece
// can take, then a Writer stores the pieces through a pointer into room made once for the line.
// A record is some forty pieces per pull; appending each to a string (a size check, a capacity
// check, a terminator) cost more than the bytes.
class Sizer {
 public:
  void Raw(std::string_view bytes) { bytes_ += bytes.size(); }
  void Text(std::string_view text) { bytes_ += MaxJsonTextBytes(text.size()); }
  size_t bytes() const { return bytes_; }

 private:
  size_t bytes_ = 0;
};

class Writer {
 public:
  explicit Writer(char* at) : at_(at) {}
  void Raw(std::string_view bytes) {
    std::memcpy(at_, bytes.data(), bytes.size());
    at_ += bytes.size();
  }
  void Text(std::string_view text) { at_ = WriteJsonText(at_, text); }
  char* end() const { return at_; }

 private:
  char* at_;
};

// What both passes share and is worked out once: the two documents, written ahead as text
// through the secret filter, the event ID and the time's digits.
struct Prepared {
  std::string_view request_parameters;  // empty: null
  std::string_view response_elements;   // empty: null
  std::array<char, 36> event_id;
  std::array<char, 20> time_ms;
  size_t time_ms_digits = 0;
};

template <class Sink>
void Member(Sink& sink, std::string_view opening, std::string_view value) {
  sink.Raw(opening);
  sink.Text(value);
}

template <class Sink>
void Emit(const Event& e, std::string_view account_id, const Prepared& p, Sink& sink) {
  sink.Raw(R"({"eventVersion":"1.08","userIdentity":{"type":)");
  sink.Text(e.identity.type);
  if (!e.identity.principal_id.empty()) Member(sink, R"(,"principalId":)", e.identity.principal_id);
  if (!e.identity.arn.empty()) Member(sink, R"(,"arn":)", e.identity.arn);
  if (e.identity.type != "Anonymous") Member(sink, R"(,"accountId":)", account_id);
  if (!e.identity.access_key_id.empty()) Member(sink, R"(,"accessKeyId":)", e.identity.access_key_id);
  if (!e.identity.user_name.empty()) Member(sink, R"(,"userName":)", e.identity.user_name);
  sink.Raw("}");
  Member(sink, R"(,"eventTime":)", EventTime(e.time_ms / 1000));
  Member(sink, R"(,"eventSource":)", e.source);
  Member(sink, R"(,"eventName":)", e.name);
  Member(sink, R"(,"awsRegion":)", e.region);
  Member(sink, R"(,"sourceIPAddress":)", e.source_ip);
  Member(sink, R"(,"userAgent":)", e.user_agent);
  sink.Raw(R"(,"requestParameters":)");
  sink.Raw(p.request_parameters.empty() ? std::string_view("null") : p.request_parameters);
  sink.Raw(R"(,"responseElements":)");
  sink.Raw(p.response_elements.empty() ? std::string_view("null") : p.response_elements);
  if (!e.error_code.empty()) {
    Member(sink, R"(,"errorCode":)", e.error_code);
    Member(sink, R"(,"errorMessage":)", e.error_message);
  }
  if (!e.resources.empty()) {
    sink.Raw(R"(,"resources":[)");
    for (size_t i = 0; i < e.resources.size(); ++i) {
      Member(sink, i == 0 ? std::string_view(R"({"type":)") : std::string_view(R"(,{"type":)"), e.resources[i].type);
      Member(sink, R"(,"ARN":)", e.resources[i].arn);
      Member(sink, R"(,"accountId":)", account_id);
      sink.Raw("}");
    }
    sink.Raw("]");
  }
  const std::string_view id(p.event_id.data(), p.event_id.size());
  Member(sink, R"(,"requestID":)", e.request_id.empty() ? id : e.request_id);
  Member(sink, R"(,"eventID":)", id);
  sink.Raw(e.read_only ? R"(,"readOnly":true)" : R"(,"readOnly":false)");
  sink.Raw(R"(,"eventType":"AwsApiCall","managementEvent":true)");
  Member(sink, R"(,"recipientAccountId":)", account_id);
  // Milliseconds since the epoch, for lookups that order and page by time.
  sink.Raw(R"(,"eventTimeMs":)");
  sink.Raw(std::string_view(p.time_ms.data(), p.time_ms_digits));
  sink.Raw("}");
}

}  // namespace

void AppendJson(const Event& e, std::string_view account_id, std::string& out) {
  // Buffers kept per thread: a pull's parameters would otherwise be an allocation per record.
  thread_local std::string request_text, response_text;
  request_text.clear();
  response_text.clear();
  // One pass through the secret filter: a document with nothing kept is null, as none is.
  if (!e.parameters.empty()) {
    AppendKept(request_text, e.parameters);
  } else if (e.request_parameters != nullptr) {
    AppendKept(request_text, *e.request_parameters);
  }
  if (request_text == "{}") request_text.clear();
  if (e.response_elements != nullptr) AppendScrubbed(response_text, *e.response_elements, false);
  Prepared p{.request_parameters = request_text, .response_elements = response_text};
  p.event_id = NextEventId();
  p.time_ms_digits = static_cast<size_t>(std::to_chars(p.time_ms.data(), p.time_ms.data() + p.time_ms.size(), e.time_ms).ptr -
                                         p.time_ms.data());
  Sizer sizer;
  Emit(e, account_id, p, sizer);
  const size_t at = out.size();
  out.resize_and_overwrite(at + sizer.bytes(), [&](char* buffer, size_t) {
    Writer writer(buffer + at);
    Emit(e, account_id, p, writer);
    return static_cast<size_t>(writer.end() - buffer);
  });
}

std::string ToJson(const Event& e, std::string_view account_id) {
  std::string out;
  AppendJson(e, account_id, out);
  return out;
}

}  // namespace berth::audit
