import { ecr } from "../api";
import { DocumentEditor, orNull } from "../components/document";

const kExampleRegistryPolicy = {
  Version: "2012-10-17",
  Statement: [{
    Sid: "ReplicateFromPeer",
    Effect: "Allow",
    Principal: { AWS: "arn:aws:iam::123456789012:root" },
    Action: ["ecr:CreateRepository", "ecr:ReplicateImage"],
    Resource: "*",
  }],
};

export const kExampleRepositoryPolicy = {
  Version: "2012-10-17",
  Statement: [{
    Sid: "PullByAnyone",
    Effect: "Allow",
    Principal: "*",
    Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
  }],
};

// The repository policy of one repository (shown in its view).
export function RepositoryPolicy({ repository }: { repository: string }) {
  return (
    <DocumentEditor id="repository-policy" title="Repository policy" example={kExampleRepositoryPolicy}
      help="Who else may do what with this repository, beyond their own IAM policies."
      load={() => orNull(async () => (await ecr("GetRepositoryPolicy", { repositoryName: repository })).policyText,
        "RepositoryPolicyNotFoundException")}
      save={async (text) => { await ecr("SetRepositoryPolicy", { repositoryName: repository, policyText: text }); }}
      remove={async () => { await ecr("DeleteRepositoryPolicy", { repositoryName: repository }); }} />
  );
}

// Registry-wide documents: the registry policy, the scanning configuration, replication.
export function Registry() {
  return (
    <main id="main">
      <h1>Registry</h1>
      <DocumentEditor id="registry-policy" title="Registry policy" example={kExampleRegistryPolicy}
        help="What other accounts may do in this registry (replication into it, pull-through cache repositories)."
        load={() => orNull(async () => (await ecr("GetRegistryPolicy")).policyText, "RegistryPolicyNotFoundException")}
        save={async (text) => { await ecr("PutRegistryPolicy", { policyText: text }); }}
        remove={async () => { await ecr("DeleteRegistryPolicy"); }} />
      <DocumentEditor id="scanning-configuration" title="Scanning configuration"
        example={{ scanType: "BASIC", rules: [{ scanFrequency: "SCAN_ON_PUSH", repositoryFilters: [{ filter: "*", filterType: "WILDCARD" }] }] }}
        help="Which repositories are scanned on push or continuously (PutRegistryScanningConfiguration)."
        load={async () => {
          const out = await ecr("GetRegistryScanningConfiguration");
          return JSON.stringify(out.scanningConfiguration ?? {});
        }}
        save={async (text) => { await ecr("PutRegistryScanningConfiguration", JSON.parse(text)); }} />
      <DocumentEditor id="replication-configuration" title="Replication configuration"
        example={{ rules: [] }}
        help="Where pushes are copied (PutReplicationConfiguration); destinations must be peers Berth was started with (--peer)."
        load={async () => {
          const out = await ecr("DescribeRegistry");
          return JSON.stringify(out.replicationConfiguration ?? { rules: [] });
        }}
        save={async (text) => { await ecr("PutReplicationConfiguration", { replicationConfiguration: JSON.parse(text) }); }} />
    </main>
  );
}
