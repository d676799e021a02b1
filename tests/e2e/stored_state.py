"""Checks what Berth stored, whichever stores the test ran on (see lib.sh), asking the metadata
store (SQLite in $BERTH_DATA, or the test's PostgreSQL schema) and the blob store (files or S3)
the same questions. PostgreSQL checks its own integrity and foreign keys on every write; SQLite
is asked for them too. Prints "ok", or one line per problem.

  - the database is sound and every reference in it resolves;
  - every blob it names is stored and hashes to its digest, and so does every stored blob
    (nothing half-written is visible under a digest);
  - every manifest's payload hashes to its digest; tags stay within their repository.
"""
import hashlib
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blobstore  # noqa: E402

data = os.environ["BERTH_DATA"]
problems = []


def psql(sql):
    out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", os.environ["PG_URI"],
                          "-c", sql],
                         env={**os.environ, "PGOPTIONS": f"-c search_path={os.environ['PG_SCHEMA']}"},
                         check=True, capture_output=True, text=True).stdout
    # psql prints bytea as \x<hex>
    return [tuple(bytes.fromhex(f[2:]) if f.startswith("\\x") else f for f in line.split("\t"))
            for line in out.splitlines() if line]


if os.environ.get("BERTH_E2E_META") == "postgres":
    query = psql
else:
    db = sqlite3.connect(f"file:{data}/meta.db?mode=ro", uri=True)
    query = lambda sql: db.execute(sql).fetchall()  # noqa: E731
    if query("PRAGMA integrity_check")[0][0] != "ok":
        problems.append("integrity_check failed")
    for row in query("PRAGMA foreign_key_check"):
        problems.append(f"dangling reference {row}")

for (digest,) in query("SELECT digest FROM blobs"):
    hexd = digest.split(":")[1]
    if blobstore.blob_bytes(hexd) is None:
        problems.append(f"metadata names {digest} but the blob store lacks it")
# No manifest may outlive a blob it names (garbage collection must never take one).
for digest, child in query("SELECT m.digest, r.child FROM manifest_refs r JOIN manifests m ON m.id = r.manifest_id "
                           "LEFT JOIN blobs b ON b.digest = r.child WHERE r.kind = 0 AND b.digest IS NULL"):
    problems.append(f"manifest {digest} names blob {child}, which the metadata no longer knows")
for hexd, content in blobstore.all_blobs():
    if hashlib.sha256(content).hexdigest() != hexd:
        problems.append(f"stored blob sha256:{hexd} does not hash to its name")
for digest, payload in query("SELECT digest, payload FROM manifests"):
    if "sha256:" + hashlib.sha256(payload).hexdigest() != digest:
        problems.append(f"manifest {digest} stored with other bytes")
for (n,) in query("SELECT count(*) FROM tags t JOIN manifests m ON m.id = t.manifest_id "
                  "WHERE m.repo_id != t.repo_id"):
    if int(n):
        problems.append(f"{n} tags point into another repository")
for (n,) in query("SELECT count(*) FROM repository_blobs rb LEFT JOIN blobs b USING(digest) "
                  "WHERE b.digest IS NULL"):
    if int(n):
        problems.append(f"{n} repository links to unknown blobs")
print("\n".join(problems) or "ok")
sys.exit(1 if problems else 0)
