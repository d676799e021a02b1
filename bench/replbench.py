#!/usr/bin/env python3
"""make bench (seventh part): replication between two registries.

Two Berths on loopback (embedded default: SQLite and files on the local disk), the source
replicating the prefix prod/ to the peer. Each round a new image of four gzip layers
(4 x 256 MiB = 1 GiB; BENCH_QUICK=1: 4 x 32 MiB) is

  - pushed to the source under prod/ with skopeo: timed from the push acknowledged (skopeo
    returned) to the image pullable at the peer (its manifest answers 200);
  - and another of the same size, pushed under other/ (no rule), copied from the source to the
    peer with `skopeo copy` (an empty blob-info cache, so every blob is sent): timed whole.

The two in alternating order, never at once. Then the delay for a small image (one 4 KiB
layer), push acknowledged to pullable at the peer, the median of 10. Medians of 3 rounds
(BENCH_QUICK=1: 2), with the ratio.
"""
import json
import os
import shutil
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as base  # noqa: E402

ROOT, WORK, MiB = base.ROOT, base.WORK, base.MiB
LAYER = (32 if base.QUICK else 256) * MiB
ROUNDS = 2 if base.QUICK else 3
PEER = "us-west-2/222222222222"


def start(name, extra):
    port = base.free_port()
    return base.Server(name, [f"{ROOT}/build/berth", "serve", "--listen", f"127.0.0.1:{port}", "--data",
                              f"{WORK}/{name}-data", "--anonymous", "--log-level", "warn", *extra], port)


def ecr(server, op, body):
    status, _, data = base.http_request(server.host, "POST", "/", json.dumps(body).encode(),
                                        {"X-Amz-Target": f"AmazonEC2ContainerRegistry_V20150921.{op}",
                                         "Content-Type": "application/x-amz-json-1.1"})
    assert status == 200, data
    return json.loads(data)


def pullable(server, repo, tag):
    status, _, _ = base.http_request(server.host, "HEAD", f"/v2/{repo}/manifests/{tag}",
                                     headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    return status == 200


def push(layout, host, ref):
    base.fresh_blob_info_cache()
    base.skopeo("copy", "-q", "--dest-tls-verify=false", f"oci:{layout}:img", f"docker://{host}/{ref}")


def replicated(source, peer, layout, repo):
    """Seconds from the push acknowledged to the image pullable at the peer, and the source's CPU
    seconds meanwhile (replication starts when the push is acknowledged)."""
    push(layout, source.host, f"{repo}:img")
    acked, cpu0 = time.monotonic(), source.cpu_seconds()
    deadline = acked + 600
    while not pullable(peer, repo, "img"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{repo} never reached the peer")
        time.sleep(0.005)
    return time.monotonic() - acked, source.cpu_seconds() - cpu0


def copied(source, peer, layout, repo):
    push(layout, source.host, f"{repo}:img")
    base.fresh_blob_info_cache()
    t = time.monotonic()
    base.skopeo("copy", "-q", "--src-tls-verify=false", "--dest-tls-verify=false", f"docker://{source.host}/{repo}:img",
                f"docker://{peer.host}/{repo}:img")
    return time.monotonic() - t


def main():
    os.makedirs(WORK, exist_ok=True)
    with open(base.POLICY, "w") as f:
        json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)
    peer = start("peer", ["--account-id", "222222222222", "--region", "us-west-2"])
    source = start("source", ["--account-id", "111111111111", "--peer", f"{PEER}=http://{peer.host}"])
    samples = {"replication": [], "skopeo": [], "small_ms": []}
    cpu = 0.0
    try:
        region, account = PEER.split("/")
        ecr(source, "PutReplicationConfiguration", {"replicationConfiguration": {"rules": [
            {"destinations": [{"region": region, "registryId": account}],
             "repositoryFilters": [{"filter": "prod", "filterType": "PREFIX_MATCH"}]}]}})
        for r in range(ROUNDS):
            big = base.make_layout(f"repl-{r}", LAYER)
            other = base.make_layout(f"copy-{r}", LAYER)
            order = [("replication", big, f"prod/img{r}"), ("skopeo", other, f"other/img{r}")]
            for name, layout, repo in (order if r % 2 == 0 else order[::-1]):
                if name == "replication":
                    seconds, used = replicated(source, peer, layout, repo)
                    samples[name].append(seconds)
                    cpu += used
                else:
                    samples[name].append(copied(source, peer, layout, repo))
            shutil.rmtree(big, ignore_errors=True)
            shutil.rmtree(other, ignore_errors=True)
            base.log(f"[replication] round {r}: replication {samples['replication'][-1]:.2f}s, "
                     f"skopeo copy {samples['skopeo'][-1]:.2f}s")
        small = f"{WORK}/small"
        base.run([sys.executable, f"{ROOT}/tests/e2e/make_oci_layout.py", small, "img", "--layers", "4096"])
        for i in range(10):
            samples["small_ms"].append(replicated(source, peer, small, f"prod/small{i}")[0] * 1000)
    finally:
        source.stop()
        peer.stop()
        for d in ("source-data", "peer-data"):
            shutil.rmtree(f"{WORK}/{d}", ignore_errors=True)
    med = {k: statistics.median(v) for k, v in samples.items()}
    gb = 4 * LAYER / 1e9
    results = {"image_bytes": 4 * LAYER, "rounds": ROUNDS, **{f"{k}_median": v for k, v in med.items()},
               "samples": samples, "source_cpu_s_per_gib": cpu / ROUNDS / (4 * LAYER / 2**30)}
    lines = ["# Replication", "",
             f"A {gb:.2f} GB image (4 gzip layers) from one Berth to another on loopback, median of {ROUNDS} rounds; "
             "a new image each round.", "",
             "| transfer | seconds | MB/s | vs skopeo copy |", "| --- | --- | --- | --- |",
             f"| Berth replication, push acknowledged to pullable at the peer | {med['replication']:.2f} | "
             f"{gb * 1000 / med['replication']:.0f} | {med['skopeo'] / med['replication']:.2f}x faster |",
             f"| `skopeo copy` between the same two registries | {med['skopeo']:.2f} | {gb * 1000 / med['skopeo']:.0f} | 1.00x |",
             "",
             f"A small image (one 4 KiB layer): pullable at the peer {med['small_ms']:.0f} ms after its push was "
             "acknowledged (median of 10).", "",
             f"The source's CPU from the push acknowledged to the image at the peer: "
             f"{results['source_cpu_s_per_gib']:.2f} s per GiB sent.", ""]
    text = "\n".join(lines)
    base.save_results("replication", text, results)
    print(text)


if __name__ == "__main__":
    main()
