#!/usr/bin/env python3
"""make bench-backup: what `berth backup` costs for the 1 GiB bench image (4 x 256 MiB layers).

Pushes the image with skopeo, then times `berth backup` three ways: hard links on the same file
system (the default), --copy on the same file system, and to a tmpfs (another file system, so
blobs are copied), with a push running during each. Reports seconds and the extra disk each
takes (du of the source and the backup together, minus the source alone, which counts a
hard-linked file once). Results go to bench/results/<UTC timestamp>-backup.md.

Environment: BENCH_QUICK=1 uses 16 MiB layers.
"""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the main benchmark's fixtures and helpers)

MiB = 1 << 20


def du_bytes(*paths):
    out = subprocess.run(["du", "-s", "-B1", "-c", *paths], check=True, capture_output=True, text=True).stdout
    return int(out.strip().splitlines()[-1].split()[0])


def main():
    with open(bench.POLICY, "w") as f:
        f.write('{"default": [{"type": "insecureAcceptAnything"}]}')
    layer = bench.IMAGE_LAYER
    big = bench.make_layout("big", layer)
    server = bench.start_berth()
    host = f"127.0.0.1:{server.port}"
    data = f"{bench.WORK}/berth-data"
    bench.log("pushing the image")
    bench.skopeo("copy", "-q", "--dest-tls-verify=false", f"oci:{big}:img", f"docker://{host}/bench/big:1")
    source_bytes = du_bytes(data)
    rows = []
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    for name, dest, flags in [("hard links (same file system)", f"{bench.WORK}/backup-linked", []),
                              ("--copy (same file system)", f"{bench.WORK}/backup-copied", ["--copy"]),
                              ("another file system (tmpfs)", f"{shm}/berth-bench-backup", [])]:
        if dest.startswith("None"):
            continue
        shutil.rmtree(dest, ignore_errors=True)
        # A push runs during the backup, as on a serving registry.
        pusher = subprocess.Popen(["skopeo", "--policy", bench.POLICY, "copy", "-q", "--dest-tls-verify=false",
                                   f"oci:{big}:img", f"docker://{host}/bench/during:{len(rows)}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.2)
        t = time.monotonic()
        out = subprocess.run([f"{bench.ROOT}/build/berth", "backup", "--data", data, "--to", dest, *flags],
                             check=True, capture_output=True, text=True).stdout
        seconds = time.monotonic() - t
        pusher.wait()
        if dest.startswith(bench.WORK):
            extra = du_bytes(data, dest) - du_bytes(data)
        else:
            extra = du_bytes(dest)
        rows.append((name, seconds, extra, out.strip().splitlines()[1].strip()))
        bench.log(f"{name}: {seconds:.2f} s, {extra / MiB:.1f} MiB extra")
        shutil.rmtree(dest, ignore_errors=True)
    server.stop()
    lines = [f"# berth backup of the {4 * layer // MiB} MiB bench image",
             "", f"Source data directory: {source_bytes / MiB:.0f} MiB. A push of the same image runs during each backup.",
             "", "| backup | time | extra disk | what it did |", "| --- | ---: | ---: | --- |"]
    lines += [f"| {n} | {s:.2f} s | {e / MiB:.1f} MiB | {w} |" for n, s, e, w in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(f"{bench.ROOT}/bench/results", exist_ok=True)
    with open(f"{bench.ROOT}/bench/results/{time.strftime('%Y-%m-%d', time.gmtime())}-backup.md", "w") as f:
        f.write(text)
    shutil.rmtree(bench.WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
