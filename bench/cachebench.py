#!/usr/bin/env python3
"""make bench (sixth part): the pull-through cache.

An upstream (distribution on loopback, files on the local disk) holds an image of four gzip
layers (4 x 64 MiB; BENCH_QUICK=1: 4 x 16 MiB), new each round. skopeo pulls it into an OCI
layout on the same disk:

  - directly from the upstream;
  - through Berth's cache, cold (the repository does not exist yet);
  - through distribution's own proxy mode (`proxy.remoteurl`) on the same upstream, cold;
these three in a rotating order each round, so none always finds the upstream's page cache
warm; then, after an untimed pull that reads their shared blob files into the page cache, in
the order A B B A and each the mean of its two,
  - through Berth's cache again, warm (the import has landed);
  - a plain pull from Berth of the same image pushed to it.

The issue's bound: a cold pull through the cache is not slower than the direct pull. Medians of
3 rounds (BENCH_QUICK=1: 2), with the ratios, twice:

  - with the upstream on loopback: every process shares the two cores, so the cache's own work
    (hashing and storing what it relays) shows in full;
  - with the upstream across a 1 Gbit/s link (a network namespace joined by a veth pair shaped
    with tc), the way an upstream registry is reached in practice. Skipped without root or
    iproute2.
"""
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as base  # noqa: E402

ROOT, WORK, MiB = base.ROOT, base.WORK, base.MiB
LAYER = (16 if base.QUICK else 64) * MiB
ROUNDS = 2 if base.QUICK else 3


NETNS = "berth-bench-upstream"
HOST_IP, UPSTREAM_IP = "10.213.0.1", "10.213.0.2"


@contextlib.contextmanager
def shaped_link(rate="1gbit"):
    """A network namespace for the upstream, joined to this one by a veth pair shaped to `rate`
    each way. Yields the command prefix that runs a process inside it."""
    def ip(*args, check=True):
        subprocess.run(["ip", *args], check=check, capture_output=True)
    ip("netns", "del", NETNS, check=False)
    ip("link", "del", "bbu-host", check=False)
    try:
        ip("netns", "add", NETNS)
        ip("link", "add", "bbu-host", "type", "veth", "peer", "name", "bbu-up")
        ip("link", "set", "bbu-up", "netns", NETNS)
        ip("addr", "add", f"{HOST_IP}/24", "dev", "bbu-host")
        ip("link", "set", "bbu-host", "up")
        ip("netns", "exec", NETNS, "ip", "addr", "add", f"{UPSTREAM_IP}/24", "dev", "bbu-up")
        ip("netns", "exec", NETNS, "ip", "link", "set", "bbu-up", "up")
        ip("netns", "exec", NETNS, "ip", "link", "set", "lo", "up")
        for ns, dev in ((None, "bbu-host"), (NETNS, "bbu-up")):
            prefix = ["ip", "netns", "exec", ns] if ns else []
            subprocess.run(prefix + ["tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", rate, "burst", "256kb",
                                     "latency", "50ms"], check=True, capture_output=True)
        yield ["ip", "netns", "exec", NETNS]
    finally:
        ip("link", "del", "bbu-host", check=False)
        ip("netns", "del", NETNS, check=False)


def start_upstream(netns_prefix):
    if not netns_prefix:
        return base.start_distribution("upstream")
    return base.start_distribution("upstream-net", address=UPSTREAM_IP, prefix=netns_prefix)


def start_proxy(upstream):
    return base.start_distribution("distribution-proxy", extra=f"proxy:\n  remoteurl: {upstream.url}\n")


def timed_pull(host, ref):
    out = f"{WORK}/pulled"
    shutil.rmtree(out, ignore_errors=True)
    os.sync()  # what earlier pulls wrote is not flushed during this one
    t = time.monotonic()
    base.skopeo("copy", "-q", "--src-tls-verify=false", f"docker://{host}/{ref}", f"oci:{out}:x")
    return time.monotonic() - t


def imported(berth, repo):
    status, _, data = base.http_request(berth.host, "POST", "/", json.dumps({"repositoryName": repo}).encode(),
                                        {"X-Amz-Target": "AmazonEC2ContainerRegistry_V20150921.DescribeImages",
                                         "Content-Type": "application/x-amz-json-1.1"})
    return status == 200 and any(d.get("imageTags") for d in json.loads(data).get("imageDetails", []))


def measure(netns_prefix, label):
    upstream = start_upstream(netns_prefix)
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
            # The plain image is the same bytes, so the two share their blob files: one untimed
            # pull first, so that neither pays for reading them from the disk into the page cache.
            # Then the order A B B A, each the mean of its two.
            timed_pull(berth.host, f"plain/img{r}:img")
            warm = {"berth_warm": [], "berth_plain": []}
            refs = {"berth_warm": f"hub/{repo}:img", "berth_plain": f"plain/img{r}:img"}
            for name in ("berth_warm", "berth_plain", "berth_plain", "berth_warm"):
                warm[name].append(timed_pull(berth.host, refs[name]))
            for name, times in warm.items():
                samples[name].append(statistics.mean(times))
            base.log(f"[cache] {label} round {r}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in samples.items()))
            shutil.rmtree(layout, ignore_errors=True)
        berth_cpu = berth.cpu_seconds()
    finally:
        for s in (berth, proxy, upstream):
            s.stop()
        for d in ("berth-data", "distribution-proxy-data", "upstream-data", "upstream-net-data"):
            shutil.rmtree(f"{WORK}/{d}", ignore_errors=True)
    med = {k: statistics.median(v) for k, v in samples.items()}
    return med, berth_cpu


def table(med, label):
    mb = 4 * LAYER / 1e6
    rows = [("direct from the upstream (distribution)", "direct", "direct"),
            ("through Berth's cache, cold", "berth_cold", "direct"),
            ("through distribution's proxy, cold", "proxy_cold", "direct"),
            ("through Berth's cache, warm", "berth_warm", "berth_plain"),
            ("plain pull from Berth", "berth_plain", "berth_plain")]
    lines = [f"## {label}", "", "| pull | seconds | MB/s | vs |", "| --- | --- | --- | --- |"]
    for name, key, against in rows:
        lines.append(f"| {name} | {med[key]:.2f} | {mb / med[key]:.0f} | "
                     f"{med[key] / med[against]:.2f}x the {against.replace('_', ' ')} pull's time |")
    lines += ["", f"Cold through Berth beside cold through distribution's proxy: "
              f"{med['proxy_cold'] / med['berth_cold']:.2f}x faster.", ""]
    return lines


def main():
    os.makedirs(WORK, exist_ok=True)
    with open(base.POLICY, "w") as f:
        json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)
    results = {"image_bytes": 4 * LAYER, "rounds": ROUNDS}
    lines = ["# Pull-through cache", "",
             f"skopeo pulls of a {4 * LAYER / 1e6:.0f} MB image (4 gzip layers) into an OCI layout, median of {ROUNDS} "
             "rounds; a new image each round.", ""]
    med, cpu = measure(None, "loopback")
    results["loopback"] = {**{f"{k}_s": v for k, v in med.items()}, "berth_cpu_s": cpu}
    lines += table(med, "Upstream on loopback (all processes share the cores)")
    if os.geteuid() == 0 and shutil.which("ip") and shutil.which("tc"):
        try:
            with shaped_link() as prefix:
                med, cpu = measure(prefix, "1 Gbit/s")
            results["link_1gbit"] = {**{f"{k}_s": v for k, v in med.items()}, "berth_cpu_s": cpu}
            lines += table(med, "Upstream across a 1 Gbit/s link")
        except (subprocess.CalledProcessError, RuntimeError) as e:
            base.log(f"[cache] no shaped link: {e}")
    text = "\n".join(lines)
    base.save_results("cache", text, results)
    print(text)


if __name__ == "__main__":
    main()
