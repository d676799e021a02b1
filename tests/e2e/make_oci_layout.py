#!/usr/bin/env python3
"""Writes a small OCI image layout for the end-to-end tests, from random data.

usage: make_oci_layout.py DIR TAG [--layers SIZE,SIZE...] [--platforms linux/amd64,linux/arm64]
                          [--uncompressed]

With one platform the tag names an image manifest; with several it names an OCI index over one
image per platform. Layer contents are random files packed as gzip tarballs, so every run makes
new digests.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import tarfile


def write_blob(root, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(root, "blobs", "sha256", digest)
    with open(path, "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def layer(size, name, compress):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(os.urandom(size)))
    diff_id = "sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()
    if not compress:
        return raw.getvalue(), diff_id
    return gzip.compress(raw.getvalue(), compresslevel=1, mtime=0), diff_id


def image(root, sizes, os_name, arch, variant, compress=True):
    layers, diff_ids = [], []
    for i, size in enumerate(sizes):
        data, diff_id = layer(size, f"data/{arch}-{i}.bin", compress)
        desc = write_blob(root, data)
        desc["mediaType"] = "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if compress else "")
        layers.append(desc)
        diff_ids.append(diff_id)
    config = {"architecture": arch, "os": os_name,
              "config": {"Cmd": ["/bin/true"], "Env": ["PATH=/bin"]},
              "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    if variant:
        config["variant"] = variant
    cdesc = write_blob(root, json.dumps(config).encode())
    cdesc["mediaType"] = "application/vnd.oci.image.config.v1+json"
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": cdesc, "layers": layers}
    mdesc = write_blob(root, json.dumps(manifest, indent=2).encode())
    mdesc["mediaType"] = manifest["mediaType"]
    platform = {"architecture": arch, "os": os_name}
    if variant:
        platform["variant"] = variant
    return mdesc, platform


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("tag")
    p.add_argument("--layers", default="4096,65536")
    p.add_argument("--platforms", default="linux/amd64")
    p.add_argument("--uncompressed", action="store_true", help="plain tar layers (faster to make)")
    a = p.parse_args()
    os.makedirs(os.path.join(a.dir, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(a.dir, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    sizes = [int(s) for s in a.layers.split(",")]
    platforms = a.platforms.split(",")
    entries = []
    for plat in platforms:
        parts = plat.split("/")
        entries.append(image(a.dir, sizes, parts[0], parts[1], parts[2] if len(parts) > 2 else None,
                             compress=not a.uncompressed))
    if len(entries) == 1:
        top = entries[0][0]
    else:
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": [dict(d, platform=pl) for d, pl in entries]}
        top = write_blob(a.dir, json.dumps(index).encode())
        top["mediaType"] = index["mediaType"]
    top = dict(top, annotations={"org.opencontainers.image.ref.name": a.tag})
    with open(os.path.join(a.dir, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [top]}, f)
    print(top["digest"])


if __name__ == "__main__":
    main()
