#!/usr/bin/env python3
"""make bench-split: Berth's small-request rate and tail beside nginx, each on its own core.

On a 2-core machine a load generator sharing the server's cores measures itself as much as the
server. Here the server runs on one core (taskset -c 1, its every thread: I/O, blocking pool,
audit writer) and bench/loadgen on the other (taskset -c 0), and nginx gets the same core with one
worker serving a 500-byte file. For 32 and 256 connections:
- Berth: manifest GET by tag (audited and pull-timed, as every pull is) and blob HEAD;
- nginx: GET and HEAD of its 500-byte file;
- Berth with --no-audit: what the audit trail costs.
All three servers stay up (idle ones cost nothing) and each round measures every case once, so a
noisy neighbour on a shared VM slows all cases alike instead of one; the table has each case's
median over the rounds. Ratios are Berth over nginx's GET of the file (the issue's yardstick) and
over nginx's HEAD.

Environment: BERTH_BIN (default build/berth), BENCH_LOADGEN, BENCH_SPLIT_ROUNDS (5),
BENCH_QUICK=1 (2 rounds of 3 s).
"""
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the shared helpers: servers, results)

BERTH_BIN = os.environ.get("BERTH_BIN", f"{bench.ROOT}/build/berth")
LOADGEN = os.environ.get("BENCH_LOADGEN", f"{bench.ROOT}/build/bench/berth_loadgen")
SECONDS = 3 if bench.QUICK else 5
ROUNDS = int(os.environ.get("BENCH_SPLIT_ROUNDS", 2 if bench.QUICK else 5))
SERVER_CPU, CLIENT_CPU = "1", "0"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
log = bench.log


def http(host, method, path, body=b"", headers=None):
    status, _, _ = bench.http_request(host, method, path, body, headers or {})
    return status


def seed(host):
    """One image: a config, a 4 KiB layer, a manifest tagged v1. Returns the layer's digest."""
    def blob(data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        status = http(host, "POST", f"/v2/bench/app/blobs/uploads/?digest={digest}", data,
                      {"Content-Type": "application/octet-stream"})
        assert status == 201, status
        return digest, len(data)
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    (config_digest, config_size), (layer_digest, layer_size) = blob(config), blob(os.urandom(4096))
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": config_digest, "size": config_size},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                       "digest": layer_digest, "size": layer_size}]}).encode()
    assert http(host, "PUT", "/v2/bench/app/manifests/v1", manifest, {"Content-Type": OCI_MANIFEST}) == 201
    return layer_digest


def loadgen(host, method, path, connections, *headers):
    out = bench.run(["taskset", "-c", CLIENT_CPU, LOADGEN, host, method, path, "1", str(connections),
                     str(SECONDS), *headers]).stdout
    figures = json.loads(out)
    if figures["failures"]:
        raise RuntimeError(f"{figures['failures']} answers were not 2xx: {method} {path}")
    return figures


def start_berth(name, data, *extra):
    port = bench.free_port()
    return bench.Server(name, ["taskset", "-c", SERVER_CPU, BERTH_BIN, "serve", "--listen", f"127.0.0.1:{port}",
                               "--data", data, "--anonymous", "--log-level", "warn", "--io-threads", "1", *extra], port)


def start_nginx():
    root = f"{bench.WORK}/split-nginx"
    os.makedirs(root, exist_ok=True)
    with open(f"{root}/small.bin", "wb") as f:
        f.write(os.urandom(500))
    nginx, port = bench.start_nginx("split-nginx", root, workers=1, cpu=SERVER_CPU)
    return nginx, f"127.0.0.1:{port}"


def report(r):
    lines = [f"Machine: {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}; the server on CPU {SERVER_CPU} "
             f"(Berth --io-threads 1; nginx 1 worker), bench/loadgen on CPU {CLIENT_CPU}; median of {ROUNDS} "
             f"rounds of {SECONDS} s per case.", "",
             "| | conns | req/s | p50 ms | p99 ms | / nginx GET 500 B | / nginx HEAD 500 B |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    rows = [("Berth manifest GET", "berth_get"), ("Berth blob HEAD", "berth_head"),
            ("Berth manifest GET, --no-audit", "noaudit_get"), ("nginx GET 500 B", "nginx_get"),
            ("nginx HEAD 500 B", "nginx_head")]
    for conns in (32, 256):
        for label, key in rows:
            m = r[f"{key}_c{conns}"]
            lines.append(f"| {label} | {conns} | {m['rps']:.0f} | {m['p50_ms']:.2f} | {m['p99_ms']:.2f} | "
                         f"{m['rps'] / r[f'nginx_get_c{conns}']['rps']:.2f} | "
                         f"{m['rps'] / r[f'nginx_head_c{conns}']['rps']:.2f} |")
    return "\n".join(lines)


def main():
    for tool in ("taskset", "nginx"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            sys.exit(f"bench-split needs {tool} (make bench-deps)")
    if os.cpu_count() < 2:
        sys.exit("bench-split needs two cores")
    berth = start_berth("berth", f"{bench.WORK}/split-berth")
    noaudit = start_berth("noaudit", f"{bench.WORK}/split-noaudit", "--no-audit")
    nginx, nginx_host = start_nginx()
    try:
        layer = seed(berth.host)
        seed(noaudit.host)
        manifest = ("GET", "/v2/bench/app/manifests/v1", f"Accept: {OCI_MANIFEST}")
        cases = {}
        for conns in (32, 256):
            cases[f"berth_get_c{conns}"] = (berth.host, conns, *manifest)
            cases[f"berth_head_c{conns}"] = (berth.host, conns, "HEAD", f"/v2/bench/app/blobs/{layer}")
            cases[f"noaudit_get_c{conns}"] = (noaudit.host, conns, *manifest)
            cases[f"nginx_get_c{conns}"] = (nginx_host, conns, "GET", "/small.bin")
            cases[f"nginx_head_c{conns}"] = (nginx_host, conns, "HEAD", "/small.bin")
        samples = {name: [] for name in cases}
        for round_ in range(ROUNDS):
            log(f"round {round_ + 1} of {ROUNDS}: {len(cases)} cases of {SECONDS} s")
            for name, (host, conns, method, path, *headers) in cases.items():
                samples[name].append(loadgen(host, method, path, conns, *headers))
    finally:
        berth.stop()
        noaudit.stop()
        nginx.terminate()
        nginx.wait()
    results = {name: {key: statistics.median(s[key] for s in runs) for key in ("rps", "p50_ms", "p99_ms")}
               for name, runs in samples.items()}
    text = report(results)
    print(text)
    bench.save_results("split", text, results)


if __name__ == "__main__":
    main()
