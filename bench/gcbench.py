#!/usr/bin/env python3
"""make bench (fourth part): garbage collection beside CNCF distribution's.

The same content in both registries: N images of one unique 1 KiB layer and a shared config,
pushed over HTTP; then half of the images are deleted, so N/2 blobs are garbage. Measured:
  - Berth: one collection (`berth gc --gc-grace 0`, the collector the server runs on its
    schedule) while Berth keeps serving, with the p99 of manifest GETs during it beside the p99
    without it (the issue's bound: at most 2x);
  - distribution: `registry garbage-collect` (offline: distribution must not serve meanwhile);
  - the limit: `rm` of the same number of blob files from a copy of Berth's blob directory.

Environment: BENCH_QUICK=1 uses 10,000 images instead of 100,000 (BENCH_GC_IMAGES sets it);
BENCH_GC_BERTH_ONLY=1 leaves distribution out (its population takes most of the time).
"""
import base64
import concurrent.futures
import hashlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as base  # noqa: E402

ROOT, WORK = base.ROOT, base.WORK
IMAGES = int(os.environ.get("BENCH_GC_IMAGES", "10000" if base.QUICK else "100000"))
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCTET = {"Content-Type": "application/octet-stream"}
CONFIG = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer(i):
    return (f"layer {i} ".encode() * 128)[:1024]


def manifest(i):
    doc = {"schemaVersion": 2, "mediaType": MANIFEST,
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(CONFIG),
                      "size": len(CONFIG)},
           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha(layer(i)),
                       "size": 1024}]}
    return json.dumps(doc).encode()


class Client(threading.local):
    def __init__(self, host, auth):
        self.host, self.auth, self.conn = host, auth, None

    def upload(self, repo, data):
        """POST then PUT with the bytes: the upload every registry implements (distribution
        answers a monolithic POST with 202 and ignores its body)."""
        status, location = self.call("POST", f"/v2/{repo}/blobs/uploads/", want_location=True)
        assert status == 202, status
        sep = "&" if "?" in location else "?"
        status = self.call("PUT", f"{location}{sep}digest={sha(data)}", data, OCTET)
        assert status == 201, status

    def call(self, method, path, body=None, headers=None, want_location=False):
        for attempt in range(3):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, timeout=60)
            try:
                h = dict(headers or {})
                if self.auth:
                    h["Authorization"] = self.auth
                self.conn.request(method, path, body=body, headers=h)
                resp = self.conn.getresponse()
                resp.read()
                if want_location:
                    location = resp.getheader("Location") or ""
                    if location.startswith("http"):
                        location = "/" + location.split("/", 3)[3]
                    return resp.status, location
                return resp.status
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
        raise RuntimeError(f"{method} {path} failed")


def populate(host, auth):
    """Pushes the images (repository gc/<i % 16>) and deletes the odd ones, by digest."""
    client = Client(host, auth)

    def push(i):
        repo = f"gc/r{i % 16}"
        if i < 16:
            client.upload(repo, CONFIG)
        client.upload(repo, layer(i))
        m = manifest(i)
        assert client.call("PUT", f"/v2/{repo}/manifests/{sha(m)}", m, {"Content-Type": MANIFEST}) == 201

    def delete(i):
        m = manifest(i)
        assert client.call("DELETE", f"/v2/gc/r{i % 16}/manifests/{sha(m)}") == 202

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(push, range(16)))
        list(pool.map(push, range(16, IMAGES)))
        list(pool.map(delete, range(1, IMAGES, 2)))


def count_files(path):
    return sum(len(files) for _, _, files in os.walk(path))


def main():
    os.makedirs(WORK, exist_ok=True)
    results = {"images": IMAGES, "garbage_blobs": IMAGES // 2}

    # --- Berth ---------------------------------------------------------------------------------
    port = base.free_port()
    data = f"{WORK}/gc-berth"
    server = base.Server("berth-gc", [f"{ROOT}/build/berth", "serve", "--listen", f"127.0.0.1:{port}", "--data", data,
                                      "--log-level", "warn", "--no-audit", "--gc-interval", "30d"],
                         port, health="/healthz")
    try:
        text = open(f"{data}/admin-credentials").read()
        ak = text.split("aws_access_key_id = ")[1].split()[0]
        sk = text.split("aws_secret_access_key = ")[1].split()[0]
        auth = "Basic " + base64.b64encode(f"{ak}:{sk}".encode()).decode()
        started = time.monotonic()
        populate(server.host, auth)
        base.log(f"[gc] berth: {IMAGES} images pushed, half deleted in {time.monotonic() - started:.0f}s")
        before = count_files(f"{data}/blobs")
        # The limit: rm of as many files from a copy of the blob directory.
        shutil.copytree(f"{data}/blobs", f"{WORK}/gc-rm-copy")
        victims = [os.path.join(d, f) for d, _, files in os.walk(f"{WORK}/gc-rm-copy") for f in files][:IMAGES // 2]
        t = time.monotonic()
        for v in victims:
            os.unlink(v)
        results["rm_s"] = time.monotonic() - t
        shutil.rmtree(f"{WORK}/gc-rm-copy")

        script = f"{WORK}/gc-get.lua"
        with open(script, "w") as f:
            f.write(f'wrk.headers["Accept"] = "{MANIFEST}"\nwrk.headers["Authorization"] = "{auth}"\n')
        url = f"{server.url}/v2/gc/r0/manifests/{sha(manifest(0))}"
        results["p99_idle_ms"] = base.median_of([base.wrk(url, 32, script) for _ in range(base.RUNS)], "p99_ms")
        # The collection and manifest GETs at once: wrk starts first and runs past the collection.
        gc_result = {}

        def collect():
            time.sleep(0.5)
            t0 = time.monotonic()
            out = subprocess.run([f"{ROOT}/build/berth", "gc", "--data", data, "--gc-grace", "0"], check=True,
                                 capture_output=True, text=True).stdout
            gc_result["seconds"] = time.monotonic() - t0
            gc_result["report"] = out.strip()

        collector = threading.Thread(target=collect)
        collector.start()
        # wrk runs back to back for as long as the collection does; the worst p99 is reported.
        samples = [base.wrk(url, 32, script)]
        while collector.is_alive():
            samples.append(base.wrk(url, 32, script))
        collector.join()
        during = {"p99_ms": max(s["p99_ms"] for s in samples),
                  "rps": sum(s["rps"] for s in samples) / len(samples)}
        results["berth_gc_s"] = gc_result["seconds"]
        results["berth_gc_report"] = gc_result["report"]
        results["p99_during_gc_ms"] = during["p99_ms"]
        results["rps_during_gc"] = during["rps"]
        results["berth_files_before"], results["berth_files_after"] = before, count_files(f"{data}/blobs")
        base.log(f"[gc] berth: {gc_result['report']} in {gc_result['seconds']:.2f}s")
    finally:
        server.stop()

    # --- distribution ----------------------------------------------------------------------------
    if os.environ.get("BENCH_GC_BERTH_ONLY") == "1":
        results.update(distribution_gc_s=0.0, distribution_files_before=0, distribution_files_after=0)
        report(results)
        return
    dist = base.start_distribution("distribution-gc")
    try:
        started = time.monotonic()
        populate(dist.host, None)
        base.log(f"[gc] distribution: {IMAGES} images pushed, half deleted in {time.monotonic() - started:.0f}s")
    finally:
        dist.stop()
    before = count_files(f"{WORK}/distribution-gc-data/docker/registry/v2/blobs")
    t = time.monotonic()
    base.run(["docker-registry", "garbage-collect", f"{WORK}/distribution-gc.yml"])
    results["distribution_gc_s"] = time.monotonic() - t
    results["distribution_files_before"] = before
    results["distribution_files_after"] = count_files(f"{WORK}/distribution-gc-data/docker/registry/v2/blobs")

    report(results)


def report(r):
    lines = [
        f"# Garbage collection: {r['images']:,} images, {r['garbage_blobs']:,} of their layers garbage",
        "",
        "| | seconds | serving meanwhile | blob files before → after |",
        "| --- | --- | --- | --- |",
        f"| Berth (online collector, `berth gc`) | {r['berth_gc_s']:.2f} | yes | "
        f"{r['berth_files_before']:,} → {r['berth_files_after']:,} |",
        f"| distribution `garbage-collect` | {r['distribution_gc_s']:.2f} | no (offline) | "
        f"{r['distribution_files_before']:,} → {r['distribution_files_after']:,} |",
        f"| `rm` of as many files (the limit) | {r['rm_s']:.2f} | | |",
        "",
        f"Berth/distribution: {base.ratio(r['berth_gc_s'], r['distribution_gc_s'])}; "
        f"Berth/rm: {base.ratio(r['berth_gc_s'], r['rm_s'])}. Berth's report: `{r['berth_gc_report']}`.",
        "",
        f"Manifest GET p99 (wrk, 32 connections, back to back for the whole collection; the worst run) "
        f"while the collection runs: {r['p99_during_gc_ms']:.2f} ms, "
        f"without it: {r['p99_idle_ms']:.2f} ms ({r['p99_during_gc_ms'] / r['p99_idle_ms']:.2f}x; "
        f"{r['rps_during_gc']:,.0f} req/s meanwhile).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    base.save_results("gc", text, r)


if __name__ == "__main__":
    main()
