// replication/configuration.h
//
// ECR's replication configuration: rules, each with destinations {region, registryId} and
// optional PREFIX_MATCH repository filters (none: every repository). Parsed from the request or
// the stored JSON (the shapes were checked against the service model first), checked for what
// the model cannot say, and matched against repository names. Pure.
#pragma once

#include <boost/json/object.hpp>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace berth::replication {

struct Destination {
  std::string region;
  std::string registry_id;
  // "region/registryId": how the queue and the peers name a destination.
  std::string Key() const { return region + "/" + registry_id; }
};

struct Rule {
  std::vector<Destination> destinations;
  std::vector<std::string> prefixes;  // empty: every repository
};

struct Configuration {
  std::vector<Rule> rules;
};

inline constexpr size_t kMaxUniqueDestinations = 25;  // ECR's quota

// kInvalidArgument (InvalidParameterException) for what the model allows and ECR does not:
// more than 25 unique destinations, or a filter type other than PREFIX_MATCH.
Result<Configuration> ParseConfiguration(const boost::json::object& json);
boost::json::object ConfigurationJson(const Configuration& c);

// The destination keys whose rules take `repository`, each once, sorted.
std::vector<std::string> DestinationsFor(const Configuration& c, std::string_view repository);
std::set<std::string> AllDestinations(const Configuration& c);

// The header a replicating registry sends (replication/peer.h): "region/registryId" of the
// source. On CreateRepository it applies the REPLICATION creation template; on a manifest PUT it
// records a replication rather than a push. Either needs ecr:ReplicateImage.
inline constexpr std::string_view kSourceHeader = "Berth-Replication-Source";
// "region/12 digits", or kInvalidArgument (InvalidParameterException).
Status ValidateSource(std::string_view source);

}  // namespace berth::replication
