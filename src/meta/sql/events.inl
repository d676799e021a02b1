// SqlStore's EventLog and ReplicationQueue, and the helpers other facets use to emit the events
// of their changes in their own transactions. Included by each engine's store file.
#pragma once

#include <set>

#include "meta/sql/store.h"

namespace berth::meta::sql {

template <class Db>
Status SqlStore<Db>::Emit(Connection& c, UnixSeconds time, std::string_view detail_type, std::string_view repository,
                          std::string_view detail) {
  BERTH_ASSIGN(Statement st, c.Prepare("INSERT INTO events(time, detail_type, repository, detail) VALUES(?, ?, ?, ?)"));
  return st.Bind(1, time).Bind(2, detail_type).Bind(3, repository).Bind(4, detail).Run();
}

template <class Db>
Result<std::string> SqlStore<Db>::RepositoryName(Connection& c, RepositoryId repo) {
  BERTH_ASSIGN(Statement st, c.Prepare("SELECT name FROM repositories WHERE id=?"));
  st.Bind(1, repo);
  BERTH_ASSIGN(bool row, st.Step());
  if (!row) return Fail(Code::kNotFound, "repository gone", "NAME_UNKNOWN");
  return st.Text(0);
}

template <class Db>
Result<std::vector<std::string>> SqlStore<Db>::ManifestTags(Connection& c, int64_t manifest_id) {
  BERTH_ASSIGN(Statement st, c.Prepare("SELECT name FROM tags WHERE manifest_id=? ORDER BY name"));
  st.Bind(1, manifest_id);
  return Column0Strings(st);
}

template <class Db>
Result<std::vector<EventRecord>> SqlStore<Db>::ReadEvents(int64_t after, size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<EventRecord>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT seq, time, detail_type, repository, detail FROM events "
                                         "WHERE seq>? ORDER BY seq LIMIT ?"));
    st.Bind(1, after).Bind(2, static_cast<int64_t>(limit));
    std::vector<EventRecord> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      out.push_back({.seq = st.Int(0), .time = st.Int(1), .detail_type = st.Text(2), .repository = st.Text(3),
                     .detail = st.Text(4)});
    }
  });
}

template <class Db>
Status SqlStore<Db>::AppendEvent(const EventRecord& event) {
  return Write([&](Connection& c) -> Status {
    return Emit(c, event.time, event.detail_type, event.repository, event.detail);
  });
}

template <class Db>
Result<int64_t> SqlStore<Db>::PruneEvents(int64_t through, UnixSeconds before) {
  // Events are numbered in commit order, so what is delivered, and (but for a clock stepping
  // back, which delays an event until those after it are due) what is older than `before`, is a
  // prefix: it is deleted from the oldest, a chunk per step, never by scanning the whole table.
  int64_t pruned = 0;
  BERTH_TRY(WriteInSteps([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(Statement st, c.Prepare("DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY seq "
                                         "LIMIT ?) AND (seq<=? OR time<?)"));
    BERTH_TRY(st.Bind(1, kEventsPrunedPerStatement).Bind(2, through).Bind(3, before).Run());
    const auto n = static_cast<int64_t>(c.Changes());
    pruned += n;
    return n == kEventsPrunedPerStatement;
  }));
  return pruned;
}

// Positions are named documents of kind "event-cursor" (the decimal sequence number), where
// they were kept before they had methods of their own.
template <class Db>
Result<int64_t> SqlStore<Db>::ReadPosition(std::string_view reader) {
  return Read([&](Connection& c) -> Result<int64_t> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT document FROM named_documents WHERE kind=? AND name=?"));
    st.Bind(1, kPositionKind).Bind(2, reader);
    BERTH_ASSIGN(bool row, st.Step());
    if (!row) return int64_t{0};
    std::optional<uint64_t> seq = ParseUint64(st.Text(0));
    if (!seq) return Fail(Code::kInternal, "the events position of " + std::string(reader) + " is not a number");
    return static_cast<int64_t>(*seq);
  });
}

template <class Db>
Status SqlStore<Db>::SavePosition(std::string_view reader, int64_t seq) {
  return Write(
      [&](Connection& c) -> Status {
        BERTH_ASSIGN(Statement st, c.Prepare("INSERT INTO named_documents(kind, name, revision, document) "
                                             "VALUES(?, ?, 1, ?) ON CONFLICT(kind, name) DO UPDATE SET "
                                             "revision=named_documents.revision+1, document=excluded.document"));
        return st.Bind(1, kPositionKind).Bind(2, reader).Bind(3, std::to_string(seq)).Run();
      },
      WriteKind::kBackground);
}

template <class Db>
Result<bool> SqlStore<Db>::EnqueueReplication(RepositoryId repo, const oci::Digest& digest,
                                              const std::vector<std::string>& destinations,
                                              const std::vector<std::string>& tags, UnixSeconds now) {
  return Write([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(std::optional<int64_t> id, FindManifestId(c, repo, digest));
    if (!id) return false;
    for (const std::string& destination : destinations) {
      BERTH_ASSIGN(Statement old, c.Prepare("SELECT tags, status FROM replication_jobs WHERE manifest_id=? AND destination=?"));
      old.Bind(1, *id).Bind(2, destination);
      BERTH_ASSIGN(bool exists, old.Step());
      std::set<std::string> all(tags.begin(), tags.end());
      if (exists && old.Text(1) == "IN_PROGRESS") {
        for (std::string& t : SplitLines(old.Text(0))) all.insert(std::move(t));
      }
      const std::string joined = JoinLines(std::vector<std::string>(all.begin(), all.end()));
      BERTH_ASSIGN(Statement put, c.Prepare(
                                      "INSERT INTO replication_jobs(manifest_id, destination, tags, status, failure_code, "
                                      "attempts, due_at, updated_at) VALUES(?, ?, ?, 'IN_PROGRESS', '', 0, ?, ?) "
                                      "ON CONFLICT(manifest_id, destination) DO UPDATE SET tags=excluded.tags, "
                                      "status='IN_PROGRESS', failure_code='', attempts=0, due_at=excluded.due_at, "
                                      "updated_at=excluded.updated_at"));
      BERTH_TRY(put.Bind(1, *id).Bind(2, destination).Bind(3, joined).Bind(4, now).Bind(5, now).Run());
    }
    return true;
  });
}

template <class Db>
Result<std::vector<ReplicationJob>> SqlStore<Db>::DueReplications(UnixSeconds now, size_t limit) {
  return Read([&](Connection& c) -> Result<std::vector<ReplicationJob>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT m.repo_id, r.name, m.digest, j.destination, j.tags, j.attempts "
                                         "FROM replication_jobs j JOIN manifests m ON m.id=j.manifest_id "
                                         "JOIN repositories r ON r.id=m.repo_id "
                                         "WHERE j.status='IN_PROGRESS' AND j.due_at<=? ORDER BY j.due_at LIMIT ?"));
    st.Bind(1, now).Bind(2, static_cast<int64_t>(limit));
    std::vector<ReplicationJob> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      BERTH_ASSIGN(oci::Digest digest, oci::Digest::Parse(st.Text(2)));
      out.push_back({.repo = st.Int(0), .repo_name = st.Text(1), .digest = std::move(digest),
                     .destination = st.Text(3), .tags = SplitLines(st.Text(4)), .attempts = st.Int(5)});
    }
  });
}

template <class Db>
Result<bool> SqlStore<Db>::FinishReplication(const ReplicationJob& job, std::string_view status,
                                             std::string_view failure_code, UnixSeconds due_at, UnixSeconds now,
                                             const EventRecord* event) {
  return Write([&](Connection& c) -> Result<bool> {
    BERTH_ASSIGN(std::optional<int64_t> id, FindManifestId(c, job.repo, job.digest));
    if (!id) return false;
    const bool retry = status == "IN_PROGRESS";
    BERTH_ASSIGN(Statement st, c.Prepare("UPDATE replication_jobs SET status=?, failure_code=?, attempts=?, due_at=?, "
                                         "updated_at=?, tags=? WHERE manifest_id=? AND destination=? AND tags=? AND "
                                         "status='IN_PROGRESS' AND attempts=?"));
    st.Bind(1, status).Bind(2, failure_code).Bind(3, retry ? job.attempts + 1 : job.attempts).Bind(4, due_at);
    // A finished job keeps no tags to set: a later push of a tag asks again.
    const std::string tags = JoinLines(job.tags);
    st.Bind(5, now).Bind(6, retry ? std::string_view(tags) : std::string_view()).Bind(7, *id).Bind(8, job.destination);
    BERTH_TRY(st.Bind(9, tags).Bind(10, job.attempts).Run());
    if (c.Changes() == 0) return false;
    if (event != nullptr) BERTH_TRY(Emit(c, event->time, event->detail_type, event->repository, event->detail));
    return true;
  });
}

template <class Db>
Result<std::vector<ReplicationStatus>> SqlStore<Db>::ReplicationStatuses(RepositoryId repo, const oci::Digest& digest) {
  return Read([&](Connection& c) -> Result<std::vector<ReplicationStatus>> {
    BERTH_ASSIGN(Statement st, c.Prepare("SELECT j.destination, j.status, j.failure_code, j.updated_at "
                                         "FROM replication_jobs j JOIN manifests m ON m.id=j.manifest_id "
                                         "WHERE m.repo_id=? AND m.digest=? ORDER BY j.destination"));
    st.Bind(1, repo).Bind(2, digest.str());
    std::vector<ReplicationStatus> out;
    while (true) {
      BERTH_ASSIGN(bool row, st.Step());
      if (!row) return out;
      out.push_back({.destination = st.Text(0), .status = st.Text(1), .failure_code = st.Text(2),
                     .updated_at = st.Int(3)});
    }
  });
}

}  // namespace berth::meta::sql
