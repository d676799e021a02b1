#!/usr/bin/env python3
"""Many small images for the garbage-collection crash test.

  gc_client.py push HOST AK SK REPO FIRST COUNT OUT
      pushes images FIRST..FIRST+COUNT-1 (a shared config and a 1 KiB layer of each image's own,
      tag i<n>) and appends "REPO DIGEST LAYER_DIGEST" per image to OUT
  gc_client.py delete HOST AK SK LIST
      deletes every image LIST names, by digest
  gc_client.py verify HOST AK SK LIST
      every image LIST names is served by digest, and its layer byte for byte
"""
import base64
import hashlib
import http.client
import json
import sys

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer(repo, i):
    return (f"{repo} layer {i} ".encode() * 100)[:1024]


class Conn:
    def __init__(self, host, ak, sk):
        self.host = host
        self.auth = "Basic " + base64.b64encode(f"{ak}:{sk}".encode()).decode()
        self.conn = http.client.HTTPConnection(host, timeout=60)

    def call(self, method, path, body=None, headers=None):
        self.conn.request(method, path, body=body, headers={"Authorization": self.auth, **(headers or {})})
        resp = self.conn.getresponse()
        return resp.status, resp.read()


def main():
    command, host, ak, sk = sys.argv[1:5]
    c = Conn(host, ak, sk)
    if command == "push":
        repo, first, count, out = sys.argv[5], int(sys.argv[6]), int(sys.argv[7]), sys.argv[8]
        with open(out, "a") as log:
            for blob in [CONFIG]:
                status, _ = c.call("POST", f"/v2/{repo}/blobs/uploads/?digest={sha(blob)}", blob,
                                   {"Content-Type": "application/octet-stream"})
                assert status == 201, status
            for i in range(first, first + count):
                data = layer(repo, i)
                status, _ = c.call("POST", f"/v2/{repo}/blobs/uploads/?digest={sha(data)}", data,
                                   {"Content-Type": "application/octet-stream"})
                assert status == 201, status
                doc = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST,
                                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                             "digest": sha(CONFIG), "size": len(CONFIG)},
                                  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                              "digest": sha(data), "size": len(data)}]}).encode()
                status, _ = c.call("PUT", f"/v2/{repo}/manifests/i{i}", doc, {"Content-Type": MANIFEST})
                assert status == 201, status
                log.write(f"{repo} {sha(doc)} {sha(data)}\n")
    elif command in ("delete", "verify"):
        bad = 0
        for line in open(sys.argv[5]):
            repo, digest, layer_digest = line.split()
            if command == "delete":
                status, _ = c.call("DELETE", f"/v2/{repo}/manifests/{digest}")
                bad += status != 202
                continue
            status, body = c.call("GET", f"/v2/{repo}/manifests/{digest}", headers={"Accept": MANIFEST})
            if status != 200 or sha(body) != digest:
                print(f"lost manifest {repo}@{digest} ({status})")
                bad += 1
                continue
            status, body = c.call("GET", f"/v2/{repo}/blobs/{layer_digest}")
            if status != 200 or sha(body) != layer_digest:
                print(f"lost layer {layer_digest} of {repo}@{digest} ({status})")
                bad += 1
        sys.exit(1 if bad else 0)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
