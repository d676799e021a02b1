#!/usr/bin/env python3
"""Pushes related images and checks what a registry still serves, for the lifecycle test.

  lifecycle_client.py push URL AK SK REPO NAME [TAG...]
      an image (config, a layer of its own, the layer "shared") pushed by each TAG, or by digest
      without tags; prints "NAME DIGEST OWN_LAYER_DIGEST"
  lifecycle_client.py index URL AK SK REPO NAME
      two untagged single-platform images, an untagged index of them and a signature whose subject
      is the index; prints "NAME-amd64 D", "NAME-arm64 D", "NAME D", "NAME-sig D"
  lifecycle_client.py verify URL AK SK REPO DIGEST...
      each manifest is served by digest and every blob it names hashes to its digest
  lifecycle_client.py gone URL AK SK REPO DIGEST...
      no manifest is served
"""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import backup_client  # noqa: E402

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Registry(backup_client.Registry):
    """The backup test's client, bound to one repository."""

    def __init__(self, url, ak, sk, repo):
        super().__init__(url, ak, sk)
        self.repo = repo

    def blob(self, data):
        digest = sha(data)
        status, _, body = self.call("POST", f"/v2/{self.repo}/blobs/uploads/?digest={digest}", data,
                                    {"Content-Type": "application/octet-stream"})
        if status != 201:
            sys.exit(f"FAIL: blob push answered {status}: {body[:200]!r}")
        return {"mediaType": "application/octet-stream", "digest": digest, "size": len(data)}

    def manifest(self, document, media_type, reference=None):
        data = json.dumps(document, sort_keys=True).encode()
        digest = sha(data)
        status, _, body = self.call("PUT", f"/v2/{self.repo}/manifests/{reference or digest}", data,
                                    {"Content-Type": media_type})
        if status != 201:
            sys.exit(f"FAIL: manifest push answered {status}: {body[:200]!r}")
        return digest, len(data)


def image(reg, name, tags, platform=None):
    config = reg.blob(json.dumps({"name": name, "platform": platform}).encode())
    config["mediaType"] = "application/vnd.oci.image.config.v1+json"
    own = reg.blob(("layer of " + name).encode() * 300)
    shared = reg.blob(b"a layer every image of the test shares" * 100)
    doc = {"schemaVersion": 2, "mediaType": MANIFEST, "config": config, "layers": [own, shared]}
    digest = None
    for tag in tags or [None]:
        digest, size = reg.manifest(doc, MANIFEST, tag)
    return digest, size, own["digest"]


def main():
    command, url, ak, sk, repo = sys.argv[1:6]
    args = sys.argv[6:]
    reg = Registry(url, ak, sk, repo)
    if command == "push":
        digest, _, own = image(reg, args[0], args[1:])
        print(args[0], digest, own)
    elif command == "index":
        name = args[0]
        children = []
        for arch in ("amd64", "arm64"):
            digest, size, own = image(reg, f"{name}-{arch}", [], arch)
            print(f"{name}-{arch}", digest, own)
            children.append({"mediaType": MANIFEST, "digest": digest, "size": size,
                             "platform": {"architecture": arch, "os": "linux"}})
        index, size = reg.manifest({"schemaVersion": 2, "mediaType": INDEX, "manifests": children}, INDEX)
        print(name, index, "-")
        empty = reg.blob(b"{}")
        empty["mediaType"] = "application/vnd.oci.empty.v1+json"
        sig_layer = reg.blob(("signature of " + index).encode())
        sig, _ = reg.manifest({"schemaVersion": 2, "mediaType": MANIFEST, "artifactType": "application/vnd.test.sig",
                               "config": empty, "layers": [sig_layer],
                               "subject": {"mediaType": INDEX, "digest": index, "size": size}}, MANIFEST)
        print(f"{name}-sig", sig, sig_layer["digest"])
    elif command in ("verify", "gone"):
        accept = ",".join([MANIFEST, INDEX])
        for digest in args:
            status, _, body = reg.call("GET", f"/v2/{repo}/manifests/{digest}", headers={"Accept": accept})
            if command == "gone":
                if status != 404:
                    sys.exit(f"FAIL: {digest} answered {status}, want 404")
                continue
            if status != 200 or sha(body) != digest:
                sys.exit(f"FAIL: manifest {digest} answered {status}")
            doc = json.loads(body)
            for d in [doc.get("config")] + doc.get("layers", []):
                if not d:
                    continue
                status, _, blob = reg.call("GET", f"/v2/{repo}/blobs/{d['digest']}")
                if status != 200 or sha(blob) != d["digest"]:
                    sys.exit(f"FAIL: blob {d['digest']} of {digest} answered {status}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
