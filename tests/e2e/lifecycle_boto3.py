#!/usr/bin/env python3
"""The archive storage class and pull-time exclusions with boto3, for lifecycle.sh (one process:
the aws CLI's start-up would cost a second per call).

usage: lifecycle_boto3.py URL AK SK [--data DIR --archive DIR]
  --data/--archive: the embedded store's directories, to check where archived bytes live.
Prints one line per failed check and exits 1 if any failed.
"""
import argparse
import hashlib
import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lifecycle_client as lc  # noqa: E402

failures, checks = [], 0


def check(what, ok):
    global checks
    checks += 1
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def error_code(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None, None


def blob_path(root, digest):
    hexd = digest.split(":")[1]
    return f"{root}/blobs/sha256/{hexd[:2]}/{hexd}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("ak")
    ap.add_argument("sk")
    ap.add_argument("--data")
    ap.add_argument("--archive")
    args = ap.parse_args()
    cfg = dict(endpoint_url=args.url, region_name="us-east-1", aws_access_key_id=args.ak,
               aws_secret_access_key=args.sk, config=Config(retries={"max_attempts": 2}))
    ecr, iam = boto3.client("ecr", **cfg), boto3.client("iam", **cfg)
    repo = "life/arch"
    ecr.create_repository(repositoryName=repo)
    reg = lc.Registry(args.url, args.ak, args.sk, repo)
    images = {}
    for n in ("a1", "a2", "a3", "pt"):
        if n == "a3":
            time.sleep(1)  # a3 the youngest "a" image (push times are seconds)
        digest, _, own = lc.image(reg, n, [n])
        images[n] = (digest, own)

    # --- by hand -------------------------------------------------------------------------------
    out = ecr.update_image_storage_class(repositoryName=repo, imageId={"imageTag": "a3"}, targetStorageClass="ARCHIVE")
    check("archived", out["imageStatus"] == "ARCHIVED")
    d = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": "a3"}])["imageDetails"][0]
    check("described as archived, with the time", d["imageStatus"] == "ARCHIVED" and "lastArchivedAt" in d)
    status, _, body = reg.call("GET", f"/v2/{repo}/manifests/a3", headers={"Accept": lc.MANIFEST})
    check(f"an archived image is not served (/v2/ {status})", status == 404 and b"MANIFEST_UNKNOWN" in body)
    check("the /v2/ error names the archive", b"archive" in body)
    got = ecr.batch_get_image(repositoryName=repo, imageIds=[{"imageTag": "a3"}])
    check("batch-get-image says it is archived",
          not got["images"] and "archived" in got["failures"][0]["failureReason"])
    listed = ecr.list_images(repositoryName=repo, filter={"imageStatus": "ARCHIVED"})["imageIds"]
    check("list-images filters by imageStatus", [i.get("imageTag") for i in listed] == ["a3"])
    shared = "sha256:" + hashlib.sha256(b"a layer every image of the test shares" * 100).hexdigest()
    own = images["a3"][1]
    if args.archive:
        check("the archived image's own layer moved to the archive directory", os.path.exists(blob_path(args.archive, own)))
        check("... and left the data directory", not os.path.exists(blob_path(args.data, own)))
        check("a layer standard images share stays", os.path.exists(blob_path(args.data, shared)))
    out = ecr.update_image_storage_class(repositoryName=repo, imageId={"imageTag": "a3"}, targetStorageClass="STANDARD")
    check("restored", out["imageStatus"] == "ACTIVE")
    if args.archive:
        check("restored: its layer came back", os.path.exists(blob_path(args.data, own))
              and not os.path.exists(blob_path(args.archive, own)))
    check("a restored image is served whole", verify(reg, images["a3"][0]))
    d = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": "a3"}])["imageDetails"][0]
    check("restored: lastActivatedAt", d["imageStatus"] == "ACTIVE" and "lastActivatedAt" in d)
    code, _ = error_code(ecr.update_image_storage_class, repositoryName=repo, imageId={"imageTag": "nope"},
                         targetStorageClass="ARCHIVE")
    check(f"a missing image: ImageNotFoundException ({code})", code == "ImageNotFoundException")

    # --- by a lifecycle transition: all but the newest "a" image -------------------------------------
    policy = ('{"rules":[{"rulePriority":1,"description":"archive all but the newest a image","selection":'
              '{"tagStatus":"tagged","tagPrefixList":["a"],"countType":"imageCountMoreThan","countNumber":1},'
              '"action":{"type":"transition","targetStorageClass":"archive"}}]}')
    ecr.start_lifecycle_policy_preview(repositoryName=repo, lifecyclePolicyText=policy)
    ecr.get_waiter("lifecycle_policy_preview_complete").wait(repositoryName=repo, WaiterConfig={"Delay": 1})
    preview = ecr.get_lifecycle_policy_preview(repositoryName=repo)
    seen = sorted((r["imageTags"][0], r["action"]["type"], r["action"].get("targetStorageClass"))
                  for r in preview["previewResults"])
    check(f"the preview transitions a1 and a2 ({seen})", seen == [("a1", "TRANSITION", "ARCHIVE"), ("a2", "TRANSITION", "ARCHIVE")])
    check("the summary counts transitions", preview["summary"]["transitioningImageTotalCounts"] ==
          [{"targetStorageClass": "ARCHIVE", "imageTotalCount": 2}])
    ecr.put_lifecycle_policy(repositoryName=repo, lifecyclePolicyText=policy)
    for _ in range(50):
        archived = sorted(i["imageTag"] for i in ecr.list_images(repositoryName=repo, filter={"imageStatus": "ARCHIVED"})["imageIds"])
        if archived == ["a1", "a2"]:
            break
        time.sleep(0.2)
    check(f"the run archived a1 and a2 ({archived})", archived == ["a1", "a2"])
    time.sleep(2.5)  # past two grace periods: the collector must keep what archived images use
    ecr.update_image_storage_class(repositoryName=repo, imageId={"imageTag": "a1"}, targetStorageClass="STANDARD")
    check("an archived image's blobs outlive the collector", verify(reg, images["a1"][0]))

    # --- pull times and their exclusions --------------------------------------------------------------
    arn = iam.create_user(UserName="scanner")["User"]["Arn"]
    iam.attach_user_policy(UserName="scanner", PolicyArn="arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly")
    key = iam.create_access_key(UserName="scanner")["AccessKey"]
    out = ecr.register_pull_time_update_exclusion(principalArn=arn)
    check("exclusion registered", out["principalArn"] == arn and "createdAt" in out)
    code, message = error_code(ecr.register_pull_time_update_exclusion, principalArn=arn)
    check(f"registered twice: ExclusionAlreadyExistsException ({code})", code == "ExclusionAlreadyExistsException")
    check("exclusions listed", ecr.list_pull_time_update_exclusions()["pullTimeUpdateExclusions"] == [arn])

    def pulled_at():
        d = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": "pt"}])["imageDetails"][0]
        return d.get("lastRecordedPullTime")

    scanner = lc.Registry(args.url, key["AccessKeyId"], key["SecretAccessKey"], repo)
    check("the scanner pulls", verify(scanner, images["pt"][0]))
    time.sleep(3)  # pull times are written every second
    check("an excluded principal's pull is not recorded", pulled_at() is None)
    check("the admin pulls", verify(reg, images["pt"][0]))
    for _ in range(40):
        if pulled_at() is not None:
            break
        time.sleep(0.25)
    check("another principal's pull is recorded", pulled_at() is not None)
    ecr.deregister_pull_time_update_exclusion(principalArn=arn)
    code, _ = error_code(ecr.deregister_pull_time_update_exclusion, principalArn=arn)
    check(f"deregistered twice: ExclusionNotFoundException ({code})", code == "ExclusionNotFoundException")
    print(f"lifecycle_boto3: {checks - len(failures)} of {checks} checks passed")
    return 1 if failures else 0


def verify(reg, digest):
    status, _, body = reg.call("GET", f"/v2/{reg.repo}/manifests/{digest}", headers={"Accept": lc.MANIFEST})
    if status != 200 or lc.sha(body) != digest:
        return False
    import json
    doc = json.loads(body)
    for d in [doc["config"]] + doc["layers"]:
        status, _, blob = reg.call("GET", f"/v2/{reg.repo}/blobs/{d['digest']}")
        if status != 200 or lc.sha(blob) != d["digest"]:
            return False
    return True


if __name__ == "__main__":
    sys.exit(main())
