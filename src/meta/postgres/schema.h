// meta/postgres/schema.h
//
// The PostgreSQL schema as an ordered list of migrations; the table berth_schema records how
// many have run. Append only, as meta/sqlite/schema.h: the same tables in PostgreSQL's dialect
// (byte-order collation where SQLite compares bytes, BYTEA where it has BLOB).
#pragma once

#include <array>

namespace berth::meta::postgres {

struct Migration {
  const char* description;
  const char* sql;
};

inline constexpr std::array<Migration, 11> kMigrations = {{
    {"registry core and ECR control plane (as SQLite schema version 2)", R"sql(
CREATE TABLE repositories(
  id BIGSERIAL PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  tag_mutability TEXT NOT NULL DEFAULT 'MUTABLE',
  mutability_filters TEXT NOT NULL DEFAULT '',
  scan_on_push BIGINT NOT NULL DEFAULT 0,
  encryption_type TEXT NOT NULL DEFAULT 'AES256',
  kms_key TEXT NOT NULL DEFAULT '');
CREATE TABLE blobs(
  digest TEXT COLLATE "C" PRIMARY KEY,
  size BIGINT NOT NULL,
  created_at BIGINT NOT NULL);
CREATE TABLE repository_blobs(
  repo_id BIGINT NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
  digest TEXT COLLATE "C" NOT NULL REFERENCES blobs(digest),
  linked_at BIGINT NOT NULL,
  PRIMARY KEY(repo_id, digest));
CREATE INDEX repository_blobs_digest ON repository_blobs(digest);
CREATE TABLE manifests(
  id BIGSERIAL PRIMARY KEY,
  repo_id BIGINT NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
  digest TEXT COLLATE "C" NOT NULL,
  media_type TEXT NOT NULL,
  artifact_type TEXT NOT NULL,
  annotations TEXT NOT NULL,
  subject TEXT COLLATE "C",
  payload BYTEA NOT NULL,
  size BIGINT NOT NULL,
  pushed_at BIGINT NOT NULL,
  image_size BIGINT NOT NULL DEFAULT 0,
  last_pulled_at BIGINT,
  UNIQUE(repo_id, digest));
CREATE INDEX manifests_subject ON manifests(repo_id, subject) WHERE subject IS NOT NULL;
CREATE TABLE manifest_refs(
  manifest_id BIGINT NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
  child TEXT COLLATE "C" NOT NULL,
  kind BIGINT NOT NULL,
  PRIMARY KEY(manifest_id, child, kind));
CREATE INDEX manifest_refs_child ON manifest_refs(child);
CREATE TABLE tags(
  repo_id BIGINT NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
  name TEXT COLLATE "C" NOT NULL,
  manifest_id BIGINT NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY(repo_id, name));
CREATE INDEX tags_manifest ON tags(manifest_id);
CREATE TABLE uploads(
  id TEXT COLLATE "C" PRIMARY KEY,
  repo_id BIGINT NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
  size BIGINT NOT NULL,
  hash_state BYTEA NOT NULL,
  started_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL);
CREATE INDEX uploads_updated ON uploads(updated_at);
CREATE TABLE access_keys(
  id TEXT COLLATE "C" PRIMARY KEY,
  secret TEXT NOT NULL,
  principal TEXT NOT NULL,
  created_at BIGINT NOT NULL);
CREATE TABLE repository_tags(
  repo_id BIGINT NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
  key TEXT COLLATE "C" NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY(repo_id, key));
CREATE TABLE settings(
  name TEXT COLLATE "C" PRIMARY KEY,
  value TEXT NOT NULL);
)sql"},
    {"leases: background work runs on one node at a time", R"sql(
CREATE TABLE leases(
  name TEXT COLLATE "C" PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at BIGINT NOT NULL);
)sql"},
    {"identity and access: repository policies, the IAM document", R"sql(
ALTER TABLE repositories ADD COLUMN policy TEXT NOT NULL DEFAULT '';
CREATE TABLE iam(
  id INTEGER PRIMARY KEY CHECK(id = 1),
  version BIGINT NOT NULL,
  document TEXT NOT NULL);
)sql"},
    {"lifecycle policies and previews, the archive storage class, pull-time exclusions; blob garbage collection",
     R"sql(
ALTER TABLE repositories ADD COLUMN lifecycle_policy TEXT NOT NULL DEFAULT '';
ALTER TABLE repositories ADD COLUMN lifecycle_evaluated_at BIGINT;
ALTER TABLE manifests ADD COLUMN archived_at BIGINT;
ALTER TABLE manifests ADD COLUMN activated_at BIGINT;
CREATE TABLE pull_time_exclusions(
  principal_arn TEXT COLLATE "C" PRIMARY KEY,
  created_at BIGINT NOT NULL);
CREATE TABLE lifecycle_previews(
  repo_id BIGINT PRIMARY KEY REFERENCES repositories(id) ON DELETE CASCADE,
  policy TEXT NOT NULL,
  status TEXT NOT NULL,
  results TEXT NOT NULL,
  started_at BIGINT NOT NULL);
ALTER TABLE blobs ADD COLUMN unreferenced_since BIGINT;
CREATE INDEX blobs_unreferenced ON blobs(unreferenced_since) WHERE unreferenced_since IS NOT NULL;
CREATE INDEX repository_blobs_linked ON repository_blobs(linked_at);
CREATE TABLE blob_tombstones(
  digest TEXT COLLATE "C" PRIMARY KEY,
  size BIGINT NOT NULL,
  deleted_at BIGINT NOT NULL);
)sql"},
    {"the vulnerability database: OSV advisories and the packages they name", R"sql(
CREATE TABLE vuln_advisories(
  id TEXT COLLATE "C" PRIMARY KEY,
  modified TEXT NOT NULL,
  document TEXT NOT NULL,
  imported_at BIGINT NOT NULL);
CREATE TABLE vuln_packages(
  ecosystem TEXT COLLATE "C" NOT NULL,
  package TEXT COLLATE "C" NOT NULL,
  advisory_id TEXT COLLATE "C" NOT NULL REFERENCES vuln_advisories(id) ON DELETE CASCADE,
  PRIMARY KEY(ecosystem, package, advisory_id));
CREATE INDEX vuln_packages_advisory ON vuln_packages(advisory_id);
-- Raised by every import that changed an advisory: scans of an older version are matched again.
CREATE TABLE vuln_state(
  id INTEGER PRIMARY KEY CHECK(id = 1),
  version BIGINT NOT NULL,
  updated_at BIGINT NOT NULL);
)sql"},
    {"image scans: requests, inventories and findings", R"sql(
CREATE TABLE image_scans(
  manifest_id BIGINT PRIMARY KEY REFERENCES manifests(id) ON DELETE CASCADE,
  scan_type TEXT NOT NULL,
  status TEXT NOT NULL,
  description TEXT NOT NULL,
  generation BIGINT NOT NULL,
  requested_at BIGINT NOT NULL,
  completed_at BIGINT,
  vulndb_version BIGINT NOT NULL,
  vulndb_updated_at BIGINT NOT NULL,
  inventory TEXT NOT NULL,
  findings TEXT NOT NULL,
  severity_counts TEXT NOT NULL);
CREATE INDEX image_scans_pending ON image_scans(requested_at) WHERE status='IN_PROGRESS';
CREATE INDEX image_scans_matched ON image_scans(vulndb_version) WHERE inventory <> '';
-- Scan on push finds new images by push time.
CREATE INDEX manifests_pushed ON manifests(pushed_at);
)sql"},
    {"repository creation templates", R"sql(
CREATE TABLE repository_creation_templates(
  prefix TEXT COLLATE "C" PRIMARY KEY,
  document TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL);
)sql"},
    {"named documents: secrets, pull-through cache rules", R"sql(
CREATE TABLE named_documents(
  kind TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  revision BIGINT NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY(kind, name));
)sql"},
    {"events (the outbox) and the replication queue", R"sql(
-- What happened, written in the transaction of the change itself; sequence numbers follow the
-- commit order, as writers are serialised.
CREATE TABLE events(
  seq BIGSERIAL PRIMARY KEY,
  time BIGINT NOT NULL,
  detail_type TEXT NOT NULL,
  repository TEXT NOT NULL,
  detail TEXT NOT NULL);
-- An image to copy to a replication destination ("region/registryId"), and how that went.
CREATE TABLE replication_jobs(
  manifest_id BIGINT NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
  destination TEXT COLLATE "C" NOT NULL,
  tags TEXT NOT NULL,
  status TEXT NOT NULL,
  failure_code TEXT NOT NULL,
  attempts BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY(manifest_id, destination));
CREATE INDEX replication_jobs_due ON replication_jobs(due_at) WHERE status='IN_PROGRESS';
)sql"},
    {"pull times in a narrow table of their own (as SQLite schema version 11)", R"sql(
CREATE TABLE pull_times(
  manifest_id BIGINT PRIMARY KEY REFERENCES manifests(id) ON DELETE CASCADE,
  last_pulled_at BIGINT NOT NULL);
INSERT INTO pull_times(manifest_id, last_pulled_at)
  SELECT id, last_pulled_at FROM manifests WHERE last_pulled_at IS NOT NULL;
ALTER TABLE manifests DROP COLUMN last_pulled_at;
)sql"},
    {"hourly samples of the storage used (as SQLite schema version 12)", R"sql(
CREATE TABLE usage_samples(
  taken_at BIGINT PRIMARY KEY,
  bytes BIGINT NOT NULL,
  blobs BIGINT NOT NULL,
  repositories BIGINT NOT NULL,
  manifests BIGINT NOT NULL);
)sql"},
}};

}  // namespace berth::meta::postgres
