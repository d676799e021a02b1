// meta/sqlite/schema.h
//
// The schema as an ordered list of migrations; PRAGMA user_version records how many have run.
// Append only: a released migration is never edited, and a data directory written by any
// earlier Berth opens in a later one (tests/e2e/upgrade.sh keeps one as a fixture).
#pragma once

#include <array>

namespace berth::meta::sqlite {

struct Migration {
  const char* description;  // logged when the migration is applied
  const char* sql;
};

inline constexpr std::array<Migration, 12> kMigrations = {{
    {"registry core: repositories, blobs, manifests, tags, uploads, access keys", R"sql(
CREATE TABLE repositories(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL);
CREATE TABLE blobs(
  digest TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  created_at INTEGER NOT NULL) WITHOUT ROWID;
-- "repository may serve this blob": set by an upload or a mount.
CREATE TABLE repository_blobs(
  repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
  digest TEXT NOT NULL REFERENCES blobs(digest),
  linked_at INTEGER NOT NULL,
  PRIMARY KEY(repo_id, digest)) WITHOUT ROWID;
CREATE INDEX repository_blobs_digest ON repository_blobs(digest);
CREATE TABLE manifests(
  id INTEGER PRIMARY KEY,
  repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
  digest TEXT NOT NULL,
  media_type TEXT NOT NULL,
  artifact_type TEXT NOT NULL,
  annotations TEXT NOT NULL,
  subject TEXT,
  payload BLOB NOT NULL,
  size INTEGER NOT NULL,
  pushed_at INTEGER NOT NULL,
  UNIQUE(repo_id, digest));
CREATE INDEX manifests_subject ON manifests(repo_id, subject) WHERE subject IS NOT NULL;
-- What a manifest refers to; kind 0 = blob, 1 = manifest, 2 = foreign blob. Used by validation
-- now and by garbage collection later.
CREATE TABLE manifest_refs(
  manifest_id INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
  child TEXT NOT NULL,
  kind INTEGER NOT NULL,
  PRIMARY KEY(manifest_id, child, kind)) WITHOUT ROWID;
CREATE INDEX manifest_refs_child ON manifest_refs(child);
CREATE TABLE tags(
  repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  manifest_id INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY(repo_id, name)) WITHOUT ROWID;
CREATE INDEX tags_manifest ON tags(manifest_id);
CREATE TABLE uploads(
  id TEXT PRIMARY KEY,
  repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
  size INTEGER NOT NULL,
  hash_state BLOB NOT NULL,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX uploads_updated ON uploads(updated_at);
CREATE TABLE access_keys(
  id TEXT PRIMARY KEY,
  secret TEXT NOT NULL,
  principal TEXT NOT NULL,
  created_at INTEGER NOT NULL) WITHOUT ROWID;
)sql"},
    {"ECR control plane: repository settings, resource tags, image size and pull time, settings",
     R"sql(
ALTER TABLE repositories ADD COLUMN tag_mutability TEXT NOT NULL DEFAULT 'MUTABLE';
ALTER TABLE repositories ADD COLUMN mutability_filters TEXT NOT NULL DEFAULT '';
ALTER TABLE repositories ADD COLUMN scan_on_push INTEGER NOT NULL DEFAULT 0;
ALTER TABLE repositories ADD COLUMN encryption_type TEXT NOT NULL DEFAULT 'AES256';
ALTER TABLE repositories ADD COLUMN kms_key TEXT NOT NULL DEFAULT '';
CREATE TABLE repository_tags(
  repo_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY(repo_id, key)) WITHOUT ROWID;
ALTER TABLE manifests ADD COLUMN image_size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE manifests ADD COLUMN last_pulled_at INTEGER;
CREATE TABLE settings(
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL) WITHOUT ROWID;
)sql"},
    {"leases: background work runs on one node at a time", R"sql(
CREATE TABLE leases(
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL) WITHOUT ROWID;
)sql"},
    {"identity and access: repository policies, the IAM document", R"sql(
ALTER TABLE repositories ADD COLUMN policy TEXT NOT NULL DEFAULT '';
CREATE TABLE iam(
  id INTEGER PRIMARY KEY CHECK(id = 1),
  version INTEGER NOT NULL,
  document TEXT NOT NULL);
)sql"},
    {"lifecycle policies and previews, the archive storage class, pull-time exclusions; blob garbage collection",
     R"sql(
ALTER TABLE repositories ADD COLUMN lifecycle_policy TEXT NOT NULL DEFAULT '';
ALTER TABLE repositories ADD COLUMN lifecycle_evaluated_at INTEGER;
-- Archived images (archived_at set) are listed but not served until restored.
ALTER TABLE manifests ADD COLUMN archived_at INTEGER;
ALTER TABLE manifests ADD COLUMN activated_at INTEGER;
CREATE TABLE pull_time_exclusions(
  principal_arn TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE lifecycle_previews(
  repo_id INTEGER PRIMARY KEY REFERENCES repositories(id) ON DELETE CASCADE,
  policy TEXT NOT NULL,
  status TEXT NOT NULL,
  results TEXT NOT NULL,
  started_at INTEGER NOT NULL);
-- When garbage collection found the blob unused (NULL: in use, or not looked at yet).
ALTER TABLE blobs ADD COLUMN unreferenced_since INTEGER;
CREATE INDEX blobs_unreferenced ON blobs(unreferenced_since) WHERE unreferenced_since IS NOT NULL;
CREATE INDEX repository_blobs_linked ON repository_blobs(linked_at);
-- Blobs whose rows a collection removed and whose bytes it may be deleting: no upload of the
-- same digest commits until the collection ends.
CREATE TABLE blob_tombstones(
  digest TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  deleted_at INTEGER NOT NULL) WITHOUT ROWID;
)sql"},
    {"the vulnerability database: OSV advisories and the packages they name", R"sql(
CREATE TABLE vuln_advisories(
  id TEXT PRIMARY KEY,
  modified TEXT NOT NULL,
  document TEXT NOT NULL,
  imported_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE vuln_packages(
  ecosystem TEXT NOT NULL,
  package TEXT NOT NULL,
  advisory_id TEXT NOT NULL REFERENCES vuln_advisories(id) ON DELETE CASCADE,
  PRIMARY KEY(ecosystem, package, advisory_id)) WITHOUT ROWID;
CREATE INDEX vuln_packages_advisory ON vuln_packages(advisory_id);
-- Raised by every import that changed an advisory: scans of an older version are matched again.
CREATE TABLE vuln_state(
  id INTEGER PRIMARY KEY CHECK(id = 1),
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
)sql"},
    {"image scans: requests, inventories and findings", R"sql(
CREATE TABLE image_scans(
  manifest_id INTEGER PRIMARY KEY REFERENCES manifests(id) ON DELETE CASCADE,
  scan_type TEXT NOT NULL,
  status TEXT NOT NULL,
  description TEXT NOT NULL,
  generation INTEGER NOT NULL,
  requested_at INTEGER NOT NULL,
  completed_at INTEGER,
  vulndb_version INTEGER NOT NULL,
  vulndb_updated_at INTEGER NOT NULL,
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
  prefix TEXT PRIMARY KEY,
  document TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL) WITHOUT ROWID;
)sql"},
    {"named documents: secrets, pull-through cache rules", R"sql(
CREATE TABLE named_documents(
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  revision INTEGER NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY(kind, name)) WITHOUT ROWID;
)sql"},
    {"events (the outbox) and the replication queue", R"sql(
-- What happened, written in the transaction of the change itself; sequence numbers follow the
-- commit order, as writers are serialised.
CREATE TABLE events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  detail_type TEXT NOT NULL,
  repository TEXT NOT NULL,
  detail TEXT NOT NULL);
-- An image to copy to a replication destination ("region/registryId"), and how that went.
CREATE TABLE replication_jobs(
  manifest_id INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
  destination TEXT NOT NULL,
  tags TEXT NOT NULL,
  status TEXT NOT NULL,
  failure_code TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY(manifest_id, destination)) WITHOUT ROWID;
CREATE INDEX replication_jobs_due ON replication_jobs(due_at) WHERE status='IN_PROGRESS';
)sql"},
    {"pull times in a narrow table of their own", R"sql(
-- A pull time written into the manifest's row rewrote the row's page, payload and all: a burst
-- of pulls over many images wrote a page per image. Here a page holds hundreds of them.
CREATE TABLE pull_times(
  manifest_id INTEGER PRIMARY KEY REFERENCES manifests(id) ON DELETE CASCADE,
  last_pulled_at INTEGER NOT NULL);
INSERT INTO pull_times(manifest_id, last_pulled_at)
  SELECT id, last_pulled_at FROM manifests WHERE last_pulled_at IS NOT NULL;
ALTER TABLE manifests DROP COLUMN last_pulled_at;
)sql"},
    {"hourly samples of the storage used", R"sql(
-- What the registry held at the start of each hour, for the console's chart of storage over time.
CREATE TABLE usage_samples(
  taken_at INTEGER PRIMARY KEY,
  bytes INTEGER NOT NULL,
  blobs INTEGER NOT NULL,
  repositories INTEGER NOT NULL,
  manifests INTEGER NOT NULL);
)sql"},
}};

}  // namespace berth::meta::sqlite
