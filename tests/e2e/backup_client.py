#!/usr/bin/env python3
"""Pushes images and checks them, for the backup test.

  backup_client.py push URL AK SK REPO COUNT WORKDIR ACKED [STOPFILE]
      pushes COUNT images (or, with STOPFILE, until that file exists) to REPO, tags v<n>; after
      each manifest's 201 appends "REPO TAG DIGEST MANIFEST_FILE" to ACKED and keeps the bytes
  backup_client.py verify URL AK SK ACKED
      every image listed in ACKED is served byte for byte: the manifest by tag and by digest,
      every blob it names hashes to its digest
  backup_client.py sound URL AK SK
      every tag of every repository resolves and every blob its manifest names is served whole
      (nothing refers to a missing blob)
"""
import base64
import hashlib
import json
import os
import sys
import urllib.error
import urllib.request

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Registry:
    def __init__(self, url, ak, sk):
        self.url = url
        self.auth = "Basic " + base64.b64encode(f"{ak}:{sk}".encode()).decode()

    def call(self, method, path, body=None, headers=None):
        req = urllib.request.Request(self.url + path, data=body, method=method,
                                     headers={"Authorization": self.auth, **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()


def die(what):
    print("FAIL:", what)
    sys.exit(1)


def push(reg, repo, count, work, acked, stopfile):
    os.makedirs(work, exist_ok=True)
    n = 0
    while (stopfile and not os.path.exists(stopfile)) or (not stopfile and n < count):
        n += 1
        layers = []
        for size in (os.urandom(1)[0] * 2048 + 1000, 3000):
            data = os.urandom(size)
            digest = sha(data)
            status, _, body = reg.call("POST", f"/v2/{repo}/blobs/uploads/?digest={digest}", data,
                                       {"Content-Type": "application/octet-stream"})
            if status != 201:
                die(f"blob push {repo}: {status} {body[:200]}")
            layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest,
                           "size": len(data)})
        config = json.dumps({"architecture": "amd64", "os": "linux", "n": n}).encode()
        status, _, _ = reg.call("POST", f"/v2/{repo}/blobs/uploads/?digest={sha(config)}", config)
        if status != 201:
            die(f"config push {repo}: {status}")
        manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                               "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                          "digest": sha(config), "size": len(config)},
                               "layers": layers}).encode()
        tag = f"v{n}"
        status, _, body = reg.call("PUT", f"/v2/{repo}/manifests/{tag}", manifest, {"Content-Type": OCI_MANIFEST})
        if status != 201:
            die(f"manifest push {repo}:{tag}: {status} {body[:200]}")
        path = os.path.join(work, f"{repo.replace('/', '_')}_{tag}.json")
        with open(path, "wb") as f:
            f.write(manifest)
        with open(acked, "a") as f:
            f.write(f"{repo} {tag} {sha(manifest)} {path}\n")
            f.flush()


def check_image(reg, repo, ref, want_bytes=None):
    status, headers, body = reg.call("GET", f"/v2/{repo}/manifests/{ref}", headers={"Accept": OCI_MANIFEST})
    if status != 200:
        die(f"{repo}:{ref} answered {status}")
    if want_bytes is not None and body != want_bytes:
        die(f"{repo}:{ref} is not byte for byte what was pushed")
    doc = json.loads(body)
    for blob in [doc["config"]] + doc["layers"]:
        status, _, data = reg.call("GET", f"/v2/{repo}/blobs/{blob['digest']}")
        if status != 200 or sha(data) != blob["digest"] or len(data) != blob["size"]:
            die(f"{repo}@{blob['digest']}: {status}, not whole")
    return sha(body)


def verify(reg, acked):
    n = 0
    with open(acked) as f:
        for line in f:
            repo, tag, digest, path = line.split()
            with open(path, "rb") as m:
                want = m.read()
            check_image(reg, repo, tag, want)
            check_image(reg, repo, digest, want)
            n += 1
    print(f"verified {n} acknowledged images byte for byte")


def sound(reg):
    status, _, body = reg.call("GET", "/v2/_catalog?n=10000")
    images = 0
    for repo in json.loads(body)["repositories"]:
        status, _, body = reg.call("GET", f"/v2/{repo}/tags/list?n=10000")
        for tag in json.loads(body)["tags"] or []:
            check_image(reg, repo, tag)
            images += 1
    print(f"{images} tagged images, every blob present and whole")


def main():
    mode = sys.argv[1]
    reg = Registry(*sys.argv[2:5])
    if mode == "push":
        repo, count, work, acked = sys.argv[5:9]
        push(reg, repo, int(count), work, acked, sys.argv[9] if len(sys.argv) > 9 else None)
    elif mode == "verify":
        verify(reg, sys.argv[5])
    elif mode == "sound":
        sound(reg)
    else:
        die(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
