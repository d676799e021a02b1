#!/usr/bin/env python3
"""make bench (sixth part): the pull-through cache.

An upstream (distribution on loopback, files on the local disk) holds an image of four gzip
layers (4 x 64 MiB; BENCH_QUICK=1: 4 x 16 MiB), new each round. skopeo pulls it into an OCI
layout on the same disk:

  - directly from the upstream;
  - through Berth's cache, cold (the repository does not exist yet);
  - through distribution's own proxy mode (`proxy.remoteurl`) on the same upstream, cold;
these three in a rotating order each round, so none always finds the upstream's page cache
warm; then
  - through Berth's cache again, warm (the import has landed);
  - a plain pull from Berth of the same image pushed to it.

The issue's bound: a cold pull through the cache is not slower than the direct pull. Medians of
3 rounds (BENCH_QUICK=1: 2), with the ratios.
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
LAYER = (16 if base.QUICK else 64) * MiB
ROUNDS = 2 if base.QUICK else 3


def start_proxy(upstream):
    port = base.free_port()
    config = f"{WORK}/proxy.yml"
    with open(config, "w") as f:
        f.write(f"""version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {WORK}/proxy-data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:{port}
proxy:
  remoteurl: {upstream.url}
""")
    return base.Server("distribution-proxy", ["docker-registry", "serve", config], port)


def timed_pull(host, ref):
    out = f"{WORK}/pulled"
    shutil.rmtree(out, ignore_errors=True)
    t = time.monotonic()
    base.skopeo("copy", "-q", "--src-tls-verify=false", f"docker://{host}/{ref}", f"oci:{out}:x")
    return time.monotonic() - t


def imported(berth, repo):
    status, _, data = base.http_request(berth.host, "POST", "/", json.dumps({"repositoryName": repo}).encode(),
                                        {"X-Amz-Target": "AmazonEC2ContainerRegistry_V20150921.DescribeImages",
                                         "Content-Type": "application/x-amz-json-1.1"})
    return status == 200 and any(d.get("imageTags") for d in json.loads(data).get("imageDetails", []))


def main():
    os.makedirs(WORK, exist_ok=True)
    with open(base.POLICY, "w") as f:
        json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)
    upstream = base.start_distribution("upstream")
    proxy = start_proxy(upstream)
    berth = base.start_berth()
    samples = {k: [] for k in ("direct", "berth_cold", "proxy_cold", "berth_warm", "berth_plain")}
    try:
        status, _, data = base.http_request(
            berth.host, "POST", "/",
            json.dumps({"ecrRepositoryPrefix": "hub", "upstreamRegistryUrl": upstream.url}).encode(),
            {"X-Amz-Target": "AmazonEC2ContainerRegistry_V20150921.CreatePullThroughCacheRule",
             "Content-Type": "application/x-amz-json-1.1"})
        assert status == 200, data
        for r in range(ROUNDS):
            layout = base.make_layout(f"cache-image-{r}", LAYER)
            repo = f"bench/img{r}"
            base.skopeo("copy", "-q", "--dest-tls-verify=false", f"oci:{layout}:img", f"docker://{upstream.host}/{repo}:img")
            base.skopeo("copy", "-q", "--dest-tls-verify=false", f"oci:{layout}:img",
                        f"docker://{berth.host}/plain/img{r}:img")
            cold = [("direct", upstream.host, f"{repo}:img"), ("berth_cold", berth.host, f"hub/{repo}:img"),
                    ("proxy_cold", proxy.host, f"{repo}:img")]
            for name, host, ref in cold[r % 3:] + cold[:r % 3]:
                samples[name].append(timed_pull(host, ref))
            deadline = time.monotonic() + 120
            while not imported(berth, f"hub/{repo}") and time.monotonic() < deadline:
                time.sleep(0.1)
            samples["berth_warm"].append(timed_pull(berth.host, f"hub/{repo}:img"))
            samples["berth_plain"].append(timed_pull(berth.host, f"plain/img{r}:img"))
            base.log(f"[cache] round {r}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in samples.items()))
            shutil.rmtree(layout, ignore_errors=True)
        size = 4 * LAYER
    finally:
        for s in (berth, proxy, upstream):
            s.stop()
    med = {k: statistics.median(v) for k, v in samples.items()}
    results = {"image_bytes": size, "rounds": ROUNDS, **{f"{k}_s": v for k, v in med.items()}}
    mb = size / 1e6
    rows = [("direct from the upstream (distribution)", "direct", "direct"),
            ("through Berth's cache, cold", "berth_cold", "direct"),
            ("through distribution's proxy, cold", "proxy_cold", "direct"),
            ("through Berth's cache, warm", "berth_warm", "berth_plain"),
            ("plain pull from Berth", "berth_plain", "berth_plain")]
    lines = ["# Pull-through cache", "",
             f"skopeo pulls of a {mb:.0f} MB image (4 gzip layers) into an OCI layout, loopback, median of {ROUNDS} "
             "rounds; a new image each round.", "",
             "| pull | seconds | MB/s | vs |", "| --- | --- | --- | --- |"]
    for label, key, against in rows:
        lines.append(f"| {label} | {med[key]:.2f} | {mb / med[key]:.0f} | "
                     f"{med[key] / med[against]:.2f}x the {against.replace('_', ' ')} pull's time |")
    lines += ["", f"Cold through Berth beside cold through distribution's proxy: "
              f"{med['proxy_cold'] / med['berth_cold']:.2f}x faster.", ""]
    text = "\n".join(lines)
    base.save_results("cache", text, results)
    print(text)


if __name__ == "__main__":
    main()
