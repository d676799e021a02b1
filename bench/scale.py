#!/usr/bin/env python3
"""make bench-scale: reads and writes at scale, Berth beside distribution 2.8.2.

Loads one repository with BENCH_SCALE_TAGS tags (1,000,000; each its own manifest, as CI builds
make them) and BENCH_SCALE_REPOS repositories (100,000; each mounting the shared config and layer,
with its own manifest tagged `latest`), all through /v2/ with pipelined HTTP/1.1 connections, then
measures:
- manifest GET by a random tag and by a random repository, and blob HEAD in a random repository,
  beside the same request for one fixed key on the same store (bench/loadgen, 32 connections);
- pull times after a burst of random-tag GETs: how long the server keeps writing (write_bytes in
  /proc/PID/io sampled every 20 ms; on PostgreSQL with the node's backends and the WAL writer,
  PostgreSQL's own upkeep reported apart) and how long tag PUTs take meanwhile, split by the server's
  /metrics into waiting for the single writer and the commit, beside the disk's own fdatasync;
- metadata bytes per tag and per repository, the cache's memory, start-up time and idle memory
  on the full store after a restart.
distribution gets the same loads for the same time Berth's took (it reaches fewer tags and
repositories) and the same reads at the sizes it reached.

Environment: BENCH_SCALE_TAGS, BENCH_SCALE_REPOS, BENCH_QUICK=1 (20,000 and 5,000),
BERTH_BIN (default build/berth), BENCH_SCALE_CACHE (Berth's --cache-size, 2G; "" for its default),
BENCH_SCALE_DISTRIBUTION=0 skips distribution, BENCH_SCALE_DISTRIBUTION_FROM=FILE.json takes its
figures from an earlier run's results, BENCH_SCALE_META=postgres keeps Berth's metadata in a
PostgreSQL 15 started for the run (tests/postgres/start.sh: on loopback, with fsync off, so its
loading rates flatter; reads are what it is for).
"""
import hashlib
import json
import multiprocessing
import os
import pwd
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the shared helpers: servers, results)

QUICK = bench.QUICK
TAGS = int(os.environ.get("BENCH_SCALE_TAGS", 20000 if QUICK else 1000000))
REPOS = int(os.environ.get("BENCH_SCALE_REPOS", 5000 if QUICK else 100000))
BERTH_BIN = os.environ.get("BERTH_BIN", f"{bench.ROOT}/build/berth")
READ_SECONDS = 5 if QUICK else 10
# Enough for every manifest of the full store (about 1 KB per tag); "" leaves Berth's default.
CACHE_SIZE = os.environ.get("BENCH_SCALE_CACHE", "2G")
PIPELINE = 64
LOADERS = 6
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
LAYER = b"layer shared by every image of the scale bench\n"
LAYER_DIGEST = "sha256:" + hashlib.sha256(LAYER).hexdigest()
LOADGEN = os.environ.get("BENCH_LOADGEN", f"{bench.ROOT}/build/bench/berth_loadgen")
META = os.environ.get("BENCH_SCALE_META", "sqlite")
PG_STATE = f"{bench.WORK}/scale-pg"
log = bench.log


CONFIG = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}},
                    separators=(",", ":")).encode()
CONFIG_DIGEST = "sha256:" + hashlib.sha256(CONFIG).hexdigest()


def manifest(n):
    """Image n: the shared config and layer, and its own annotation (so its own digest)."""
    return json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": CONFIG_DIGEST,
                   "size": len(CONFIG)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": LAYER_DIGEST,
                    "size": len(LAYER)}],
        "annotations": {"org.example.build": str(n)}}, separators=(",", ":")).encode()


def request(method, path, body=b"", content_type="application/octet-stream"):
    head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {len(body)}\r\n"
    if body:
        head += f"Content-Type: {content_type}\r\n"
    return head.encode() + b"\r\n" + body


def tag_requests(keys):
    for i in keys:
        yield request("PUT", f"/v2/scale/tags/manifests/t{i}", manifest(i), OCI_MANIFEST)


def repo_requests(keys):
    for i in keys:
        yield request("POST", f"/v2/scale/r{i}/blobs/uploads/?mount={CONFIG_DIGEST}&from=scale/tags")
        yield request("POST", f"/v2/scale/r{i}/blobs/uploads/?mount={LAYER_DIGEST}&from=scale/tags")
        yield request("PUT", f"/v2/scale/r{i}/manifests/latest", manifest(i), OCI_MANIFEST)


def read_response(f):
    status = f.readline()
    if not status:
        raise RuntimeError("connection closed")
    code = int(status.split()[1])
    length = 0
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    body = f.read(length) if length else b""
    return code, body


def load_worker(args):
    """Sends keys worker, worker + LOADERS, ... below `count` pipelined on one connection, in order
    (a repository's blobs before its manifest), until `deadline`. Returns how many it finished."""
    host, port, kind, worker, count, deadline = args
    make = tag_requests if kind == "tags" else repo_requests
    per_unit = 1 if kind == "tags" else 3
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = sock.makefile("rb", buffering=1 << 16)
    keys = range(worker, count, LOADERS)
    done = 0
    step = max(1, PIPELINE // per_unit)
    for at in range(0, len(keys), step):
        if time.monotonic() > deadline:
            break
        batch = keys[at:at + step]
        sock.sendall(b"".join(make(batch)))
        for _ in range(len(batch) * per_unit):
            code, body = read_response(f)
            if code not in (200, 201, 202):
                raise RuntimeError(f"{kind} load got {code}: {body[:300]!r}")
        done += len(batch)
    sock.close()
    return done


def load(server, kind, count, seconds=None):
    """Loads up to `count` tags or repositories (within `seconds` if given). Returns how many
    keys from 0 up are all loaded, and the seconds it took."""
    host, port = server.host.split(":")
    deadline = time.monotonic() + (seconds if seconds else 1e9)
    jobs = [(host, int(port), kind, w, count, deadline) for w in range(LOADERS)]
    started = time.monotonic()
    with multiprocessing.Pool(LOADERS) as pool:
        done = pool.map(load_worker, jobs)
    return min(count, min(done) * LOADERS), time.monotonic() - started


def upload(server, repo, data):
    """POST then PUT: the upload every registry takes."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    status, headers, body = bench.http_request(server.host, "POST", f"/v2/{repo}/blobs/uploads/")
    assert status == 202, f"starting an upload: {status} {body[:200]!r}"
    location = headers["Location"]
    location = location.split(server.host, 1)[-1]
    status, _, body = bench.http_request(server.host, "PUT", f"{location}{'&' if '?' in location else '?'}digest={digest}",
                                         body=data)
    assert status == 201, f"finishing an upload: {status} {body[:200]!r}"


def seed(server):
    """The config and layer every image shares, in scale/tags (where repositories mount them from)."""
    upload(server, "scale/tags", LAYER)
    upload(server, "scale/tags", CONFIG)


def loadgen(server, method, pattern, count, seconds=READ_SECONDS, connections=32):
    """berth_loadgen (bench/loadgen): `pattern`'s {} is a random key below `count`."""
    out = bench.run([LOADGEN, server.host, method, pattern, str(count), str(connections), str(seconds),
                     f"Accept: {OCI_MANIFEST}"]).stdout
    figures = json.loads(out)
    if figures["failures"]:
        raise RuntimeError(f"{figures['failures']} answers were not 2xx: {method} {pattern}")
    return figures


def settle(server, quiet=6.0, limit=300, upkeep=False):
    """Waits until the server has written nothing (64 KiB or more per 100 ms) for `quiet` seconds,
    longer than the second between flushes of pull times; returns how long its writing went on.
    upkeep=True waits for PostgreSQL's upkeep too."""
    def written():
        return written_bytes(server.proc.pid) + (written_bytes(server.proc.pid, upkeep=True) if upkeep else 0)
    started = last_write = time.monotonic()
    before = written()
    while time.monotonic() - last_write < quiet and time.monotonic() - started < limit:
        time.sleep(0.1)
        now = written()
        if now - before >= 64 * 1024:
            last_write = time.monotonic()
        before = now
    return last_write - started


def random_reads(server, kind, count):
    """A random key among `count` beside one fixed key, 32 connections, after a first pass over
    every key (its rate reported as "cold": what a restarted node serves until its cache is warm).
    The first pass pulls every image once, and the pull times it leaves are written in the
    background for a while (100,000 images per flush at most): the reads wait until that ends,
    or they would measure the writing too (how long it took is reported)."""
    method, pattern = {"tag": ("GET", "/v2/scale/tags/manifests/t{}"),
                       "repo": ("GET", "/v2/scale/r{}/manifests/latest"),
                       "head": ("HEAD", f"/v2/scale/r{{}}/blobs/{CONFIG_DIGEST}")}[kind]
    out = {"cold": loadgen(server, method, pattern, count, seconds=0)["rps"]}  # every key once, in order
    out["settle_s"] = settle(server)
    for name, keys in (("random", count), ("fixed", 1)):
        samples = [loadgen(server, method, pattern, keys) for _ in range(bench.RUNS)]
        out[name] = bench.median_of(samples, "rps")
        out[name + "_p99_ms"] = bench.median_of(samples, "p99_ms")
    return out


# PostgreSQL's own upkeep writes on its own schedule, whatever the node does: autovacuum goes over
# the tables a load grew (minutes after a million-tag load), the checkpointer and the background
# writer write back pages the statements left dirty. No statement of the node waits for them, so
# they are reported apart from the node's writing, not in it.
PG_UPKEEP = ("postgres: autovacuum", "postgres: checkpointer", "postgres: background writer")


def written_bytes(pid, upkeep=False):
    """What `pid` has written to storage; on PostgreSQL also what its server's processes wrote for
    it (the node's connections and the WAL writer: every process of the postgres user but its
    upkeep, as the bench's cluster is the only one running). upkeep=True: what PostgreSQL's upkeep
    wrote instead (PG_UPKEEP)."""
    pids = [] if upkeep else [pid]
    if META == "postgres":
        pids += [int(p) for p in os.listdir("/proc")
                 if p.isdigit() and _owner(p) == "postgres" and _is_upkeep(p) == upkeep]
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/io") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("write_bytes:")), 0)
        except OSError:
            pass  # a backend that exited meanwhile
    return total


def _is_upkeep(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace").startswith(PG_UPKEEP)
    except OSError:
        return False


def _owner(pid):
    try:
        return pwd.getpwuid(os.stat(f"/proc/{pid}").st_uid).pw_name
    except (OSError, KeyError):
        return None


def put_probe(server, seconds, first):
    """Tag PUTs one at a time for `seconds`, 5 ms apart: their times in ms."""
    host, port = server.host.split(":")
    sock = socket.create_connection((host, int(port)))
    f = sock.makefile("rb")
    times, n, until = [], 0, time.monotonic() + seconds
    while time.monotonic() < until:
        t = time.monotonic()
        sock.sendall(request("PUT", f"/v2/scale/tags/manifests/probe{first + n}", manifest(10**9 + first + n),
                             OCI_MANIFEST))
        code, body = read_response(f)
        assert code == 201, (code, body[:200])
        times.append((time.monotonic() - t) * 1000)
        n += 1
        time.sleep(0.005)
    sock.close()
    return times


def histogram(metrics_text, name, labels=""):
    """A histogram's series in /metrics text: {upper bound: cumulative count}, with "+Inf"."""
    prefix = f"{name}_bucket{{{labels + ',' if labels else ''}le=\""
    out = {}
    for line in metrics_text.splitlines():
        if line.startswith(prefix):
            bound, count = line[len(prefix):].split('"} ')
            out[bound] = int(count)
    return out


def slow_share(before, after, limit_s=0.005):
    """Of the samples between two reads of a histogram: how many, how many took longer than
    `limit_s`, and the smallest bound that holds them all (the histogram's resolution)."""
    delta = {bound: after[bound] - before.get(bound, 0) for bound in after}
    total = delta.get("+Inf", 0)
    bounds = sorted((float(b), n) for b, n in delta.items() if b != "+Inf")
    within = next((n for b, n in bounds if b >= limit_s), total)
    worst = next((b for b, n in bounds if n == total), None) if total else None
    return {"count": total, "over": total - within, "max_bound_ms": worst * 1000 if worst is not None else None}


def timed_put_probe(server, seconds, first, writes, key):
    """put_probe, with what the server's own histograms say about those writes: how long each
    waited for the single writer, and how long each commit took."""
    names = (("wait", "berth_metadata_write_wait_seconds", 'kind="change"'),
             ("commit", "berth_metadata_commit_duration_seconds", 'kind="change"'),
             ("background_commit", "berth_metadata_commit_duration_seconds", 'kind="background"'))
    def snapshot():
        text = bench.http_request(server.host, "GET", "/metrics")[2].decode()
        return {k: histogram(text, n, l) for k, n, l in names}
    before = snapshot()
    writes[key] = put_probe(server, seconds, first)
    after = snapshot()
    for k, _, _ in names:
        writes[f"{key}_{k}"] = slow_share(before[k], after[k])


def fsync_probe(directory, seconds):
    """The disk's own floor for a write that must be durable: appends of 16 KiB (a tag PUT adds a
    few pages to SQLite's write-ahead log), each followed by fdatasync, 5 ms apart: times in ms."""
    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    times, until, block = [], time.monotonic() + seconds, b"\0" * 16384
    try:
        while time.monotonic() < until:
            t = time.monotonic()
            os.write(fd, block)
            os.fdatasync(fd)
            times.append((time.monotonic() - t) * 1000)
            time.sleep(0.005)
    finally:
        os.close(fd)
        os.unlink(path)
    return times


def pull_burst(server, count, writes):
    """Two bursts of random-tag GETs (each over its own half of the tags, so the second pulls
    images not pulled yet). After the first, how long the server keeps writing (seconds of 20 ms
    samples of /proc/PID/io write_bytes that grew by more than 64 KiB; pull times are flushed
    every second, one flush at a time, so 8 s are watched). After the second, tag PUT times, beside PUT times before."""
    half = max(1, count // 2)
    timed_put_probe(server, 3, 0, writes, "put_before")
    loadgen(server, "GET", "/v2/scale/tags/manifests/t{}", half)
    ended, samples, upkeep0 = time.monotonic(), [], written_bytes(server.proc.pid, upkeep=True)
    while time.monotonic() - ended < 8:
        samples.append((time.monotonic() - ended, written_bytes(server.proc.pid)))
        time.sleep(0.02)
    writes["busy_s"] = sum(t1 - t0 for (t0, b0), (t1, b1) in zip(samples, samples[1:]) if b1 - b0 > 64 * 1024)
    writes["written_mb"] = (samples[-1][1] - samples[0][1]) / bench.MiB
    writes["upkeep_mb"] = (written_bytes(server.proc.pid, upkeep=True) - upkeep0) / bench.MiB
    loadgen(server, "GET", "/v2/scale/tags/manifests/t{}", f"{half}+{half}")
    timed_put_probe(server, 8, 100000, writes, "put_during")
    writes["disk_fsync"] = fsync_probe(f"{bench.WORK}/scale-berth", 8)
    for key in ("put_before", "put_during", "disk_fsync"):
        times = sorted(writes.pop(key))
        writes[key + "_p50_ms"] = statistics.median(times)
        writes[key + "_p99_ms"] = times[max(0, int(len(times) * 0.99) - 1)]
        writes[key + "_max_ms"] = times[-1]


def metric(server, name):
    status, _, body = bench.http_request(server.host, "GET", "/metrics")
    m = re.search(rf"^{name} ([\d.e+]+)$", body.decode(), re.M)
    return float(m.group(1)) if m else None


def start_berth(data):
    port = bench.free_port()
    extra = os.environ.get("BENCH_SCALE_BERTH_ARGS", "").split()
    if CACHE_SIZE:
        extra += ["--cache-size", CACHE_SIZE]
    if META == "postgres":
        extra += ["--meta", open(f"{PG_STATE}/uri").read().strip()]
    return bench.Server("berth", [BERTH_BIN, "serve", "--listen", f"127.0.0.1:{port}", "--data", data, "--anonymous",
                                  "--log-level", "warn", *extra], port)


def meta_bytes(data):
    """The SQLite database's pages in use, WAL included (the files' sizes would count a WAL not
    yet folded in, and free pages), or the PostgreSQL database's size."""
    if META == "postgres":
        out = bench.run(["/usr/lib/postgresql/15/bin/psql", "-X", "-At", open(f"{PG_STATE}/uri").read().strip(),
                         "-c", "SELECT pg_database_size(current_database())"]).stdout
        return int(out.strip())
    con = sqlite3.connect(f"file:{data}/meta.db?mode=ro", uri=True)
    try:
        pages, free, size = (con.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "freelist_count", "page_size"))
    finally:
        con.close()
    return (pages - free) * size


def bench_registry(name, start, results, budget=None):
    r = results[name] = {}
    server = start()
    try:
        seed(server)
        r["tags"], r["tags_load_s"] = load(server, "tags", TAGS, budget and budget["tags_load_s"])
        log(f"[{name}] {r['tags']} tags in {r['tags_load_s']:.0f} s")
        if name == "berth":
            r["meta_bytes_tags"] = meta_bytes(f"{bench.WORK}/scale-berth")
        r["repos"], r["repos_load_s"] = load(server, "repos", REPOS, budget and budget["repos_load_s"])
        log(f"[{name}] {r['repos']} repositories in {r['repos_load_s']:.0f} s")
        if name == "berth":
            # First, while no image has a pull time: reads record them, and a day's are kept.
            r["writes"] = {}
            if META == "postgres":  # the load left PostgreSQL vacuuming for a while: not the burst's
                r["writes"]["upkeep_settle_s"] = settle(server, upkeep=True)
            pull_burst(server, r["tags"], r["writes"])
            w = r["writes"]
            log(f"[{name}] after a burst: writing {w['busy_s']:.2f} s; tag PUT max {w['put_during_max_ms']:.1f} ms "
                f"(before the burst {w['put_before_max_ms']:.1f} ms)")
        for kind, count in (("tag", r["tags"]), ("repo", r["repos"]), ("head", r["repos"])):
            r[kind] = random_reads(server, kind, count)
            log(f"[{name}] {kind}: random {r[kind]['random']:.0f} req/s, one key {r[kind]['fixed']:.0f} req/s "
                f"(writing after the first pass {r[kind]['settle_s']:.1f} s)")
        r["rss_after_reads_mb"] = server.status("VmRSS") / 1024
        r["peak_rss_mb"] = server.status("VmHWM") / 1024
        if name == "berth":
            r["cache_mb"] = (metric(server, "berth_metadata_cache_bytes") or 0) / bench.MiB
    finally:
        server.stop()
    if name == "berth":
        data = f"{bench.WORK}/scale-berth"
        r["meta_bytes"] = meta_bytes(data)
        restarted = start_berth(data)
        r["startup_ms"] = restarted.startup_ms
        r["idle_rss_mb"] = restarted.idle_rss_kb / 1024
        restarted.stop()


def report(results):
    b, d = results["berth"], results.get("distribution")
    lines = [f"Machine: {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}; Berth {BERTH_BIN} "
             f"on {'PostgreSQL 15 (loopback, fsync off)' if META == 'postgres' else 'SQLite'} "
             f"with --cache-size {CACHE_SIZE or 'default'}; {LOADERS} pipelined loading connections; reads by "
             f"berth_loadgen, 32 connections, {READ_SECONDS} s, median of {bench.RUNS}",
             "", "| workload | Berth | distribution 2.8.2 | Berth vs distribution |", "| --- | ---: | ---: | ---: |"]

    def row(label, bv, dv, fmt="{:.0f}", higher=True):
        ratio = (bv / dv if higher else dv / bv) if bv and dv else None
        lines.append(f"| {label} | {fmt.format(bv) if bv is not None else 'n/a'} | "
                     f"{fmt.format(dv) if dv is not None else 'n/a'} | {f'{ratio:.2f}x' if ratio else 'n/a'} |")

    g = (lambda *keys: _get(d, keys)) if d else (lambda *keys: None)
    row("tags loaded", b["tags"], g("tags"))
    row("tag PUTs/s while loading", b["tags"] / b["tags_load_s"], d and d["tags"] / d["tags_load_s"])
    row("repositories loaded", b["repos"], g("repos"))
    row("repositories/s while loading", b["repos"] / b["repos_load_s"], d and d["repos"] / d["repos_load_s"])
    for kind, label in (("tag", "manifest GET by random tag"), ("repo", "manifest GET, random repository"),
                        ("head", "blob HEAD, random repository")):
        row(f"{label}: first pass over every key (req/s)", b[kind]["cold"], g(kind, "cold"))
        if "settle_s" in b[kind]:
            lines.append(f"| {label}: seconds of writing after the first pass (its pull times) | "
                         f"{b[kind]['settle_s']:.1f} | | |")
        row(f"{label} (req/s)", b[kind]["random"], g(kind, "random"))
        row(f"{label}: one key (req/s)", b[kind]["fixed"], g(kind, "fixed"))
        row(f"{label}: random / one key", b[kind]["random"] / b[kind]["fixed"],
            d and d[kind]["random"] / d[kind]["fixed"], "{:.2f}")
        row(f"{label}: p99 (ms)", b[kind]["random_p99_ms"], g(kind, "random_p99_ms"), "{:.2f}", higher=False)
    row("RSS after the reads (MB)", b["rss_after_reads_mb"], g("rss_after_reads_mb"), "{:.1f}", higher=False)
    lines.append(f"| metadata cache held (MB) | {b['cache_mb']:.1f} | | |")
    w = b["writes"]
    lines.append(f"| after a {READ_SECONDS} s burst of random-tag GETs: seconds of writing | {w['busy_s']:.2f} | | |")
    if META == "postgres":
        lines.append(f"| before that burst: seconds PostgreSQL's upkeep wrote after the load (waited for) | "
                     f"{w['upkeep_settle_s']:.1f} | | |")
        lines.append(f"| the 8 s after that burst: MB PostgreSQL's upkeep wrote (autovacuum, checkpoints; not in the "
                     f"seconds above) | {w['upkeep_mb']:.1f} | | |")
    for key, label in (("put_before", "tag PUT before a burst"), ("put_during", "tag PUT after a burst"),
                       ("disk_fsync", "the disk alone after the burst: 16 KiB appended, fdatasync")):
        lines.append(f"| {label}: p50 / p99 / max (ms) | {w[key + '_p50_ms']:.1f} / {w[key + '_p99_ms']:.1f} / "
                     f"{w[key + '_max_ms']:.1f} | | |")
        for part, what in (("wait", "changes that waited over 5 ms for the writer"),
                           ("commit", "changes' commits over 5 ms"),
                           ("background_commit", "background commits over 5 ms (pull times, leases)")):
            share = w.get(f"{key}_{part}")
            if share:
                bound = f", all within {share['max_bound_ms']:g} ms" if share["max_bound_ms"] is not None else ""
                lines.append(f"| {label}: {what} (/metrics) | {share['over']} of {share['count']}{bound} | | |")
    if "meta_bytes_tags" in b:
        lines.append(f"| metadata bytes per tag (its own manifest) | {b['meta_bytes_tags'] / b['tags']:.0f} | | |")
        lines.append(f"| metadata bytes per repository (a manifest, a tag, two blob links) | "
                     f"{(b['meta_bytes'] - b['meta_bytes_tags']) / max(1, b['repos']):.0f} | | |")
    else:
        lines.append(f"| metadata bytes per tag or repository | {b['meta_bytes'] / (b['tags'] + b['repos']):.0f} | | |")
    lines.append(f"| start-up on the full store (ms) | {b['startup_ms']:.0f} | | |")
    lines.append(f"| idle RSS on the full store (MB) | {b['idle_rss_mb']:.1f} | | |")
    return "\n".join(lines) + "\n"


def _get(d, keys):
    for k in keys:
        d = d.get(k) if isinstance(d, dict) else None
    return d


def main():
    results = {}
    if META == "postgres":
        bench.run([f"{bench.ROOT}/tests/postgres/start.sh", PG_STATE])
    try:
        bench_registry("berth", lambda: start_berth(f"{bench.WORK}/scale-berth"), results)
    finally:
        if META == "postgres":
            results.setdefault("berth", {})["meta"] = "postgres"
            subprocess.run([f"{bench.ROOT}/tests/postgres/stop.sh", PG_STATE], capture_output=True)
    if os.environ.get("BENCH_SCALE_DISTRIBUTION_FROM"):
        # distribution's figures from an earlier run on this machine (its loads and reads do not
        # depend on Berth's build; its load time budget was that run's Berth's).
        with open(os.environ["BENCH_SCALE_DISTRIBUTION_FROM"]) as f:
            results["distribution"] = json.load(f)["distribution"]
    elif os.environ.get("BENCH_SCALE_DISTRIBUTION", "1") != "0":
        bench_registry("distribution", lambda: bench.start_distribution("scale-distribution"), results,
                       budget=results["berth"])
    text = report(results)
    print(text)
    bench.save_results("scale-postgres" if META == "postgres" else "scale", text, results)


if __name__ == "__main__":
    main()
