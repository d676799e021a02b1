// meta/sql/collector_queries.h
//
// The conditions the collector (collector.inl) finds garbage by, shared with the tests that
// check how SQLite plans them.
#pragma once

// A blob row `b` that no manifest refers to and no repository links.
#define BERTH_BLOB_UNUSED                                                        \
  "NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest=b.digest) AND " \
  "NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.child=b.digest AND r.kind=0)"

// A link `rb` no manifest of its repository uses: from the repository's manifests to their
// references by key, bounded by the repository's size. Joined the other way (the references to
// the blob, then their manifests' repositories), a layer shared by a million manifests took a
// million rows per link, and a collection at a million tags never finished; CROSS JOIN keeps
// SQLite from choosing that order.
#define BERTH_LINK_UNUSED                                                                      \
  "NOT EXISTS (SELECT 1 FROM manifests m CROSS JOIN manifest_refs r WHERE m.repo_id=rb.repo_id " \
  "AND r.manifest_id=m.id AND r.child=rb.digest AND r.kind=0)"
