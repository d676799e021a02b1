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
constexpr size_t kMaxMemberString = 2048;
std::string Summary(std::string_view value) { return "(" + std::to_string(value.size()) + " bytes)"; }

void AppendMemberString(std::string& out, std::string_view value) {
  AppendJsonText(out, value.size() > kMaxMemberString ? std::string_view(Summary(value)) : value);
}

void AppendScrubbed(std::string& out, const json::value& v, bool member);

// The members of a document's object, with those named like secrets left out.
void AppendKept(std::string& out, const json::object& members) {
  out += '{';
  bool first = true;
  for (const auto& m : members) {
    if (Forbidden(m.key())) continue;
    if (!first) out += ',';
    first = false;
    AppendJsonText(out, m.key());
    out += ':';
    AppendScrubbed(out, m.value(), true);
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

// What both passes share and is worked out once: the parts that are documents, written ahead
// as text (the control plane's; a pull has none), and which data-plane parameters are kept.
struct Prepared {
  std::string request_parameters;  // empty: written from Event::parameters, or null
  std::string response_elements;   // empty: null
  uint64_t kept_parameters = 0;    // bit i: Event::parameters[i] is kept
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
  // A document with nothing kept is null, as none is.
  sink.Raw(R"(,"requestParameters":)");
  if (p.kept_parameters != 0) {
    char separator = '{';
    for (size_t i = 0; i < e.parameters.size(); ++i) {
      if ((p.kept_parameters >> i & 1) == 0) continue;
      sink.Raw(std::string_view(&separator, 1));
      separator = ',';
      sink.Text(e.parameters[i].key);
      sink.Raw(":");
      const std::string_view value = e.parameters[i].value;
      sink.Text(value.size() > kMaxMemberString ? std::string_view(Summary(value)) : value);
    }
    sink.Raw("}");
  } else {
    sink.Raw(p.request_parameters.empty() ? std::string_view("null") : std::string_view(p.request_parameters));
  }
  sink.Raw(R"(,"responseElements":)");
  sink.Raw(p.response_elements.empty() ? std::string_view("null") : std::string_view(p.response_elements));
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
  Prepared p;
  // One pass through the secret filter per document. Past 64 parameters (none are) the
  // data plane's would not fit the mask: they are then dropped, not kept unfiltered.
  if (!e.parameters.empty()) {
    for (size_t i = 0; i < std::min<size_t>(e.parameters.size(), 64); ++i) {
      if (!Forbidden(e.parameters[i].key)) p.kept_parameters |= uint64_t{1} << i;
    }
  } else if (e.request_parameters != nullptr) {
    AppendKept(p.request_parameters, *e.request_parameters);
    if (p.request_parameters == "{}") p.request_parameters.clear();
  }
  if (e.response_elements != nullptr) AppendScrubbed(p.response_elements, *e.response_elements, false);
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
