#include "events/envelope.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "base/time.h"
#include "crypto/aead.h"
#include "crypto/random.h"
#include "crypto/sha256.h"

namespace berth::events {

namespace json = boost::json;

std::string EventId(const Registry& registry, const meta::EventRecord& event) {
  std::string hex = crypto::Sha256::HexOf(registry.account + "/" + registry.region + "/" + std::to_string(event.seq) +
                                          "/" + std::to_string(event.time) + "/" + event.detail_type);
  // Version 4 and variant bits, so the id parses as a UUID wherever one is expected.
  hex[12] = '4';
  hex[16] = "89ab"[hex[16] % 4];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

std::string Envelope(const Registry& registry, const meta::EventRecord& event) {
  boost::system::error_code ec;
  json::value detail = json::parse(event.detail, ec);
  if (ec || !detail.is_object()) detail = json::object();
  json::array resources;
  if (event.detail_type != meta::kImageAction && !event.repository.empty()) {
    resources.emplace_back("arn:aws:ecr:" + registry.region + ":" + registry.account + ":repository/" +
                           event.repository);
  }
  return json::serialize(json::object{{"version", "0"},
                                      {"id", EventId(registry, event)},
                                      {"detail-type", event.detail_type},
                                      {"source", "aws.ecr"},
                                      {"account", registry.account},
                                      {"time", IsoTime(event.time)},
                                      {"region", registry.region},
                                      {"resources", std::move(resources)},
                                      {"detail", std::move(detail)}});
}

std::string Signature(std::string_view key, int64_t unix_seconds, std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  std::string message = t + ".";
  message.append(body);
  return "t=" + t + ",v1=" + crypto::HexEncode(crypto::HmacSha256(key, message));
}

}  // namespace berth::events
