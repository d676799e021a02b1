// ECR's replication calls: the registry's configuration (checked against the peers Berth was
// started with), each image's status per destination, and the repositories a replicating
// registry creates here.
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "api/ecr/ecr_api.h"
#include "async/blocking.h"
#include "meta/creation_template.h"
#include "replication/replicator.h"

namespace berth::api::ecr {

namespace json = boost::json;

http::Task<EcrApi::Output> EcrApi::PutReplicationConfiguration(const Call& call) {
  const json::object& input = call.input.at("replicationConfiguration").as_object();
  BERTH_CO_ASSIGN(replication::Configuration config, replication::ParseConfiguration(input));
  const std::string self = options_.region + "/" + options_.account_id;
  for (const std::string& destination : replication::AllDestinations(config)) {
    if (destination == self) {
      co_return Fail(Code::kInvalidArgument,
                     "Invalid parameter at 'destinations': " + destination + " is this registry itself",
                     "InvalidParameterException");
    }
    if (!options_.replication_peers.contains(destination)) {
      co_return Fail(Code::kInvalidArgument,
                     "Invalid parameter at 'destinations': no registry is known as " + destination +
                         "; start Berth with --peer " + destination + "=URL (and its credentials in the secret " +
                         replication::PeerSecretName(destination) + ")",
                     "InvalidParameterException");
    }
  }
  json::object stored = replication::ConfigurationJson(config);
  const std::string text = json::serialize(stored);
  BERTH_CO_TRY(co_await async::RunBlocking(blocking_, [&]() -> Status {
    if (options_.route_pending_replication) BERTH_TRY(options_.route_pending_replication());
    return meta_.PutSetting(replication::kConfigurationSetting, text);
  }));
  co_return json::object{{"replicationConfiguration", std::move(stored)}};
}

http::Task<EcrApi::Output> EcrApi::DescribeImageReplicationStatus(const Call& call) {
  BERTH_CO_TRY(CheckRegistryId(call.input));
  BERTH_CO_ASSIGN(meta::RepositoryRecord repo, Repository(call.input));
  const json::object& id = call.input.at("imageId").as_object();
  BERTH_CO_ASSIGN(berth::oci::Digest digest, ImageDigest(repo, id));
  BERTH_CO_ASSIGN(std::vector<meta::ReplicationStatus> statuses,
                  co_await async::RunBlocking(blocking_, [&] { return meta_.ReplicationStatuses(repo.id, digest); }));
  json::array out;
  for (const meta::ReplicationStatus& s : statuses) {
    const size_t slash = s.destination.find('/');
    json::object status{{"region", s.destination.substr(0, slash)},
                        {"registryId", s.destination.substr(slash + 1)},
                        {"status", s.status}};
    if (!s.failure_code.empty()) status["failureCode"] = s.failure_code;
    out.push_back(std::move(status));
  }
  json::object image_id = id;
  image_id["imageDigest"] = digest.str();
  co_return json::object{{"repositoryName", repo.name}, {"imageId", std::move(image_id)},
                         {"replicationStatuses", std::move(out)}};
}

http::Task<EcrApi::Output> EcrApi::CreateReplicatedRepository(const Call& call, std::string_view name) {
  BERTH_CO_TRY(replication::ValidateSource(*call.request.Header(replication::kSourceHeader)));
  if (!call.principal.unrestricted()) {
    BERTH_CO_TRY(access_.RequireOnRepository(call.principal, "ecr:ReplicateImage", name, call.request));
  }
  const std::string repository(name);
  const int64_t now = clock_();
  using Created = Result<std::optional<meta::RepositoryRecord>>;
  Created created = co_await async::RunBlocking(blocking_, [&]() -> Created {
    BERTH_ASSIGN(std::optional<meta::RepositoryRecord> existing, meta_.GetRepository(repository));
    if (existing) {
      return Fail(Code::kAlreadyExists, "The repository with name '" + repository + "' already exists in the registry",
                  "RepositoryAlreadyExistsException");
    }
    BERTH_TRY(meta::FindOrCreateRepository(meta_, repository, meta::kReplication, now));
    return meta_.GetRepository(repository);
  });
  if (!created) co_return std::unexpected(created.error());
  if (!*created) co_return Fail(Code::kInternal, "the repository vanished as it was created");
  co_return json::object{{"repository", RepositoryJson(**created)}};
}

}  // namespace berth::api::ecr
