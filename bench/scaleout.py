#!/usr/bin/env python3
"""make bench (second part): one node of each registry on shared-storage backends, side by side.

  berth embedded     SQLite + files (what `make run` starts)
  berth pg+s3        PostgreSQL 15 + S3 (OpenStack Swift's s3api), as a cluster node runs
  distribution s3    CNCF distribution 2.8.2 on the same S3 store

Per node: push and pull throughput of an image with skopeo and the server's CPU per GiB, manifest
GET rate (wrk, 32 connections) and its CPU per 1000, and for Berth on PostgreSQL the statements
sent to PostgreSQL per manifest GET on a warm cache (berth_metadata_queries_total). From the
measured costs it writes a projection of how many nodes a request rate needs. PostgreSQL and
Swift run on the same two cores as the registries, so absolute figures are low; the ratios and
per-request costs are what carries over.

Environment: BENCH_QUICK=1 shrinks sizes and durations.
"""
import json
import shutil
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as base  # noqa: E402  (the fixtures, clients and measuring of bench/run.py)

ROOT, WORK, MiB, GiB = base.ROOT, base.WORK, base.MiB, base.GiB
LAYER = (8 if base.QUICK else 64) * MiB  # 4 layers
RUNS = base.RUNS


def start_stores():
    for name, script in (("pg", "tests/postgres/start.sh"), ("s3", "tests/s3/start.sh")):
        subprocess.run([f"{ROOT}/{script}", f"{WORK}/{name}"], check=True, capture_output=True)
    env = dict(line.split("=", 1) for line in open(f"{WORK}/s3/env").read().split())
    return open(f"{WORK}/pg/uri").read().strip(), env


def stop_stores():
    subprocess.run([f"{ROOT}/tests/postgres/stop.sh", f"{WORK}/pg"], capture_output=True)
    subprocess.run([f"{ROOT}/tests/s3/stop.sh", f"{WORK}/s3"], capture_output=True)


def start_berth(name, extra):
    port = base.free_port()
    return base.Server(name, [f"{ROOT}/build/berth", "serve", "--listen", f"127.0.0.1:{port}",
                              "--data", f"{WORK}/{name}-data", "--anonymous", "--log-level", "warn",
                              *extra], port)


def start_distribution_s3(s3):
    return base.start_distribution("distribution-s3", f"""  s3:
    region: {s3['S3_REGION']}
    regionendpoint: {s3['S3_ENDPOINT']}
    bucket: {s3['S3_BUCKET']}
    rootdirectory: /distribution
    accesskey: "{s3['S3_ACCESS_KEY']}"
    secretkey: "{s3['S3_SECRET_KEY']}"
    secure: false
    v4auth: true
    chunksize: 8388608
  redirect:
    disable: true
""")


def metric(server, name):
    """A value from the server's /metrics, or None (distribution serves none here)."""
    try:
        with urllib.request.urlopen(f"{server.url}/metrics", timeout=10) as r:
            for line in r.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
    except urllib.error.HTTPError:
        pass
    return None


def bench_node(server, image, results):
    r = results.setdefault(server.name, {})
    size = base.layout_bytes(image)
    with base.Phase(server) as ph:
        speeds = []
        for i in range(RUNS):
            base.fresh_blob_info_cache()
            t = time.monotonic()
            base.skopeo("copy", "-q", "--dest-tls-verify=false", f"oci:{image}:img",
                        f"docker://{server.host}/push/run{i}:img")
            speeds.append(size / MiB / (time.monotonic() - t))
    r["push"] = {"mbps": statistics.median(speeds), "cpu_s_per_gib": ph.cpu / (RUNS * size / GiB)}
    with base.Phase(server) as ph:
        speeds = []
        for i in range(RUNS):
            dest = f"{WORK}/pull-{server.name}-{i}"
            t = time.monotonic()
            base.skopeo("copy", "-q", "--src-tls-verify=false", f"docker://{server.host}/push/run0:img", f"dir:{dest}")
            speeds.append(size / MiB / (time.monotonic() - t))
            subprocess.run(["rm", "-rf", dest])
    r["pull"] = {"mbps": statistics.median(speeds), "cpu_s_per_gib": ph.cpu / (RUNS * size / GiB)}

    url = f"{server.url}/v2/push/run0/manifests/img"
    base.wrk(url, 4, f"{WORK}/accept.lua")  # warm the caches
    queries_before = metric(server, "berth_metadata_queries_total")
    with base.Phase(server) as ph:
        samples = [base.wrk(url, 32, f"{WORK}/accept.lua") for _ in range(RUNS)]
    total = sum(s["rps"] for s in samples) * base.WRK_SECONDS
    r["manifest_get"] = {"rps": base.median_of(samples, "rps"), "p99_ms": base.median_of(samples, "p99_ms"),
                         "cpu_s_per_1k": ph.cpu / total * 1000}
    if queries_before is not None:
        # The scrape itself (upload-session gauge) and the 5 s pull-time writes are included.
        r["manifest_get"]["queries_per_get"] = (metric(server, "berth_metadata_queries_total") - queries_before) / total


def projection(results):
    node = results["berth pg+s3"]
    cores = os.cpu_count()
    per_get = node["manifest_get"]["cpu_s_per_1k"] / 1000
    per_gib = node["pull"]["cpu_s_per_gib"]
    lines = ["How many nodes a load needs, from the per-request costs measured above (a node's CPU "
             f"only; {cores} cores a node, run at 70%; PostgreSQL and S3 scale on their own):", ""]
    for rps in (1000, 10000, 50000):
        lines.append(f"- {rps} manifest GET/s: {rps * per_get / (cores * 0.7):.2f} nodes of CPU "
                     f"({per_get * 1e6:.0f} µs of CPU each; warm, PostgreSQL is not asked)")
    for gbps in (1, 10):
        need = gbps * 1e9 / GiB * per_gib / (cores * 0.7)
        lines.append(f"- {gbps} GB/s of pulls through the nodes: {need:.2f} nodes of CPU "
                     f"({per_gib:.2f} CPU s per GiB); with --blob-redirect the bytes bypass the nodes")
    return "\n".join(lines)


def report(results, machine):
    names = ["berth embedded", "berth pg+s3", "distribution s3"]
    rows = ["| workload | " + " | ".join(names) + " | pg+s3 vs distribution s3 |", "| --- | ---: | ---: | ---: | ---: |"]

    def row(title, key, field, fmt, lower_is_better=False):
        values = [results[n][key].get(field) for n in names]
        a, b = values[1], values[2]
        vs = (f"{(b / a if lower_is_better else a / b):.2f}x" if a and b else "n/a")
        rows.append(f"| {title} | " + " | ".join(fmt.format(v) if v is not None else "n/a" for v in values) + f" | {vs} |")

    image = f"{4 * LAYER // MiB} MiB image"
    row(f"push {image} (skopeo), MB/s", "push", "mbps", "{:.0f}")
    row(f"pull {image} (skopeo), MB/s", "pull", "mbps", "{:.0f}")
    row("manifest GET, 32 conns, req/s", "manifest_get", "rps", "{:.0f}")
    row("manifest GET p99, ms", "manifest_get", "p99_ms", "{:.2f}", lower_is_better=True)
    row("CPU per GiB pushed, s", "push", "cpu_s_per_gib", "{:.2f}", lower_is_better=True)
    row("CPU per GiB pulled, s", "pull", "cpu_s_per_gib", "{:.2f}", lower_is_better=True)
    row("CPU per 1k manifest GETs, s", "manifest_get", "cpu_s_per_1k", "{:.3f}", lower_is_better=True)
    q = results["berth pg+s3"]["manifest_get"].get("queries_per_get")
    return (f"Machine: {machine}\n\nOne node each; PostgreSQL 15 and Swift s3api on the same machine.\n\n" +
            "\n".join(rows) + f"\n\nPostgreSQL statements per warm manifest GET (Berth pg+s3): {q:.4f}\n\n" +
            projection(results) + "\n")


def main():
    # distribution 2.8's aws-sdk-go panics when it is given a CA bundle (its transport cannot
    # take one); the S3 endpoint here is plain HTTP, so none is needed.
    os.environ.pop("AWS_CA_BUNDLE", None)
    with open(base.POLICY, "w") as f:
        json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)
    with open(f"{WORK}/accept.lua", "w") as f:
        f.write('wrk.headers["Accept"] = "application/vnd.oci.image.manifest.v1+json"\n')
    image = base.make_layout("image-scaleout", LAYER)
    pg, s3 = start_stores()
    results = {}
    try:
        for name, start in (("berth embedded", lambda: start_berth("berth-embedded", [])),
                            ("berth pg+s3", lambda: start_berth("berth-pg-s3", [
                                "--meta", pg, "--config", f"{WORK}/s3/berth.conf",
                                "--blobs", f"s3://{s3['S3_BUCKET']}/berth"])),
                            ("distribution s3", lambda: start_distribution_s3(s3))):
            base.log(f"[{name}]")
            server = start()
            server.name = name
            try:
                bench_node(server, image, results)
            finally:
                server.stop()
    finally:
        stop_stores()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    machine = f"{os.cpu_count()} cores ({cpu}), {time.strftime('%Y-%m-%d', time.gmtime())}"
    table = report(results, machine)
    base.save_results("scaleout", table, results)
    print(table)
    shutil.rmtree(WORK, ignore_errors=True)  # bind-mounted caches stay until the namespace ends


if __name__ == "__main__":
    main()
