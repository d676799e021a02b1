// SqlStore's BlobCollector: which links and blobs nothing uses, found by reading outside any
// transaction and confirmed row by row inside short write transactions, so a collection never
// holds the writer for a scan. Included by each engine's store file.
#pragma once

#include "meta/sql/collector_queries.h"
#include "meta/sql/store.h"

namespace berth::meta::sql {

// Confirmation batches: each is one short write transaction.
inline constexpr size_t kCollectBatch = 500;

template <class Db>
Result<int64_t> SqlStore<Db>::ExpireUnusedLinks(UnixSeconds cutoff, size_t limit) {
  BERTH_ASSIGN(auto candidates, Read([&](Connection& c) -> Result<std::vector<std::pair<int64_t, std::string>>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT rb.repo_id, rb.digest FROM repository_blobs rb "
                                         "WHERE rb.linked_at < ? AND " BERTH_LINK_UNUSED " LIMIT ?"));
    st.Bind(1, cutoff).Bind(2, static_cast<int64_t>(limit));
    std::vector<std::pair<int64_t, std::string>> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      out.emplace_back(st.Int(0), st.Text(1));
    }
  }));
  int64_t dropped = 0;
  for (size_t start = 0; start < candidates.size(); start += kCollectBatch) {
    BERTH_ASSIGN(int64_t n, Write([&](Connection& c) -> Result<int64_t> {
      int64_t batch_dropped = 0;
      std::vector<int64_t> repos;
      for (size_t i = start; i < std::min(candidates.size(), start + kCollectBatch); ++i) {
        BERTH_ASSIGN(Statement st, c.Prepare("DELETE FROM repository_blobs AS rb WHERE rb.repo_id=? AND "
                                             "rb.digest=? AND rb.linked_at < ? AND " BERTH_LINK_UNUSED));
        const auto& [repo, digest] = candidates[i];
        BERTH_TRY(st.Bind(1, repo).Bind(2, digest).Bind(3, cutoff).Run());
        if (c.Changes() > 0) {
          ++batch_dropped;
          if (std::find(repos.begin(), repos.end(), repo) == repos.end()) repos.push_back(repo);
        }
      }
      for (int64_t repo : repos) BERTH_TRY(Db::Changed(c, repo));
      return batch_dropped;
    }));
    dropped += n;
  }
  return dropped;
}

template <class Db>
Result<int64_t> SqlStore<Db>::MarkUnreferencedBlobs(UnixSeconds now, size_t limit) {
  BERTH_ASSIGN(std::vector<std::string> candidates, Read([&](Connection& c) -> Result<std::vector<std::string>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT b.digest FROM blobs b WHERE b.unreferenced_since IS NULL AND "
                                         BERTH_BLOB_UNUSED " LIMIT ?"));
    st.Bind(1, static_cast<int64_t>(limit));
    return Column0Strings(st);
  }));
  int64_t marked = 0;
  for (size_t start = 0; start < candidates.size(); start += kCollectBatch) {
    BERTH_ASSIGN(int64_t n, Write([&](Connection& c) -> Result<int64_t> {
      int64_t batch_marked = 0;
      for (size_t i = start; i < std::min(candidates.size(), start + kCollectBatch); ++i) {
        BERTH_ASSIGN(Statement st, c.Prepare("UPDATE blobs SET unreferenced_since=? WHERE digest=? AND "
                                             "unreferenced_since IS NULL AND "
                                             "NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest=?) AND "
                                             "NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.child=? AND "
                                             "r.kind=0)"));
        const std::string& d = candidates[i];
        BERTH_TRY(st.Bind(1, now).Bind(2, d).Bind(3, d).Bind(4, d).Run());
        batch_marked += c.Changes();
      }
      return batch_marked;
    }));
    marked += n;
  }
  return marked;
}

template <class Db>
Result<std::vector<StoredBlob>> SqlStore<Db>::BeginBlobDeletion(UnixSeconds cutoff, size_t limit) {
  return Write([&](Connection& c) -> Result<std::vector<StoredBlob>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT b.digest, b.size FROM blobs b WHERE b.unreferenced_since <= ? AND "
                                         BERTH_BLOB_UNUSED " LIMIT ?"));
    st.Bind(1, cutoff).Bind(2, static_cast<int64_t>(std::min(limit, kCollectBatch)));
    std::vector<StoredBlob> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) break;
      BERTH_ASSIGN(oci::Digest digest, oci::Digest::Parse(st.Text(0)));
      out.push_back({.digest = std::move(digest), .size = st.Int(1)});
    }
    for (const StoredBlob& blob : out) {
      BERTH_ASSIGN(Statement tomb, c.Prepare("INSERT INTO blob_tombstones(digest, size, deleted_at) "
                                             "VALUES(?, ?, ?) ON CONFLICT DO NOTHING"));
      BERTH_TRY(tomb.Bind(1, blob.digest.str()).Bind(2, blob.size).Bind(3, cutoff).Run());
      BERTH_ASSIGN(Statement del, c.Prepare("DELETE FROM blobs WHERE digest=?"));
      BERTH_TRY(del.Bind(1, blob.digest.str()).Run());
    }
    return out;
  });
}

template <class Db>
Result<std::vector<StoredBlob>> SqlStore<Db>::PendingBlobDeletions(size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<StoredBlob>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT digest, size FROM blob_tombstones ORDER BY digest LIMIT ?"));
    st.Bind(1, static_cast<int64_t>(limit));
    std::vector<StoredBlob> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      BERTH_ASSIGN(oci::Digest digest, oci::Digest::Parse(st.Text(0)));
      out.push_back({.digest = std::move(digest), .size = st.Int(1)});
    }
  });
}

template <class Db>
Status SqlStore<Db>::EndBlobDeletion(const std::vector<oci::Digest>& digests) {
  return Write([&](Connection& c) -> Status {
    for (const oci::Digest& d : digests) {
      BERTH_ASSIGN(Statement st, c.Prepare("DELETE FROM blob_tombstones WHERE digest=?"));
      BERTH_TRY(st.Bind(1, d.str()).Run());
    }
    return {};
  });
}

template <class Db>
Result<GarbageEstimate> SqlStore<Db>::EstimateGarbage(UnixSeconds link_cutoff) {
  return Read([&](Connection& c) -> Result<GarbageEstimate> {
    GarbageEstimate e;
    BERTH_ASSIGN(Statement links, c.Prepare("SELECT COUNT(*) FROM repository_blobs rb WHERE rb.linked_at < ? AND "
                                            BERTH_LINK_UNUSED));
    links.Bind(1, link_cutoff);
    BERTH_ASSIGN(bool row, links.Step());
    if (row) e.links = links.Int(0);
    BERTH_ASSIGN(Statement blobs,
                 c.Prepare("SELECT COUNT(*), CAST(COALESCE(SUM(b.size), 0) AS BIGINT) FROM blobs b WHERE "
                           "NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest=b.digest AND "
                           "rb.linked_at >= ?) AND "
                           "NOT EXISTS (SELECT 1 FROM manifest_refs r WHERE r.child=b.digest AND r.kind=0)"));
    blobs.Bind(1, link_cutoff);
    BERTH_ASSIGN(row, blobs.Step());
    if (row) {
      e.blobs = blobs.Int(0);
      e.bytes = blobs.Int(1);
    }
    return e;
  });
}

template <class Db>
Result<std::vector<StoredBlob>> SqlStore<Db>::ListBlobRows(std::string_view after, size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<StoredBlob>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT digest, size FROM blobs WHERE digest > ? ORDER BY digest LIMIT ?"));
    st.Bind(1, after).Bind(2, static_cast<int64_t>(limit));
    std::vector<StoredBlob> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      BERTH_ASSIGN(oci::Digest digest, oci::Digest::Parse(st.Text(0)));
      out.push_back({.digest = std::move(digest), .size = st.Int(1)});
    }
  });
}

}  // namespace berth::meta::sql

