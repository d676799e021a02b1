// Micro-benchmarks of the hot paths: digest parsing, manifest parsing, streaming SHA-256, routing,
// policy evaluation, the audit record of a pull, matching an image's packages against advisories.
// make bench-micro
#include <benchmark/benchmark.h>

#include <string>

#include "api/oci/paths.h"
#include "audit/event.h"
#include "crypto/sha256.h"
#include "iam/policy.h"
#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/names.h"
#include "scan/match.h"

namespace {

using namespace berth;

const std::string kDigest = "sha256:" + std::string(64, 'a');

void BM_DigestParse(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(oci::Digest::Parse(kDigest));
}
BENCHMARK(BM_DigestParse);

void BM_RepositoryNameValidate(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(oci::ValidateRepositoryName("team/platform/api-server"));
}
BENCHMARK(BM_RepositoryNameValidate);

std::string Manifest(int layers) {
  std::string m = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
                  kDigest + R"(","size":1234},"layers":[)";
  for (int i = 0; i < layers; ++i) {
    if (i > 0) m += ',';
    m += R"({"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" + kDigest +
         R"(","size":123456789,"annotations":{"a":"b"}})";
  }
  return m + "]}";
}

void BM_ManifestParse(benchmark::State& state) {
  const std::string body = Manifest(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(oci::ParseManifest(oci::kOciManifest, body));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ManifestParse)->Arg(1)->Arg(10)->Arg(100);

void BM_Sha256Stream(benchmark::State& state) {
  const std::string chunk(static_cast<size_t>(state.range(0)), 'x');
  crypto::Sha256 h;
  for (auto _ : state) h.Update(chunk);
  benchmark::DoNotOptimize(h.FinishHex());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * chunk.size()));
}
BENCHMARK(BM_Sha256Stream)->Arg(16 << 10)->Arg(1 << 20);

void BM_Sha256SaveRestore(benchmark::State& state) {
  crypto::Sha256 h;
  h.Update("some bytes");
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Sha256::RestoreState(h.SaveState()));
}
BENCHMARK(BM_Sha256SaveRestore);

void BM_Route(benchmark::State& state) {
  const std::string path = "/v2/team/platform/api-server/manifests/" + kDigest;
  for (auto _ : state) {
    api::oci::Route r = api::oci::ParseRoute(path);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Route);

void BM_QueryPage(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(api::oci::ParsePage("n=100&last=tag05000"));
}
BENCHMARK(BM_QueryPage);

// One policy of 20 statements, none of which allows the pull until the last: what each
// statement costs a request.
void BM_PolicyEvaluate(benchmark::State& state) {
  std::string text = R"({"Version":"2012-10-17","Statement":[)";
  for (int i = 0; i < 19; ++i) {
    text += R"({"Effect":"Allow","Action":["ecr:Describe)" + std::to_string(i) + R"(*","ecr:ListTagsForResource"],)"
            R"("Resource":"arn:aws:ecr:*:*:repository/team)" + std::to_string(i) + R"(/*"},)";
  }
  text += R"({"Effect":"Allow","Action":"ecr:BatchGetImage","Resource":"arn:aws:ecr:*:*:repository/bench/*"}]})";
  const iam::Policy policy = *iam::ParsePolicy(text, iam::PolicyKind::kIdentity);
  const iam::ContextLookup none = [](std::string_view) { return std::optional<std::vector<std::string>>(); };
  const iam::EvalRequest request{.action = "ecr:BatchGetImage",
                                 .resource = "arn:aws:ecr:us-east-1:123456789012:repository/bench/app",
                                 .principal_arn = "arn:aws:iam::123456789012:user/puller",
                                 .account_id = "123456789012",
                                 .context = &none};
  for (auto _ : state) benchmark::DoNotOptimize(iam::Evaluate(policy, iam::PolicyKind::kIdentity, request));
}
BENCHMARK(BM_PolicyEvaluate);

// The issue's figure: an inventory of 1,000 Debian packages against 100,000 advisories naming
// 20,000 packages (five each, two of them fixed above the installed version).
const scan::AdvisoryIndex& HundredThousandAdvisories() {
  static const scan::AdvisoryIndex index = [] {
    scan::AdvisoryIndex built;
    for (int i = 0; i < 100000; ++i) {
      scan::Advisory a{.id = "DEBIAN-CVE-" + std::to_string(i), .severity = scan::Severity::kHigh};
      scan::OsvAffected affected{.ecosystem = "Debian:12", .package = "pkg" + std::to_string(i % 20000)};
      affected.ranges.push_back({.type = "ECOSYSTEM",
                                 .events = {{scan::OsvEvent::Kind::kIntroduced, "0"},
                                            {scan::OsvEvent::Kind::kFixed, (i / 20000) % 2 ? "1.2-1" : "1.0-1"}}});
      a.affected.push_back(std::move(affected));
      built.Add(std::move(a));
    }
    return built;
  }();
  return index;
}

void BM_MatchInventory(benchmark::State& state) {
  const scan::AdvisoryIndex& index = HundredThousandAdvisories();
  scan::Inventory inventory{.os = {.id = "debian", .version_id = "12"}};
  for (int i = 0; i < 1000; ++i) {
    const std::string name = "pkg" + std::to_string(i * 20);
    inventory.packages.push_back({.type = scan::PackageType::kDpkg, .name = name, .version = "1.1-1", .source_name = name, .source_version = "1.1-1"});
  }
  size_t findings = 0;
  for (auto _ : state) {
    findings = scan::Match(inventory, index).size();
    benchmark::DoNotOptimize(findings);
  }
  state.counters["findings"] = static_cast<double>(findings);
}
BENCHMARK(BM_MatchInventory)->Unit(benchmark::kMillisecond);

}  // namespace

// The audit record every manifest GET writes.
void BM_AuditRecordOfAPull(benchmark::State& state) {
  const audit::Parameter parameters[] = {{.key = "repositoryName", .value = "team/app"}, {.key = "imageTag", .value = "v1.2.3"}};
  const audit::Resource repository{.type = "AWS::ECR::Repository",
                                   .arn = "arn:aws:ecr:us-east-1:123456789012:repository/team/app"};
  audit::Event e{.time_ms = 1764633600123, .source = "ecr.amazonaws.com", .name = "BatchGetImage",
                 .region = "us-east-1", .source_ip = "10.1.2.3", .user_agent = "containers/5.30.0 (github.com/containers/image)",
                 .identity = {.type = "IAMUser", .principal_id = "AIDAEXAMPLE", .arn = "arn:aws:iam::123456789012:user/ci",
                              .access_key_id = "AKIAEXAMPLE", .user_name = "ci"},
                 .parameters = parameters, .read_only = true, .resources = std::span(&repository, 1)};
  // Into one reused line, as api::Auditor writes every record.
  std::string line;
  for (auto _ : state) {
    line.clear();
    audit::AppendJson(e, "123456789012", line);
    benchmark::DoNotOptimize(line.data());
  }
}
BENCHMARK(BM_AuditRecordOfAPull);

BENCHMARK_MAIN();
