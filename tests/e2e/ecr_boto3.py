#!/usr/bin/env python3
"""boto3 against Berth's ECR API. usage: ecr_boto3.py URL ACCESS_KEY SECRET WORKDIR

Exits non-zero on the first failed check, printing what failed."""
import base64
import datetime
import hashlib
import hmac
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import boto3
import botocore.exceptions

url, ak, sk, work = sys.argv[1:5]
host = url.split("://", 1)[1]
ecr = boto3.client("ecr", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id=ak, aws_secret_access_key=sk)
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


def error_code(fn, **kw):
    try:
        fn(**kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return None


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


POLICY = os.path.join(work, "policy.json")
with open(POLICY, "w") as f:
    json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)
AUTH = os.path.join(work, "auth.json")
token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
user, password = base64.b64decode(token).decode().split(":", 1)
check(user == "AWS", "token user is AWS")
with open(AUTH, "w") as f:
    json.dump({"auths": {host: {"auth": token}}}, f)


def skopeo(*args):
    subprocess.run(["skopeo", "--policy", POLICY, *args], check=True, capture_output=True)


# --- 1. push with the layer operations and PutImage, pull with skopeo ---------------------------
ecr.create_repository(repositoryName="boto/app")
layer = os.urandom(3 * 1024 * 1024 + 17)
config = json.dumps({"architecture": "amd64", "os": "linux",
                     "rootfs": {"type": "layers", "diff_ids": [sha(layer)]}}).encode()
for blob in (layer, config):
    upload = ecr.initiate_layer_upload(repositoryName="boto/app")
    part = upload["partSize"]
    offset = 0
    while offset < len(blob):
        chunk = blob[offset:offset + min(part, 1024 * 1024)]
        r = ecr.upload_layer_part(repositoryName="boto/app", uploadId=upload["uploadId"],
                                  partFirstByte=offset, partLastByte=offset + len(chunk) - 1,
                                  layerPartBlob=chunk)
        check(r["lastByteReceived"] == offset + len(chunk) - 1, "lastByteReceived")
        offset += len(chunk)
    done = ecr.complete_layer_upload(repositoryName="boto/app", uploadId=upload["uploadId"],
                                     layerDigests=[sha(blob)])
    check(done["layerDigest"] == sha(blob), "CompleteLayerUpload digest")
avail = ecr.batch_check_layer_availability(repositoryName="boto/app", layerDigests=[sha(layer), sha(config)])
check(len(avail["layers"]) == 2 and not avail["failures"], "both layers available")
manifest = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": sha(config), "size": len(config)},
    "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar", "digest": sha(layer), "size": len(layer)}]})
image = ecr.put_image(repositoryName="boto/app", imageManifest=manifest, imageTag="v1")["image"]
check(image["imageId"]["imageDigest"] == sha(manifest.encode()), "PutImage digest")
check(image["imageManifestMediaType"] == "application/vnd.docker.distribution.manifest.v2+json", "PutImage media type")
dest = os.path.join(work, "pulled")
skopeo("copy", "--src-tls-verify=false", "--authfile", AUTH, f"docker://{host}/boto/app:v1", f"dir:{dest}")
check(open(os.path.join(dest, "manifest.json"), "rb").read() == manifest.encode(), "skopeo pulled the exact manifest")
check(open(os.path.join(dest, sha(layer)[7:]), "rb").read() == layer, "skopeo pulled the layer")

# --- 2. push with skopeo, pull with BatchGetImage and GetDownloadUrlForLayer --------------------
layout = os.path.join(work, "layout")
subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "make_oci_layout.py"), layout, "v2"],
               check=True, capture_output=True)
skopeo("copy", "--dest-tls-verify=false", "--authfile", AUTH, f"oci:{layout}:v2", f"docker://{host}/boto/app:v2")
got = ecr.batch_get_image(repositoryName="boto/app", imageIds=[{"imageTag": "v2"}])["images"][0]
want_digest = json.load(open(os.path.join(layout, "index.json")))["manifests"][0]["digest"]
check(got["imageId"]["imageDigest"] == want_digest, "BatchGetImage digest")
check(sha(got["imageManifest"].encode()) == want_digest, "BatchGetImage manifest bytes")
pulled = json.loads(got["imageManifest"])
for desc in [pulled["config"]] + pulled["layers"]:
    link = ecr.get_download_url_for_layer(repositoryName="boto/app", layerDigest=desc["digest"])["downloadUrl"]
    data = urllib.request.urlopen(link).read()
    check(sha(data) == desc["digest"] and len(data) == desc["size"], f"download {desc['digest']}")
details = ecr.describe_images(repositoryName="boto/app", imageIds=[{"imageTag": "v2"}])["imageDetails"][0]
check(details["imageManifestMediaType"] == "application/vnd.oci.image.manifest.v1+json", "DescribeImages media type")
check(isinstance(details["imagePushedAt"], datetime.datetime), "imagePushedAt is a timestamp")

# --- 3. paginators and declared errors -----------------------------------------------------------
for i in range(7):
    ecr.create_repository(repositoryName=f"boto/paged{i}")
pages = list(ecr.get_paginator("describe_repositories").paginate(PaginationConfig={"PageSize": 3}))
names = [r["repositoryName"] for p in pages for r in p["repositories"]]
check(len(pages) == 3 and names == sorted(names) and len(names) == 8, f"paginated DescribeRepositories: {names}")
ids = [i for p in ecr.get_paginator("list_images").paginate(repositoryName="boto/app", PaginationConfig={"PageSize": 1})
       for i in p["imageIds"]]
check(sorted(i["imageTag"] for i in ids) == ["v1", "v2"], "paginated ListImages")
check(error_code(ecr.describe_repositories, repositoryNames=["boto/none"]) == "RepositoryNotFoundException", "unknown repo")
check(error_code(ecr.put_image, repositoryName="boto/app", imageManifest=manifest, imageTag="v1") == "ImageAlreadyExistsException",
      "ImageAlreadyExistsException")
check(error_code(ecr.create_repository, repositoryName="boto/app") == "RepositoryAlreadyExistsException", "exists")
ecr.put_image_tag_mutability(repositoryName="boto/app", imageTagMutability="IMMUTABLE")
check(error_code(ecr.put_image, repositoryName="boto/app", imageManifest=got["imageManifest"], imageTag="v1")
      == "ImageTagAlreadyExistsException", "ImageTagAlreadyExistsException")

# --- 4. SigV4: crafted requests that must be refused ---------------------------------------------


def signed_request(body=b"{}", secret=sk, key=ak, region="us-east-1", service="ecr", when=None,
                   signed=("content-type", "host", "x-amz-date", "x-amz-target"), tamper=None, auth=True):
    when = when or datetime.datetime.now(datetime.timezone.utc)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    headers = {"content-type": "application/x-amz-json-1.1", "host": host, "x-amz-date": amz_date,
               "x-amz-target": "AmazonEC2ContainerRegistry_V20150921.DescribeRegistry"}
    canonical = "\n".join(["POST", "/", "", "".join(f"{h}:{headers[h]}\n" for h in sorted(signed)),
                           ";".join(sorted(signed)), hashlib.sha256(body).hexdigest()])
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (amz_date[:8], region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    if auth:
        headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={key}/{scope}, "
                                    f"SignedHeaders={';'.join(sorted(signed))}, Signature={signature}")
    if tamper:
        body = tamper(body)
    req = urllib.request.Request(url + "/", data=body, method="POST",
                                 headers={k: v for k, v in headers.items() if k != "host"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


status, out = signed_request()
check(status == 200 and "registryId" in out, f"a correctly signed request works: {status} {out}")
for what, kwargs, want in [
    ("tampered body", {"tamper": lambda b: b'{"x":1}'}, "InvalidSignatureException"),
    ("wrong secret", {"secret": "not-the-secret"}, "InvalidSignatureException"),
    ("wrong region", {"region": "eu-west-1"}, "InvalidSignatureException"),
    ("wrong service", {"service": "s3"}, "InvalidSignatureException"),
    ("unknown key", {"key": "AKIANOTAKEY000000000"}, "UnrecognizedClientException"),
    ("clock 20 minutes behind", {"when": datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)},
     "InvalidSignatureException"),
    ("clock 20 minutes ahead", {"when": datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=20)},
     "InvalidSignatureException"),
    ("x-amz-target not signed", {"signed": ("content-type", "host", "x-amz-date")}, "IncompleteSignatureException"),
    ("host not signed", {"signed": ("content-type", "x-amz-date", "x-amz-target")}, "IncompleteSignatureException"),
    ("no Authorization", {"auth": False}, "MissingAuthenticationTokenException"),
]:
    status, out = signed_request(**kwargs)
    check(status in (400, 403) and out.get("__type") == want, f"{what}: {status} {out}")
status, out = signed_request(when=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=14))
check(status == 200, f"14 minutes of skew is tolerated: {status} {out}")
print(f"ecr_boto3.py: all {checks} checks passed")
