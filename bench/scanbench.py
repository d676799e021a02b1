#!/usr/bin/env python3
"""make bench (fifth part): image scanning.

  - Scan speed: the CPU time of `berth sbom --layout` over the Debian minbase image in
    ../shared/testdata (one 51 MB gzip layer: the layer read through libarchive, the dpkg
    database parsed, the inventory built and printed as CycloneDX) beside the CPU time of
    merely decompressing that layer (`gzip -dc > /dev/null`), the physical limit of reading it.
    The issue's bound: at most 1.5x. (Berth comes in under 1x: libarchive inflates with zlib,
    which is faster than GNU gzip's own inflate, and the scan skips the bytes of every file it
    does not read, never copying them out.) No other scanner (Trivy, Grype, Clair) is installable here;
    this is the floor any of them would be compared against.
  - Push throughput with scan on push: the same images pushed (4 clients, unique 8 MiB gzip
    layers holding a dpkg database) into repositories that scan on push and into ones that do
    not, alternately; the issue's bound: within 10%. Then how long the last scan took to finish.
  - Matching 1,000 packages against 100,000 advisories is BM_MatchInventory in
    bench/micro (make bench-micro).

BENCH_QUICK=1 pushes fewer images.
"""
import concurrent.futures
import gzip
import hashlib
import io
import json
import os
import resource
import subprocess
import sys
import tarfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as base  # noqa: E402

ROOT, WORK = base.ROOT, base.WORK
LAYOUT = os.path.join(os.path.dirname(ROOT), "shared", "testdata", "debian-bookworm-minbase")
IMAGES = 12 if base.QUICK else 32
ROUNDS = 2 if base.QUICK else 3
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DPKG = "".join(f"Package: pkg{i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.{i}-1\n\n"
               for i in range(300))


def child_cpu(cmd, stdout=subprocess.DEVNULL, stdin=None):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    subprocess.run(cmd, check=True, stdout=stdout, stdin=stdin)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), time.monotonic() - t


def scan_speed(results):
    if not os.path.isdir(LAYOUT):
        base.log(f"[scan] {LAYOUT} is missing: scan speed not measured")
        return
    index = json.load(open(f"{LAYOUT}/index.json"))
    manifest = json.load(open(f"{LAYOUT}/blobs/sha256/" + index["manifests"][0]["digest"].split(":")[1]))
    layer = f"{LAYOUT}/blobs/sha256/" + manifest["layers"][0]["digest"].split(":")[1]
    berth, gz = [], []
    for _ in range(5):
        berth.append(child_cpu([f"{ROOT}/build/berth", "sbom", "--layout", LAYOUT]))
        with open(layer, "rb") as f:
            gz.append(child_cpu(["gzip", "-dc"], stdin=f))
    results["scan_layer_bytes"] = os.path.getsize(layer)
    results["scan_berth_cpu_s"] = min(c for c, _ in berth)
    results["scan_berth_wall_s"] = min(w for _, w in berth)
    results["scan_gzip_cpu_s"] = min(c for c, _ in gz)
    out = subprocess.run([f"{ROOT}/build/berth", "sbom", "--layout", LAYOUT], check=True, capture_output=True).stdout
    results["scan_packages"] = sum(1 for c in json.loads(out)["components"] if c["type"] == "library")
    base.log(f"[scan] berth sbom: {results['scan_berth_cpu_s']:.3f}s CPU; gzip -dc: {results['scan_gzip_cpu_s']:.3f}s CPU")


def image(i):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in [("etc/os-release", b'ID=debian\nVERSION_ID="12"\n'), ("var/lib/dpkg/status", DPKG.encode()),
                           (f"data/{i}.bin", os.urandom(8 << 20))]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    layer = gzip.compress(raw.getvalue(), compresslevel=1)
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()]}}).encode()
    return layer, config


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def push(host, repo, layer, config):
    for blob in (layer, config):
        status, hdrs, _ = base.http_request(host, "POST", f"/v2/{repo}/blobs/uploads/")
        assert status == 202, status
        location = hdrs.get("Location") or hdrs.get("location")
        sep = "&" if "?" in location else "?"
        status, _, _ = base.http_request(host, "PUT", f"{location}{sep}digest={sha(blob)}", blob,
                                         {"Content-Type": "application/octet-stream"})
        assert status == 201, status
    manifest = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST,
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config),
                                      "size": len(config)},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha(layer),
                                       "size": len(layer)}]}).encode()
    status, _, _ = base.http_request(host, "PUT", f"/v2/{repo}/manifests/latest", manifest, {"Content-Type": MANIFEST})
    assert status == 201, status


def ecr(host, op, body):
    status, _, data = base.http_request(host, "POST", "/", json.dumps(body).encode(),
                                        {"X-Amz-Target": f"AmazonEC2ContainerRegistry_V20150921.{op}",
                                         "Content-Type": "application/x-amz-json-1.1"})
    assert status == 200, (op, status, data)
    return json.loads(data)


def metric(host, name):
    _, _, data = base.http_request(host, "GET", "/metrics")
    for line in data.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def push_throughput(results):
    port = base.free_port()
    server = base.Server("berth-scan", [f"{ROOT}/build/berth", "serve", "--listen", f"127.0.0.1:{port}", "--data",
                                        f"{WORK}/scan-berth", "--anonymous", "--log-level", "warn", "--no-audit"],
                         port, health="/healthz")
    try:
        ecr(server.host, "PutRegistryScanningConfiguration",
            {"scanType": "BASIC", "rules": [{"scanFrequency": "SCAN_ON_PUSH",
                                             "repositoryFilters": [{"filter": "scanned-*", "filterType": "WILDCARD"}]}]})
        images = [image(i) for i in range(IMAGES * ROUNDS * 2)]
        seconds = {"off": [], "on": []}
        n = 0
        for r in range(ROUNDS):
            for mode in ("off", "on"):
                batch = images[n:n + IMAGES]
                n += IMAGES
                prefix = "scanned" if mode == "on" else "plain"
                t = time.monotonic()
                with concurrent.futures.ThreadPoolExecutor(4) as pool:
                    list(pool.map(lambda a: push(server.host, f"{prefix}-{r}/img{a[0]}", *a[1]), enumerate(batch)))
                seconds[mode].append(time.monotonic() - t)
        t = time.monotonic()
        while metric(server.host, "berth_scans_completed_total") < IMAGES * ROUNDS and time.monotonic() - t < 300:
            time.sleep(0.2)
        results["scan_backlog_s"] = time.monotonic() - t
        results["scans_completed"] = metric(server.host, "berth_scans_completed_total")
        mib = IMAGES * len(images[0][0]) / (1 << 20)
        results["push_images"] = IMAGES
        results["push_off_mib_s"] = mib / sorted(seconds["off"])[len(seconds["off"]) // 2]
        results["push_on_mib_s"] = mib / sorted(seconds["on"])[len(seconds["on"]) // 2]
        base.log(f"[scan] pushes: {results['push_off_mib_s']:.0f} MiB/s without scan on push, "
                 f"{results['push_on_mib_s']:.0f} MiB/s with")
    finally:
        server.stop()


def report(r):
    lines = ["# Image scanning", ""]
    if "scan_berth_cpu_s" in r:
        ratio = r["scan_berth_cpu_s"] / r["scan_gzip_cpu_s"]
        lines += ["## Scan speed: the Debian minbase image (one gzip layer)", "",
                  "| | CPU s | |", "| --- | --- | --- |",
                  f"| `berth sbom --layout` ({r['scan_packages']} packages found) | {r['scan_berth_cpu_s']:.3f} | "
                  f"{ratio:.2f}x gzip (bound: 1.5x) |",
                  f"| `gzip -dc > /dev/null` ({r['scan_layer_bytes'] / 1e6:.1f} MB) | {r['scan_gzip_cpu_s']:.3f} | 1.00x |",
                  ""]
    if "push_off_mib_s" in r:
        ratio = r["push_on_mib_s"] / r["push_off_mib_s"]
        lines += ["## Push throughput with scan on push", "",
                  f"{r['push_images']} images of one 8 MiB gzip layer, 4 clients, median of {ROUNDS} rounds each:", "",
                  "| | MiB/s | |", "| --- | --- | --- |",
                  f"| without scan on push | {r['push_off_mib_s']:.0f} | 1.00x |",
                  f"| with scan on push | {r['push_on_mib_s']:.0f} | {ratio:.2f}x (bound: within 10%) |", "",
                  f"After the last push, the scans finished within {r['scan_backlog_s']:.1f} s "
                  f"({r['scans_completed']:.0f} completed).", ""]
    lines += ["Matching 1,000 packages against 100,000 advisories: `BM_MatchInventory` in `make bench-micro`.", ""]
    return "\n".join(lines)


def main():
    os.makedirs(WORK, exist_ok=True)
    results = {}
    scan_speed(results)
    push_throughput(results)
    text = report(results)
    base.save_results("scan", text, results)
    print(text)


if __name__ == "__main__":
    main()
