#!/usr/bin/env python3
"""Pushes a small signature-like artifact that refers to a manifest (OCI 1.1 subject).

  push_referrer.py HOST AK SK REPO SUBJECT_DIGEST
      prints the referrer's digest
"""
import base64
import hashlib
import http.client
import json
import sys

host, ak, sk, repo, subject = sys.argv[1:6]
auth = {"Authorization": "Basic " + base64.b64encode(f"{ak}:{sk}".encode()).decode()}
conn = http.client.HTTPConnection(host, timeout=60)


def call(method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers={**auth, **(headers or {})})
    r = conn.getresponse()
    return r.status, r.read(), r.getheader("Content-Type", "")


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


status, payload, media_type = call("GET", f"/v2/{repo}/manifests/{subject}", headers={"Accept": ",".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json"])})
assert status == 200, status
empty, signature = b"{}", b"signed " + subject.encode()
for blob in (empty, signature):
    status, _, _ = call("POST", f"/v2/{repo}/blobs/uploads/?digest={sha(blob)}", blob,
                        {"Content-Type": "application/octet-stream"})
    assert status == 201, status
doc = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "artifactType": "application/vnd.example.signature",
    "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha(empty), "size": len(empty)},
    "layers": [{"mediaType": "application/vnd.example.signature", "digest": sha(signature), "size": len(signature)}],
    "subject": {"mediaType": media_type.split(";")[0], "digest": subject, "size": len(payload)},
}).encode()
status, _, _ = call("PUT", f"/v2/{repo}/manifests/{sha(doc)}", doc,
                    {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
assert status == 201, status
print(sha(doc))
