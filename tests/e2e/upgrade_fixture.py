#!/usr/bin/env python3
"""Makes and checks the upgrade fixture: a data directory written by a released Berth that every
later Berth must open and serve unchanged.

  upgrade_fixture.py make  URL ACCESS_KEY SECRET EXPECTED_JSON
      pushes images (OCI and Docker manifests, an index, a referrer, shared and mounted blobs)
      and sets ECR settings through both APIs, then records what the registry answers
  upgrade_fixture.py check URL ACCESS_KEY SECRET EXPECTED_JSON
      asks the same questions and fails unless every answer is the same; every manifest and
      blob read must hash to its digest (byte for byte)

Exits non-zero on the first difference, printing it."""
import base64
import hashlib
import json
import os
import sys
import urllib.error
import urllib.request

import boto3
import botocore.exceptions

mode, url, ak, sk, expected_path = sys.argv[1:6]
ecr = boto3.client("ecr", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id=ak, aws_secret_access_key=sk)
AUTH = "Basic " + base64.b64encode(f"{ak}:{sk}".encode()).decode()
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
ALL_MANIFESTS = ", ".join([OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST,
                           "application/vnd.docker.distribution.manifest.list.v2+json"])
checks = 0


def fail(what):
    print("FAIL:", what)
    sys.exit(1)


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        fail(what)


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def http(method, path, body=None, headers=None):
    req = urllib.request.Request(url + path, data=body, method=method,
                                 headers={"Authorization": AUTH, **(headers or {})})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


# --- making ---------------------------------------------------------------------------------------

def push_blob(repo, data):
    digest = sha(data)
    status, _, body = http("POST", f"/v2/{repo}/blobs/uploads/?digest={digest}", data,
                           {"Content-Type": "application/octet-stream"})
    if status != 201:
        fail(f"blob push to {repo}: {status} {body[:200]}")
    return {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": len(data)}


def push_manifest(repo, ref, media_type, doc):
    data = json.dumps(doc, separators=(",", ":")).encode()
    status, _, body = http("PUT", f"/v2/{repo}/manifests/{ref}", data, {"Content-Type": media_type})
    if status != 201:
        fail(f"manifest push to {repo}:{ref}: {status} {body[:200]}")
    return {"mediaType": media_type, "digest": sha(data), "size": len(data)}


def image(repo, tag, layers, media_type=OCI_MANIFEST, platform="amd64", subject=None, artifact_type=None):
    config = json.dumps({"architecture": platform, "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]}}).encode()
    cfg = push_blob(repo, config)
    cfg["mediaType"] = ("application/vnd.oci.image.config.v1+json" if media_type == OCI_MANIFEST
                        else "application/vnd.docker.container.image.v1+json")
    doc = {"schemaVersion": 2, "mediaType": media_type, "config": cfg, "layers": layers}
    if media_type == DOCKER_MANIFEST:
        doc["layers"] = [dict(l, mediaType="application/vnd.docker.image.rootfs.diff.tar.gzip") for l in layers]
    if subject:
        doc["subject"] = subject
    if artifact_type:
        doc["artifactType"] = artifact_type
        doc["annotations"] = {"org.example.note": "made for the upgrade fixture"}
    return push_manifest(repo, tag, media_type, doc)


def make():
    ecr.create_repository(repositoryName="team/app", imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                          imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "latest"}],
                          imageScanningConfiguration={"scanOnPush": True},
                          tags=[{"Key": "team", "Value": "platform"}, {"Key": "env", "Value": "prod"}])
    ecr.create_repository(repositoryName="library/base")
    ecr.put_account_setting(name="BLOB_MOUNTING", value="ENABLED")

    shared = push_blob("library/base", os.urandom(70000))
    base = image("library/base", "1.0", [shared, push_blob("library/base", os.urandom(1234))])
    image("library/base", "docker", [shared], media_type=DOCKER_MANIFEST)

    # team/app gets the shared layer by a cross-repository mount, then its own images.
    status, _, _ = http("POST", f"/v2/team/app/blobs/uploads/?mount={shared['digest']}&from=library/base")
    check(status == 201, f"mount answered {status}")
    arm = image("team/app", "arm64-only", [shared, push_blob("team/app", os.urandom(5000))], platform="arm64")
    amd = image("team/app", "amd64-only", [shared, push_blob("team/app", os.urandom(6000))])
    index_doc = {"schemaVersion": 2, "mediaType": OCI_INDEX,
                 "manifests": [dict(amd, platform={"architecture": "amd64", "os": "linux"}),
                               dict(arm, platform={"architecture": "arm64", "os": "linux"})]}
    index = push_manifest("team/app", "v1", OCI_INDEX, index_doc)
    push_manifest("team/app", "latest", OCI_INDEX, index_doc)
    image("team/app", "sbom", [push_blob("team/app", b'{"sbom": true}')], subject=index,
          artifact_type="application/vnd.example.sbom")
    # An untagged image, and a tag deleted again.
    image("team/app", "tmp", [push_blob("team/app", os.urandom(300))])
    http("DELETE", "/v2/team/app/manifests/tmp")
    print(f"pushed; base image {base['digest']}")
    with open(expected_path, "w") as f:
        json.dump(observe(), f, indent=1, sort_keys=True)


# --- observing ------------------------------------------------------------------------------------

def strip_volatile(images):
    # Pull times change with every pull (this very check pulls).
    for i in images:
        i.pop("lastRecordedPullTime", None)
    return images


def observe():
    """Everything a client can read, in a form two registries can be compared by."""
    out = {"catalog": json.loads(http("GET", "/v2/_catalog")[2]), "repositories": {}}
    described = ecr.describe_repositories()["repositories"]
    for r in described:
        r["createdAt"] = r["createdAt"].timestamp()
        r["repositoryUri"] = r["repositoryUri"].split("/", 1)[1]  # the host is wherever it runs
    out["describe_repositories"] = sorted(described, key=lambda r: r["repositoryName"])
    out["account_setting"] = ecr.get_account_setting(name="BLOB_MOUNTING")
    out["account_setting"].pop("ResponseMetadata", None)
    out["registry_id"] = ecr.describe_registry()["registryId"]
    for repo in out["catalog"]["repositories"]:
        r = {"tags": json.loads(http("GET", f"/v2/{repo}/tags/list")[2])["tags"]}
        arn = next(d["repositoryArn"] for d in described if d["repositoryName"] == repo)
        r["resource_tags"] = sorted(ecr.list_tags_for_resource(resourceArn=arn)["tags"], key=lambda t: t["Key"])
        images = ecr.describe_images(repositoryName=repo)["imageDetails"]
        for i in images:
            i["imagePushedAt"] = i["imagePushedAt"].timestamp()
            i.pop("lastRecordedPullTime", None)
            i.get("imageTags", []).sort()
        r["images"] = sorted(images, key=lambda i: i["imageDigest"])
        r["manifests"] = {}
        for i in r["images"]:
            digest = i["imageDigest"]
            status, headers, body = http("GET", f"/v2/{repo}/manifests/{digest}", headers={"Accept": ALL_MANIFESTS})
            check(status == 200, f"{repo}@{digest}: {status}")
            check(sha(body) == digest, f"{repo}@{digest} served bytes that hash to {sha(body)}")
            doc = json.loads(body)
            blobs = ([doc["config"]] if "config" in doc else []) + doc.get("layers", [])
            for b in blobs:
                status, _, data = http("GET", f"/v2/{repo}/blobs/{b['digest']}")
                check(status == 200, f"blob {repo}@{b['digest']}: {status}")
                check(sha(data) == b["digest"] and len(data) == b["size"],
                      f"blob {repo}@{b['digest']} is not byte for byte what was pushed")
            r["manifests"][digest] = {"content_type": headers.get("Content-Type"),
                                      "blobs": [b["digest"] for b in blobs]}
            if doc.get("mediaType") == OCI_INDEX:
                status, _, body = http("GET", f"/v2/{repo}/referrers/{digest}")
                r["manifests"][digest]["referrers"] = json.loads(body)
        for tag in r["tags"]:
            status, headers, body = http("GET", f"/v2/{repo}/manifests/{tag}", headers={"Accept": ALL_MANIFESTS})
            check(status == 200, f"{repo}:{tag}: {status}")
            r.setdefault("tag_digests", {})[tag] = headers.get("Docker-Content-Digest")
        out["repositories"][repo] = r
    return out


def compare(want, got, where="answer"):
    if isinstance(want, dict) and isinstance(got, dict):
        for k in sorted(set(want) | set(got)):
            if k not in got:
                fail(f"{where}.{k} is missing (want {json.dumps(want[k])[:200]})")
            if k not in want:
                fail(f"{where}.{k} is new: {json.dumps(got[k])[:200]}")
            compare(want[k], got[k], f"{where}.{k}")
    elif want != got:
        fail(f"{where} is {json.dumps(got)[:300]}, want {json.dumps(want)[:300]}")
    else:
        global checks
        checks += 1


def check_fixture():
    with open(expected_path) as f:
        want = json.load(f)
    compare(want, json.loads(json.dumps(observe())))
    # The upgraded registry takes new pushes, under the rules its settings kept.
    other = http("GET", "/v2/team/app/manifests/amd64-only", headers={"Accept": OCI_MANIFEST})[2]
    try:
        ecr.put_image(repositoryName="team/app", imageTag="v1", imageManifest=other.decode())
        fail("a push over the immutable tag v1 succeeded")
    except botocore.exceptions.ClientError as e:
        check(e.response["Error"]["Code"] == "ImageTagAlreadyExistsException",
              f"push over an immutable tag: {e.response['Error']['Code']}")
    new = image("team/app", "after-upgrade", [push_blob("team/app", os.urandom(4096))])
    status, _, body = http("GET", f"/v2/team/app/manifests/after-upgrade", headers={"Accept": OCI_MANIFEST})
    check(status == 200 and sha(body) == new["digest"], "a push after the upgrade reads back")
    print(f"upgrade fixture: {checks} checks passed")


if mode == "make":
    make()
elif mode == "check":
    check_fixture()
else:
    fail(f"unknown mode {mode}")
