#!/usr/bin/env python3
"""Concurrent clients racing over a small set of repositories, blobs, manifests and tags through
both APIs: uploads (monolithic and chunked), mounts, manifest and index pushes, tag moves,
deletes of tags, manifests, blobs and whole repositories, ECR reads and writes, and lifecycle
policies, while the server runs lifecycle and garbage collection every second or two.

Every answer must be a non-5xx one; every blob or manifest served must hash to its digest. The
caller checks the stores afterwards (stress.sh).

usage: stress.py URL ACCESS_KEY SECRET [--seconds S] [--workers N] [--seed N]
"""
import argparse
import hashlib
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse
import base64

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
REPOS = ["stress/a", "stress/b", "stress/c"]
KEPT_REPO = "stress/kept"  # no worker deletes here: every image acknowledged must survive
TAGS = ["t0", "t1", "t2", "t3"]


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Shared:
    def __init__(self, seed):
        rng = random.Random(seed)
        self.blobs = [rng.randbytes(rng.choice([1, 4096, 70000, 300000])) for _ in range(6)]
        self.config = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
        # Many, so that each is pushed again rarely enough to be garbage for a grace period.
        self.churn_blobs = [rng.randbytes(rng.choice([10, 5000, 90000])) for _ in range(120)]
        self.manifests = []
        for i in range(4):
            layers = rng.sample(self.blobs, rng.randint(1, 3))
            doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                   "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                              "digest": sha256(self.config), "size": len(self.config)},
                   "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha256(b),
                               "size": len(b)} for b in layers],
                   "annotations": {"n": str(i)}}
            self.manifests.append(json.dumps(doc).encode())
        self.indexes = []
        for i in range(2):
            children = rng.sample(self.manifests, 2)
            doc = {"schemaVersion": 2, "mediaType": OCI_INDEX,
                   "manifests": [{"mediaType": OCI_MANIFEST, "digest": sha256(m), "size": len(m),
                                  "platform": {"architecture": a, "os": "linux"}}
                                 for m, a in zip(children, ["amd64", "arm64"])]}
            self.indexes.append(json.dumps(doc).encode())
        self.lock = threading.Lock()
        self.kept = []  # (manifest digest, blob digest) acknowledged in KEPT_REPO, checked at the end
        self.failures = []
        self.counts = {}

    def note(self, op, status):
        with self.lock:
            self.counts[(op, status)] = self.counts.get((op, status), 0) + 1

    def fail(self, message):
        with self.lock:
            self.failures.append(message)


class Worker(threading.Thread):
    def __init__(self, shared, url, ak, sk, seed, deadline):
        super().__init__(daemon=True)
        self.shared, self.rng, self.deadline = shared, random.Random(seed), deadline
        parsed = urllib.parse.urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.auth = "Basic " + base64.b64encode(f"{ak}:{sk}".encode()).decode()
        # No retries: a retried 5xx would hide exactly what this test looks for.
        self.client = boto3.client("ecr", endpoint_url=url, region_name="us-east-1", aws_access_key_id=ak,
                                aws_secret_access_key=sk,
                                config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
        self.conn = None

    def request(self, op, method, path, body=None, headers=None):
        headers = dict(headers or {})
        headers["Authorization"] = self.auth
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        # A blob garbage collection deleted while it was being uploaded again: the push fails
        # cleanly with 503 and the client uploads again (what the collector promises).
        if resp.status == 503 and b"garbage-collected" in data:
            self.shared.note(op, "503 collected")
            return resp, data
        self.shared.note(op, resp.status)
        if resp.status >= 500:
            self.shared.fail(f"{op}: {method} {path} -> {resp.status} {data[:200]!r}")
        return resp, data

    # --- /v2/ operations -------------------------------------------------------------------
    def upload(self):
        repo, blob = self.rng.choice(REPOS), self.rng.choice(self.shared.blobs + [self.shared.config])
        if self.rng.random() < 0.5 or len(blob) < 2:
            self.request("upload", "POST", f"/v2/{repo}/blobs/uploads/?digest={sha256(blob)}", blob)
            return
        resp, _ = self.request("upload-start", "POST", f"/v2/{repo}/blobs/uploads/")
        if resp.status != 202:
            return
        location = resp.getheader("Location")
        half = len(blob) // 2
        resp, _ = self.request("upload-chunk", "PATCH", location, blob[:half],
                               {"Content-Range": f"0-{half - 1}", "Content-Type": "application/octet-stream"})
        if resp.status != 202:
            return
        location = resp.getheader("Location")
        sep = "&" if "?" in location else "?"
        self.request("upload-finish", "PUT", f"{location}{sep}digest={sha256(blob)}", blob[half:],
                     {"Content-Range": f"{half}-{len(blob) - 1}", "Content-Type": "application/octet-stream"})

    def mount(self):
        src, dst = self.rng.sample(REPOS, 2)
        blob = self.rng.choice(self.shared.blobs + [self.shared.config])
        resp, _ = self.request("mount", "POST", f"/v2/{dst}/blobs/uploads/?mount={sha256(blob)}&from={src}")
        if resp.status == 202:  # not mountable: the session it opened is cancelled
            self.request("mount-cancel", "DELETE", resp.getheader("Location"))

    def get_blob(self):
        repo, blob = self.rng.choice(REPOS), self.rng.choice(self.shared.blobs)
        resp, data = self.request("get-blob", "GET", f"/v2/{repo}/blobs/{sha256(blob)}")
        if resp.status == 200 and data != blob:
            self.shared.fail(f"get-blob {repo} {sha256(blob)}: wrong bytes ({len(data)})")

    def put_manifest(self):
        repo = self.rng.choice(REPOS)
        if self.rng.random() < 0.25:
            body, media_type = self.rng.choice(self.shared.indexes), OCI_INDEX
        else:
            body, media_type = self.rng.choice(self.shared.manifests), OCI_MANIFEST
        ref = self.rng.choice(TAGS + [sha256(body)])
        self.request("put-manifest", "PUT", f"/v2/{repo}/manifests/{ref}", body, {"Content-Type": media_type})

    def churn(self):
        # Blobs of a larger pool come and go: uploaded, used by an image that is deleted soon after,
        # garbage between uses, so collections delete them while other workers push them again.
        repo = self.rng.choice(REPOS)
        blob = self.rng.choice(self.shared.churn_blobs)
        resp, _ = self.request("churn-upload", "POST", f"/v2/{repo}/blobs/uploads/?digest={sha256(blob)}", blob)
        if resp.status != 201 or self.rng.random() < 0.3:
            return
        doc = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                          "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                     "digest": sha256(blob), "size": len(blob)},
                          "layers": []}).encode()
        resp, _ = self.request("churn-manifest", "PUT", f"/v2/{repo}/manifests/{sha256(doc)}", doc,
                               {"Content-Type": OCI_MANIFEST})
        if resp.status == 201 and self.rng.random() < 0.7:
            self.request("churn-delete", "DELETE", f"/v2/{repo}/manifests/{sha256(doc)}")

    def keep(self):
        # An image of a churn blob (which other repositories' images leave as garbage again and
        # again) pushed where nothing deletes: whatever the collector was doing, it must stay whole.
        # A sixth of the pool only: what a kept image uses is never garbage again, and the rest
        # must stay free to come and go.
        blob = self.rng.choice(self.shared.churn_blobs[:len(self.shared.churn_blobs) // 6])
        resp, _ = self.request("keep-upload", "POST", f"/v2/{KEPT_REPO}/blobs/uploads/?digest={sha256(blob)}", blob)
        if resp.status != 201:
            return
        doc = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                          "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                     "digest": sha256(blob), "size": len(blob)},
                          "layers": [], "annotations": {"kept": str(self.rng.random())}}).encode()
        resp, _ = self.request("keep-manifest", "PUT", f"/v2/{KEPT_REPO}/manifests/{sha256(doc)}", doc,
                               {"Content-Type": OCI_MANIFEST})
        if resp.status == 201:
            with self.shared.lock:
                self.shared.kept.append((sha256(doc), sha256(blob)))

    def get_manifest(self):
        repo = self.rng.choice(REPOS)
        body = self.rng.choice(self.shared.manifests + self.shared.indexes)
        ref = self.rng.choice(TAGS + [sha256(body)])
        resp, data = self.request("get-manifest", "GET", f"/v2/{repo}/manifests/{ref}",
                                  headers={"Accept": f"{OCI_MANIFEST}, {OCI_INDEX}"})
        if resp.status == 200:
            digest = resp.getheader("Docker-Content-Digest")
            if sha256(data) != digest or (ref.startswith("sha256:") and digest != ref):
                self.shared.fail(f"get-manifest {repo}:{ref}: served {sha256(data)} as {digest}")

    def delete(self):
        repo = self.rng.choice(REPOS)
        what = self.rng.random()
        if what < 0.4:
            self.request("delete-tag", "DELETE", f"/v2/{repo}/manifests/{self.rng.choice(TAGS)}")
        elif what < 0.8:
            body = self.rng.choice(self.shared.manifests + self.shared.indexes)
            self.request("delete-manifest", "DELETE", f"/v2/{repo}/manifests/{sha256(body)}")
        else:
            self.request("delete-blob", "DELETE", f"/v2/{repo}/blobs/{sha256(self.rng.choice(self.shared.blobs))}")

    def listing(self):
        if self.rng.random() < 0.5:
            self.request("tags", "GET", f"/v2/{self.rng.choice(REPOS)}/tags/list?n=2")
        else:
            self.request("catalog", "GET", "/v2/_catalog")

    # --- ECR operations --------------------------------------------------------------------
    def ecr_call(self, op, **kwargs):
        try:
            getattr(self.client, op)(**kwargs)
            self.shared.note(op, 200)
        except ClientError as e:
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            self.shared.note(op, f"{status} {e.response.get('Error', {}).get('Code')}")
            if status >= 500:
                self.shared.fail(f"{op} {kwargs}: {status} {e}")

    def ecr_layer_upload(self, repo):
        blob = self.rng.choice(self.shared.blobs)
        try:
            upload = self.client.initiate_layer_upload(repositoryName=repo)["uploadId"]
            self.client.upload_layer_part(repositoryName=repo, uploadId=upload, partFirstByte=0,
                                          partLastByte=len(blob) - 1, layerPartBlob=blob)
            self.client.complete_layer_upload(repositoryName=repo, uploadId=upload, layerDigests=[sha256(blob)])
            self.shared.note("ecr-layer-upload", 200)
        except ClientError as e:
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            self.shared.note("ecr-layer-upload", f"{status} {e.response.get('Error', {}).get('Code')}")
            if status == 503 and "garbage-collected" in str(e):
                return
            if status >= 500:
                self.shared.fail(f"ecr layer upload to {repo}: {status} {e}")

    def ecr_operation(self):
        repo = self.rng.choice(REPOS)
        what = self.rng.randint(0, 9)
        body = self.rng.choice(self.shared.manifests)
        if what == 0:
            self.ecr_call("delete_repository", repositoryName=repo, force=True)
        elif what == 1:
            self.ecr_call("create_repository", repositoryName=repo)
        elif what == 2:
            self.ecr_call("batch_delete_image", repositoryName=repo,
                          imageIds=[{"imageTag": self.rng.choice(TAGS)}, {"imageDigest": sha256(body)}])
        elif what == 3:
            self.ecr_call("put_image", repositoryName=repo, imageManifest=body.decode(),
                          imageTag=self.rng.choice(TAGS))
        elif what == 4:
            self.ecr_call("describe_images", repositoryName=repo)
        elif what == 5:
            self.ecr_call("list_images", repositoryName=repo)
        elif what == 6:
            self.ecr_call("batch_get_image", repositoryName=repo,
                          imageIds=[{"imageTag": t} for t in TAGS])
        elif what == 9:
            self.ecr_layer_upload(repo)
        elif what == 7:
            self.ecr_call("put_image_tag_mutability", repositoryName=repo,
                          imageTagMutability=self.rng.choice(["MUTABLE", "MUTABLE", "IMMUTABLE"]))
        elif what == 8 and self.rng.random() < 0.3:
            # Lifecycle runs (on put and every few seconds) race with everything else.
            self.ecr_call("put_lifecycle_policy", repositoryName=repo, lifecyclePolicyText=json.dumps(
                {"rules": [{"rulePriority": 1, "description": "the stress test keeps one untagged image",
                            "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan",
                                          "countNumber": 1}, "action": {"type": "expire"}},
                           {"rulePriority": 2, "description": "and the newest two of the tagged ones",
                            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 2},
                            "action": {"type": "expire"}}]}))
        else:
            self.ecr_call("describe_repositories")

    def run(self):
        ops = [self.upload] * 6 + [self.mount] * 2 + [self.get_blob] * 2 + [self.put_manifest] * 5 + \
              [self.get_manifest] * 3 + [self.delete] * 2 + [self.listing] + [self.ecr_operation] * 3 + \
              [self.churn] * 3 + [self.keep]
        try:
            while time.time() < self.deadline:
                self.rng.choice(ops)()
        except Exception as e:  # a connection the server broke, or a bug here: either fails the test
            self.shared.fail(f"worker stopped: {type(e).__name__}: {e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("ak")
    ap.add_argument("sk")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--seed", type=int, default=20261127)
    args = ap.parse_args()
    shared = Shared(args.seed)
    deadline = time.time() + args.seconds
    workers = [Worker(shared, args.url, args.ak, args.sk, args.seed + i, deadline) for i in range(args.workers)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(args.seconds + 120)
        if w.is_alive():
            shared.fail("a worker hung")
    # Every image acknowledged where nothing deletes is served whole, its blob included.
    checker = Worker(shared, args.url, args.ak, args.sk, args.seed, deadline)
    for manifest, blob in shared.kept:
        resp, data = checker.request("verify-manifest", "GET", f"/v2/{KEPT_REPO}/manifests/{manifest}",
                                     headers={"Accept": OCI_MANIFEST})
        if resp.status != 200 or sha256(data) != manifest:
            shared.fail(f"acknowledged {KEPT_REPO}@{manifest} answered {resp.status}")
            continue
        resp, data = checker.request("verify-blob", "GET", f"/v2/{KEPT_REPO}/blobs/{blob}")
        if resp.status != 200 or sha256(data) != blob:
            shared.fail(f"blob {blob} of acknowledged {KEPT_REPO}@{manifest} answered {resp.status}")
    print(f"stress: {len(shared.kept)} acknowledged images checked afterwards")
    total = sum(shared.counts.values())
    print(f"stress: {args.workers} workers, {total} operations in {args.seconds:.0f}s (seed {args.seed})")
    for (op, status), n in sorted(shared.counts.items(), key=str):
        print(f"  {n:6d}  {op} {status}")
    for f in shared.failures[:30]:
        print("FAIL:", f)
    return 1 if shared.failures else 0


if __name__ == "__main__":
    sys.exit(main())
