#!/usr/bin/env python3
"""Pushes blobs and manifests to Berth until the server dies, recording what was acknowledged.

usage: crash_client.py HOST:PORT USER SECRET REPO WORKDIR LOG

Each acknowledged push appends one line to LOG, flushed at once:
  blob <repo> <digest> <file>
  manifest <repo> <tag> <digest> <file>
The crash test later checks that every logged item is there, byte for byte.
"""
import base64
import hashlib
import http.client
import json
import os
import random
import sys

host, user, secret, repo, workdir, log_path = sys.argv[1:7]
auth = "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()
log = open(log_path, "a")


def request(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(host, timeout=30)
    h = {"Authorization": auth}
    h.update(headers or {})
    conn.request(method, path, body=body, headers=h)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    # Header names are case-insensitive (haproxy, in front of a cluster, sends them lower-case).
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def push_blob(data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    if random.random() < 0.5:
        status, _, _ = request("POST", f"/v2/{repo}/blobs/uploads/?digest={digest}", data,
                               {"Content-Type": "application/octet-stream"})
    else:
        status, headers, _ = request("POST", f"/v2/{repo}/blobs/uploads/")
        if status != 202:
            return None
        location = headers["location"]
        offset = 0
        step = max(1, len(data) // 3)
        while offset < len(data) - step:
            chunk = data[offset:offset + step]
            status, headers, _ = request("PATCH", location, chunk, {
                "Content-Range": f"{offset}-{offset + len(chunk) - 1}",
                "Content-Type": "application/octet-stream"})
            if status != 202:
                return None
            offset += len(chunk)
        status, _, _ = request("PUT", f"{location}?digest={digest}", data[offset:],
                               {"Content-Type": "application/octet-stream"})
    if status != 201:
        return None
    path = os.path.join(workdir, digest[7:])
    with open(path, "wb") as f:
        f.write(data)
    log.write(f"blob {repo} {digest} {path}\n")
    log.flush()
    return {"digest": digest, "size": len(data)}


def main():
    pushed = []
    n = 0
    while True:
        n += 1
        try:
            data = os.urandom(random.choice([1000, 50_000, 500_000, 2_000_000]))
            desc = push_blob(data)
            if desc:
                pushed.append(desc)
            if len(pushed) >= 2 and n % 2 == 0:
                config, layer = random.sample(pushed, 2)
                manifest = json.dumps({
                    "schemaVersion": 2,
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": dict(config, mediaType="application/vnd.oci.image.config.v1+json"),
                    "layers": [dict(layer, mediaType="application/vnd.oci.image.layer.v1.tar")],
                    "annotations": {"n": str(n)}}).encode()
                tag = f"t{n}"
                status, _, _ = request("PUT", f"/v2/{repo}/manifests/{tag}", manifest,
                                       {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
                if status == 201:
                    digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
                    path = os.path.join(workdir, "m-" + digest[7:])
                    with open(path, "wb") as f:
                        f.write(manifest)
                    log.write(f"manifest {repo} {tag} {digest} {path}\n")
                    log.flush()
        except (OSError, http.client.HTTPException):
            return  # the server is gone


main()
