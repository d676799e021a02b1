#!/usr/bin/env python3
"""Writes an OCI image layout with packages a scanner finds, for the scanning tests.

usage: scan_image.py DIR TAG [--broken]

Two gzip layers: the base has Debian 12's os-release, a dpkg status naming libssl3 3.0.11-1~deb12u1
(source openssl) and zlib1g, a Python package requests 2.25.0 (dist-info) and a file the upper
layer deletes with a whiteout; the upper layer adds an application file with random bytes, so
every run makes a new image. With --broken the base layer is not a tarball at all.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

DPKG = """Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl
Version: 3.0.11-1~deb12u1

Package: zlib1g
Status: install ok installed
Architecture: amd64
Source: zlib
Version: 1:1.2.13.dfsg-1

"""
OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'
METADATA = "Metadata-Version: 2.1\nName: requests\nVersion: 2.25.0\n"


def tar_layer(files):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


def write_blob(root, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(root, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def main():
    root, tag = sys.argv[1], sys.argv[2]
    broken = "--broken" in sys.argv[3:]
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    base = tar_layer([
        ("etc/os-release", OS_RELEASE.encode()),
        ("var/lib/dpkg/status", DPKG.encode()),
        ("usr/lib/python3/dist-packages/requests-2.25.0.dist-info/METADATA", METADATA.encode()),
        ("tmp/build-junk", b"left by the build"),
    ])
    upper = tar_layer([("tmp/.wh.build-junk", b""), ("app/data.bin", os.urandom(4096))])
    layers, diff_ids = [], []
    for raw in (base, upper):
        data = gzip.compress(raw, mtime=0)
        if broken and raw is base:
            data = b"this is not a tarball" + os.urandom(64)
        desc = write_blob(root, data)
        desc["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
        layers.append(desc)
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
    config = {"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/app/run"]},
              "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    cdesc = write_blob(root, json.dumps(config).encode())
    cdesc["mediaType"] = "application/vnd.oci.image.config.v1+json"
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": cdesc, "layers": layers}
    mdesc = write_blob(root, json.dumps(manifest).encode())
    mdesc["mediaType"] = manifest["mediaType"]
    mdesc["annotations"] = {"org.opencontainers.image.ref.name": tag}
    index_path = os.path.join(root, "index.json")
    index = {"schemaVersion": 2, "manifests": []}
    if os.path.exists(index_path):
        with open(index_path) as f:
            index = json.load(f)
    index["manifests"].append(mdesc)
    with open(index_path, "w") as f:
        json.dump(index, f)
    print(json.dumps({"manifest": mdesc["digest"], "base": layers[0]["digest"]}))


if __name__ == "__main__":
    main()
