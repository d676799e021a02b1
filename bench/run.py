#!/usr/bin/env python3
"""make bench: the same workloads against Berth and CNCF distribution 2.8.2, side by side.

Starts both registries on loopback (filesystem storage, deletes on, no auth and no access log on
either, so the comparison is of the registries themselves), measures the machine's limits in the
same run, and prints a table of figures with the ratios Berth/distribution and Berth/limit.
Results go to bench/results/<UTC timestamp>.{md,json}.

Run as root inside `unshare -m` (the Makefile does this) so the clients' blob-info cache can be
replaced by an empty directory and every push really uploads.

Environment: BENCH_QUICK=1 shrinks sizes and durations for a smoke run.
"""
import concurrent.futures
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK = os.environ.get("BENCH_QUICK") == "1"
MiB = 1 << 20
GiB = 1 << 30
RUNS = 3
WRK_SECONDS = 2 if QUICK else 4
IMAGE_LAYER = (16 if QUICK else 256) * MiB      # 4 layers: the 1 GiB image
RAW_BLOB = (32 if QUICK else 256) * MiB
SMALL_IMAGE_LAYER = (4 if QUICK else 16) * MiB  # 4 layers: the 64 MiB image
TAGS = 1000 if QUICK else 10000
WORK = tempfile.mkdtemp(prefix="berth-bench-", dir=os.environ.get("BENCH_TMP", "/var/tmp"))


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def save_results(kind, text, results=None):
    """bench/results/<UTC stamp>[-kind].md (and .json of the raw figures when given)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + (f"-{kind}" if kind else "")
    os.makedirs(f"{ROOT}/bench/results", exist_ok=True)
    with open(f"{ROOT}/bench/results/{stamp}.md", "w") as f:
        f.write(text)
    if results is not None:
        with open(f"{ROOT}/bench/results/{stamp}.json", "w") as f:
            json.dump(results, f, indent=2)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


class Server:
    """A registry process we can measure: CPU from /proc/PID/stat, peak RSS from VmHWM."""

    def __init__(self, name, cmd, port, health="/v2/", address="127.0.0.1"):
        self.name, self.port = name, port
        self.host = f"{address}:{port}"
        self.url = f"http://{self.host}"
        started = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(f"{WORK}/{name}.log", "w"))
        while True:
            try:
                with urllib.request.urlopen(self.url + health, timeout=1) as r:
                    if r.status == 200:
                        break
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{name} exited; see {WORK}/{name}.log")
                time.sleep(0.002)
        self.startup_ms = (time.monotonic() - started) * 1000
        time.sleep(1)
        self.idle_rss_kb = self.status("VmRSS")

    def status(self, field):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def reset_peak(self):
        with open(f"/proc/{self.proc.pid}/clear_refs", "w") as f:
            f.write("5")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_berth():
    port = free_port()
    data = f"{WORK}/berth-data"
    return Server("berth", [f"{ROOT}/build/berth", "serve", "--listen", f"127.0.0.1:{port}",
                            "--data", data, "--anonymous", "--log-level", "warn"], port)


def start_distribution(name="distribution", driver=None, address="127.0.0.1", extra="", prefix=()):
    """distribution with deletes on and no access log; `driver` is the storage driver's YAML
    (indented under storage:), files under WORK by default; `extra` more top-level YAML (a
    proxy: section); `prefix` a command it runs under (ip netns exec ...)."""
    port = free_port()
    config = f"{WORK}/{name}.yml"
    driver = driver or f"  filesystem:\n    rootdirectory: {WORK}/{name}-data\n"
    with open(config, "w") as f:
        f.write(f"""version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
{driver}  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: {address}:{port}
{extra}""")
    return Server(name, [*prefix, "docker-registry", "serve", config], port, address=address)


# ---------------------------------------------------------------------------------------------
# Clients


POLICY = f"{WORK}/policy.json"


def fresh_blob_info_cache():
    """An empty blob-info cache, so skopeo uploads every blob instead of mounting it from a
    repository it pushed to before. Needs the mount namespace bench.sh sets up."""
    if os.environ.get("BERTH_BENCH_ISOLATED") != "1":
        return
    cache = tempfile.mkdtemp(prefix="blob-info-cache-", dir=WORK)
    run(["mount", "--bind", cache, "/var/lib/containers/cache"])


def skopeo(*args):
    return run(["skopeo", "--policy", POLICY, *args])


def http_request(host, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(host, timeout=120)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    hdrs = dict(resp.getheaders())
    conn.close()
    return resp.status, hdrs, data


def wrk(url, connections, script=None):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{WRK_SECONDS}s", "--latency", url]
    if script:
        cmd[1:1] = ["-s", script]
    out = run(cmd).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
        lat[pct] = float(m.group(1)) * scale
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} errors on {url}")
    return {"rps": rps, "p50_ms": lat["50"], "p99_ms": lat["99"]}


def hey_head(url, connections):
    out = run(["hey", "-z", f"{WRK_SECONDS}s", "-c", str(connections), "-m", "HEAD", url]).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = float(re.search(r"99% in ([\d.]+) secs", out).group(1)) * 1000
    codes = re.findall(r"\[(\d+)\]\s+\d+ responses", out.split("Status code distribution:")[-1])
    if codes != ["200"]:
        raise RuntimeError(f"hey saw non-200 responses on {url}:\n{out}")
    return {"rps": rps, "p99_ms": p99}


def median_of(samples, key):
    return statistics.median(s[key] for s in samples)


# ---------------------------------------------------------------------------------------------
# Fixtures


def make_layout(name, layer_size):
    path = f"{WORK}/{name}"
    run([sys.executable, f"{ROOT}/tests/e2e/make_oci_layout.py", path, "img",
         "--layers", ",".join([str(layer_size)] * 4)])  # gzip: skopeo pushes it as is
    return path


def layout_bytes(path):
    return sum(os.path.getsize(os.path.join(path, "blobs", "sha256", f))
               for f in os.listdir(os.path.join(path, "blobs", "sha256")))


def push_blob(host, repo, path):
    """POST, then a monolithic PUT ?digest= with the whole body, as both registries accept."""
    digest = "sha256:" + hashlib.sha256(open(path, "rb").read()).hexdigest()
    status, hdrs, _ = http_request(host, "POST", f"/v2/{repo}/blobs/uploads/")
    location = hdrs["Location"]
    if location.startswith("http"):
        location = "/" + location.split("/", 3)[3]
    sep = "&" if "?" in location else "?"
    start = time.monotonic()
    out = run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "-T", path,
               "-H", "Content-Type: application/octet-stream",
               f"http://{host}{location}{sep}digest={digest}"]).stdout
    seconds = time.monotonic() - start
    if out != "201":
        raise RuntimeError(f"blob PUT got {out}")
    return digest, seconds


def start_nginx(name, root, workers, cpu=None):
    """nginx serving the files under `root` on a free loopback port (sendfile, keep-alive, no
    access log), on CPU `cpu` alone when given (taskset). Returns the process and the port once
    it accepts connections."""
    port = free_port()
    conf = f"{WORK}/{name}.conf"
    temp = " ".join(f"{kind}_temp_path {WORK}/{name}-{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    with open(conf, "w") as f:
        f.write(f"""daemon off; user root; worker_processes {workers}; pid {WORK}/{name}.pid; error_log {WORK}/{name}-error.log;
events {{ worker_connections 4096; }}
http {{ access_log off; sendfile on; tcp_nopush on; keepalive_requests 10000000; {temp}
  server {{ listen 127.0.0.1:{port}; root {root}; }} }}
""")
    cmd = ["nginx", "-c", conf, "-e", f"{WORK}/{name}-error.log"]
    proc = subprocess.Popen((["taskset", "-c", cpu] if cpu else []) + cmd, stderr=subprocess.DEVNULL)
    for _ in range(500):
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited; see {WORK}/{name}-error.log")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.01)
    proc.terminate()
    raise RuntimeError(f"nginx did not listen on {port}")


# ---------------------------------------------------------------------------------------------
# Phases


class Phase:
    """Measures a server's CPU and peak RSS across one phase."""

    def __init__(self, server):
        self.server = server

    def __enter__(self):
        self.server.reset_peak()
        self.cpu0 = self.server.cpu_seconds()
        return self

    def __exit__(self, *exc):
        self.cpu = self.server.cpu_seconds() - self.cpu0
        self.peak_kb = self.server.status("VmHWM")


def bench_registry(server, big, small, results):
    r = results.setdefault(server.name, {})
    r["startup_ms"] = server.startup_ms
    r["idle_rss_mb"] = server.idle_rss_kb / 1024
    big_bytes, small_bytes = layout_bytes(big), layout_bytes(small)

    log(f"[{server.name}] push 1 GiB image with skopeo x{RUNS}")
    with Phase(server) as ph:
        speeds = []
        for i in range(RUNS):
            fresh_blob_info_cache()
            t = time.monotonic()
            skopeo("copy", "-q", "--dest-tls-verify=false", f"oci:{big}:img",
                   f"docker://{server.host}/push/run{i}:img")
            speeds.append(big_bytes / MiB / (time.monotonic() - t))
    r["push"] = {"mbps": statistics.median(speeds), "cpu_s_per_gib": ph.cpu / (RUNS * big_bytes / GiB),
                 "peak_rss_mb": ph.peak_kb / 1024}

    log(f"[{server.name}] pull 1 GiB image with skopeo x{RUNS}")
    with Phase(server) as ph:
        speeds = []
        for i in range(RUNS):
            dest = f"{WORK}/pull-{server.name}-{i}"
            t = time.monotonic()
            skopeo("copy", "-q", "--src-tls-verify=false", f"docker://{server.host}/push/run0:img", f"dir:{dest}")
            speeds.append(big_bytes / MiB / (time.monotonic() - t))
            shutil.rmtree(dest)
    r["pull"] = {"mbps": statistics.median(speeds), "cpu_s_per_gib": ph.cpu / (RUNS * big_bytes / GiB),
                 "peak_rss_mb": ph.peak_kb / 1024}

    log(f"[{server.name}] raw blob PUT and GET of {RAW_BLOB // MiB} MiB x{RUNS}")
    raw = f"{WORK}/raw.bin"
    with Phase(server) as ph:
        speeds = []
        for i in range(RUNS):
            digest, seconds = push_blob(server.host, f"raw/run{i}", raw)
            speeds.append(RAW_BLOB / MiB / seconds)
    r["raw_put"] = {"mbps": statistics.median(speeds), "cpu_s_per_gib": ph.cpu / (RUNS * RAW_BLOB / GiB),
                    "peak_rss_mb": ph.peak_kb / 1024}
    with Phase(server) as ph:
        speeds = []
        for i in range(RUNS):
            t = time.monotonic()
            out = run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                       f"{server.url}/v2/raw/run0/blobs/{digest}"]).stdout
            speeds.append(RAW_BLOB / MiB / (time.monotonic() - t))
            assert out == "200", out
    r["raw_get"] = {"mbps": statistics.median(speeds), "cpu_s_per_gib": ph.cpu / (RUNS * RAW_BLOB / GiB),
                    "peak_rss_mb": ph.peak_kb / 1024}

    manifest_url = f"{server.url}/v2/push/run0/manifests/img"
    accept = f"{WORK}/accept.lua"
    for conns in (32, 256):
        log(f"[{server.name}] manifest GET, {conns} connections x{RUNS}")
        with Phase(server) as ph:
            samples = [wrk(manifest_url, conns, accept) for _ in range(RUNS)]
        total = sum(s["rps"] for s in samples) * WRK_SECONDS
        r[f"manifest_get_c{conns}"] = {"rps": median_of(samples, "rps"), "p50_ms": median_of(samples, "p50_ms"),
                                       "p99_ms": median_of(samples, "p99_ms"),
                                       "cpu_s_per_1k": ph.cpu / total * 1000, "peak_rss_mb": ph.peak_kb / 1024}

    log(f"[{server.name}] blob HEAD, 32 connections x{RUNS}")
    layer_digest = json.load(open(f"{big}/blobs/sha256/" + json.load(open(f"{big}/index.json"))["manifests"][0]["digest"][7:]))["layers"][0]["digest"]
    with Phase(server) as ph:
        samples = [hey_head(f"{server.url}/v2/push/run0/blobs/{layer_digest}", 32) for _ in range(RUNS)]
    total = sum(s["rps"] for s in samples) * WRK_SECONDS
    r["blob_head"] = {"rps": median_of(samples, "rps"), "p99_ms": median_of(samples, "p99_ms"),
                      "cpu_s_per_1k": ph.cpu / total * 1000, "peak_rss_mb": ph.peak_kb / 1024}

    log(f"[{server.name}] tagging {TAGS} tags")
    manifest = open(f"{big}/blobs/sha256/" + json.load(open(f"{big}/index.json"))["manifests"][0]["digest"][7:], "rb").read()
    mount_config = json.loads(manifest)
    for desc in [mount_config["config"]] + mount_config["layers"]:
        http_request(server.host, "POST", f"/v2/tags/many/blobs/uploads/?mount={desc['digest']}&from=push/run0")

    def put_tags(chunk):
        conn = http.client.HTTPConnection(server.host, timeout=60)
        for n in chunk:
            conn.request("PUT", f"/v2/tags/many/manifests/tag{n:05d}", body=manifest,
                         headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 201:
                raise RuntimeError(f"tag PUT got {resp.status}")
        conn.close()

    t = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(put_tags, [range(i, TAGS, 8) for i in range(8)]))
    r["tag_puts_per_s"] = TAGS / (time.monotonic() - t)
    for page in (100, 1000):
        log(f"[{server.name}] tags list n={page} x{RUNS}")
        with Phase(server) as ph:
            samples = [wrk(f"{server.url}/v2/tags/many/tags/list?n={page}&last=tag05000", 32) for _ in range(RUNS)]
        total = sum(s["rps"] for s in samples) * WRK_SECONDS
        r[f"tags_n{page}"] = {"rps": median_of(samples, "rps"), "p99_ms": median_of(samples, "p99_ms"),
                              "cpu_s_per_1k": ph.cpu / total * 1000, "peak_rss_mb": ph.peak_kb / 1024}

    log(f"[{server.name}] 32 concurrent pulls of a 64 MiB image x{RUNS}")
    skopeo("copy", "-q", "--dest-tls-verify=false", f"oci:{small}:img", f"docker://{server.host}/small/img:img")
    small_manifest = json.loads(open(f"{small}/blobs/sha256/" + json.load(open(f"{small}/index.json"))["manifests"][0]["digest"][7:]).read())
    blobs = [small_manifest["config"]["digest"]] + [l["digest"] for l in small_manifest["layers"]]
    script = f"{WORK}/pull.sh"
    with open(script, "w") as f:
        urls = " ".join(f"{server.url}/v2/small/img/blobs/{d}" for d in blobs)
        f.write(f"curl -sf -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' "
                f"{server.url}/v2/small/img/manifests/img && for u in {urls}; do curl -sf -o /dev/null $u || exit 1; done\n")
    with Phase(server) as ph:
        speeds = []
        for _ in range(RUNS):
            t = time.monotonic()
            procs = [subprocess.Popen(["sh", script]) for _ in range(32)]
            if any(p.wait() != 0 for p in procs):
                raise RuntimeError("a concurrent pull failed")
            speeds.append(32 * small_bytes / MiB / (time.monotonic() - t))
    r["pull32"] = {"mbps": statistics.median(speeds), "cpu_s_per_gib": ph.cpu / (RUNS * 32 * small_bytes / GiB),
                   "peak_rss_mb": ph.peak_kb / 1024}


def machine_limits(results):
    lim = results.setdefault("limits", {})
    log("[limits] openssl speed -evp sha256")
    out = run(["openssl", "speed", "-seconds", "2", "-bytes", "16384", "-evp", "sha256"]).stdout
    lim["sha256_mbps"] = float(out.strip().splitlines()[-1].split()[-1].rstrip("k")) * 1000 / MiB
    log("[limits] disk write with fdatasync")
    t = time.monotonic()
    run(["dd", "if=/dev/zero", f"of={WORK}/dd.bin", "bs=1M", f"count={RAW_BLOB // MiB}", "conv=fdatasync"])
    lim["disk_fdatasync_mbps"] = RAW_BLOB / MiB / (time.monotonic() - t)
    os.unlink(f"{WORK}/dd.bin")

    log("[limits] nginx (sendfile) on the same files")
    root = f"{WORK}/nginx-root"
    os.makedirs(root, exist_ok=True)
    os.link(f"{WORK}/raw.bin", f"{root}/raw.bin")
    with open(f"{root}/small", "wb") as f:
        f.write(os.urandom(500))
    nginx, port = start_nginx("nginx", root, workers=2)
    try:
        speeds = []
        for _ in range(RUNS):
            t = time.monotonic()
            out = run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                       f"http://127.0.0.1:{port}/raw.bin"]).stdout
            assert out == "200", f"nginx answered {out}"
            speeds.append(RAW_BLOB / MiB / (time.monotonic() - t))
        lim["nginx_sendfile_mbps"] = statistics.median(speeds)
        samples = [wrk(f"http://127.0.0.1:{port}/small", 32) for _ in range(RUNS)]
        lim["nginx_small_rps"] = median_of(samples, "rps")
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait()


# ---------------------------------------------------------------------------------------------
# Report


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "n/a"


def report(results, machine):
    b, d, lim = results["berth"], results["distribution"], results["limits"]
    rows = []

    def row(name, key, field, unit, limit=None, lower_is_better=False, fmt="{:.0f}"):
        bv, dv = b[key][field] if isinstance(b[key], dict) else b[key], d[key][field] if isinstance(d[key], dict) else d[key]
        vs_dist = ratio(dv, bv) if lower_is_better else ratio(bv, dv)
        rows.append(f"| {name} | {fmt.format(bv)} {unit} | {fmt.format(dv)} {unit} | {vs_dist} | "
                    f"{ratio(bv, limit[1]) + ' of ' + limit[0] if limit else ''} |")

    rows.append("| workload | Berth | distribution 2.8.2 | Berth vs distribution | Berth vs limit |")
    rows.append("| --- | ---: | ---: | ---: | --- |")
    image = f"{4 * IMAGE_LAYER // MiB} MiB image"
    row(f"push {image} (skopeo)", "push", "mbps", "MB/s", ("SHA-256 core", lim["sha256_mbps"]))
    row(f"pull {image} (skopeo)", "pull", "mbps", "MB/s")
    row(f"raw blob PUT {RAW_BLOB // MiB} MiB (curl)", "raw_put", "mbps", "MB/s", ("disk fdatasync", lim["disk_fdatasync_mbps"]))
    row(f"raw blob GET {RAW_BLOB // MiB} MiB (curl)", "raw_get", "mbps", "MB/s", ("nginx sendfile", lim["nginx_sendfile_mbps"]))
    row("manifest GET, 32 conns", "manifest_get_c32", "rps", "req/s", ("nginx 500 B", lim["nginx_small_rps"]))
    row("manifest GET, 32 conns p50", "manifest_get_c32", "p50_ms", "ms", lower_is_better=True, fmt="{:.2f}")
    row("manifest GET, 32 conns p99", "manifest_get_c32", "p99_ms", "ms", lower_is_better=True, fmt="{:.2f}")
    row("manifest GET, 256 conns", "manifest_get_c256", "rps", "req/s", ("nginx 500 B", lim["nginx_small_rps"]))
    row("manifest GET, 256 conns p99", "manifest_get_c256", "p99_ms", "ms", lower_is_better=True, fmt="{:.2f}")
    row("blob HEAD, 32 conns (hey)", "blob_head", "rps", "req/s", ("nginx 500 B", lim["nginx_small_rps"]))
    row(f"tags list n=100 of {TAGS}", "tags_n100", "rps", "req/s")
    row(f"tags list n=100 p99", "tags_n100", "p99_ms", "ms", lower_is_better=True, fmt="{:.2f}")
    row(f"tags list n=1000 of {TAGS}", "tags_n1000", "rps", "req/s")
    row(f"tags list n=1000 p99", "tags_n1000", "p99_ms", "ms", lower_is_better=True, fmt="{:.2f}")
    row(f"32 concurrent pulls of {4 * SMALL_IMAGE_LAYER // MiB} MiB", "pull32", "mbps", "MB/s")
    row("tag PUTs (8 clients)", "tag_puts_per_s", "", "/s")
    rows.append("| **cost** | | | | |")
    row("CPU per GiB pushed", "push", "cpu_s_per_gib", "s", lower_is_better=True, fmt="{:.2f}")
    row("CPU per GiB pulled", "pull", "cpu_s_per_gib", "s", lower_is_better=True, fmt="{:.2f}")
    row("CPU per GiB, raw PUT", "raw_put", "cpu_s_per_gib", "s", lower_is_better=True, fmt="{:.2f}")
    row("CPU per 1k manifest GETs", "manifest_get_c32", "cpu_s_per_1k", "s", lower_is_better=True, fmt="{:.3f}")
    row("CPU per 1k blob HEADs", "blob_head", "cpu_s_per_1k", "s", lower_is_better=True, fmt="{:.3f}")
    row(f"peak RSS, push of {image}", "push", "peak_rss_mb", "MB", lower_is_better=True, fmt="{:.1f}")
    row("peak RSS, 32 concurrent pulls", "pull32", "peak_rss_mb", "MB", lower_is_better=True, fmt="{:.1f}")
    row("peak RSS, manifest GET 256 conns", "manifest_get_c256", "peak_rss_mb", "MB", lower_is_better=True, fmt="{:.1f}")
    row("idle RSS", "idle_rss_mb", "", "MB", lower_is_better=True, fmt="{:.1f}")
    row("start to first 200 on /v2/", "startup_ms", "", "ms", lower_is_better=True, fmt="{:.1f}")
    limits = (f"Limits measured in the same run: SHA-256 (openssl, one core, 16 KiB) "
              f"{lim['sha256_mbps']:.0f} MB/s; disk write with fdatasync {lim['disk_fdatasync_mbps']:.0f} MB/s; "
              f"nginx sendfile {lim['nginx_sendfile_mbps']:.0f} MB/s; nginx 500-byte file "
              f"{lim['nginx_small_rps']:.0f} req/s (wrk, 32 connections).")
    return f"Machine: {machine}\n\n" + "\n".join(rows) + "\n\n" + limits + "\n"


def main():
    with open(POLICY, "w") as f:
        json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)
    with open(f"{WORK}/accept.lua", "w") as f:
        f.write('wrk.headers["Accept"] = "application/vnd.oci.image.manifest.v1+json"\n')
    log(f"work directory {WORK}; making fixtures")
    big = make_layout("image-1g", IMAGE_LAYER)
    small = make_layout("image-64m", SMALL_IMAGE_LAYER)
    with open(f"{WORK}/raw.bin", "wb") as f:
        for _ in range(RAW_BLOB // MiB):
            f.write(os.urandom(MiB))

    results = {}
    for start in (start_berth, start_distribution):
        server = start()
        try:
            bench_registry(server, big, small, results)
        finally:
            server.stop()
        shutil.rmtree(f"{WORK}/{server.name}-data", ignore_errors=True)
    machine_limits(results)

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((int(l.split()[1]) // 1024 // 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    machine = f"{os.cpu_count()} cores ({cpu}), {mem} GiB RAM, {time.strftime('%Y-%m-%d', time.gmtime())}"
    table = report(results, machine)
    save_results("", table, results)
    print(table)
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
