#!/usr/bin/env python3
"""IAM and STS with boto3 against Berth: users, groups, keys and policies through the SDK's own
calls and paginators, the error codes botocore reads, and a user's rights changing under it.

usage: iam_boto3.py URL ACCESS_KEY SECRET_KEY
"""
import json
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

url, ak, sk = sys.argv[1:4]
cfg = Config(retries={"max_attempts": 1})


def client(service, key=ak, secret=sk):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, config=cfg)


iam, sts = client("iam"), client("sts")
failures = 0


def check(what, ok):
    global failures
    if not ok:
        failures += 1
        print("FAIL:", what)


def error_code(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


account = sts.get_caller_identity()["Account"]
check("root arn", sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{account}:root")

# Users, paged by the SDK's paginator.
names = [f"svc-{i:02d}" for i in range(23)]
for n in names:
    iam.create_user(UserName=n, Path="/svc/")
pages = list(iam.get_paginator("list_users").paginate(PathPrefix="/svc/", PaginationConfig={"PageSize": 5}))
check("5 pages of 5", len(pages) == 5)
check("every user once, in order", [u["UserName"] for p in pages for u in p["Users"]] == names)
check("CreateDate is a datetime", hasattr(pages[0]["Users"][0]["CreateDate"], "year"))
check("NoSuchEntity", error_code(iam.get_user, UserName="nobody") == "NoSuchEntity")
check("EntityAlreadyExists", error_code(iam.create_user, UserName="svc-00") == "EntityAlreadyExists")
check("ValidationError", error_code(iam.create_user, UserName="bad name") == "ValidationError")
for n in names[5:]:
    iam.delete_user(UserName=n)
check("deleted", [u["UserName"] for u in iam.list_users(PathPrefix="/svc/")["Users"]] == names[:5])

# A group with a managed policy, a user in it with a key.
iam.create_group(GroupName="pullers")
iam.attach_group_policy(GroupName="pullers", PolicyArn="arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly")
iam.add_user_to_group(GroupName="pullers", UserName="svc-00")
key = iam.create_access_key(UserName="svc-00")["AccessKey"]
check("a fresh key is active", key["Status"] == "Active")
check("the group lists its member", [u["UserName"] for u in iam.get_group(GroupName="pullers")["Users"]] == ["svc-00"])
check("attached", [p["PolicyName"] for p in iam.list_attached_group_policies(GroupName="pullers")["AttachedPolicies"]]
      == ["AmazonEC2ContainerRegistryPullOnly"])
user_ecr = client("ecr", key["AccessKeyId"], key["SecretAccessKey"])
user_sts = client("sts", key["AccessKeyId"], key["SecretAccessKey"])
user_iam = client("iam", key["AccessKeyId"], key["SecretAccessKey"])
check("the user's identity", user_sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{account}:user/svc/svc-00")
check("PullOnly allows a token", "authorizationData" in user_ecr.get_authorization_token())
check("but not listing repositories", error_code(user_ecr.describe_repositories) == "AccessDeniedException" or
      user_ecr.describe_repositories()["repositories"] == [])
check("nor IAM", error_code(user_iam.list_users) == "AccessDenied")
check("the user may read its own user with a policy",
      iam.put_user_policy(UserName="svc-00", PolicyName="self", PolicyDocument=json.dumps({
          "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:GetUser", "iam:*AccessKey*"],
                                                  "Resource": "arn:aws:iam::*:user/svc/${aws:username}"}]})) is not None)
check("GetUser without a name is the caller", user_iam.get_user()["User"]["UserName"] == "svc-00")
check("and not another user", error_code(user_iam.get_user, UserName="svc-01") == "AccessDenied")
second = user_iam.create_access_key()["AccessKey"]
check("a user makes its own second key", second["UserName"] == "svc-00")
check("a third is over the quota", error_code(user_iam.create_access_key) == "LimitExceeded")
check("the policy comes back as a document", iam.get_user_policy(UserName="svc-00", PolicyName="self")
      ["PolicyDocument"]["Statement"][0]["Resource"] == "arn:aws:iam::*:user/svc/${aws:username}")
check("MalformedPolicyDocument", error_code(iam.put_user_policy, UserName="svc-00", PolicyName="x",
                                            PolicyDocument="{\"Statement\": 5}") == "MalformedPolicyDocument")
user_iam.update_access_key(AccessKeyId=second["AccessKeyId"], Status="Inactive")
inactive = client("sts", second["AccessKeyId"], second["SecretAccessKey"])
check("an inactive key is refused", error_code(inactive.get_caller_identity) == "InvalidClientTokenId")

# Customer managed policies, listed by scope.
doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:DescribeRepositories", "Resource": "*"}]}
arn = iam.create_policy(PolicyName="describe", PolicyDocument=json.dumps(doc), Path="/team/")["Policy"]["Arn"]
check("policy ARN with its path", arn == f"arn:aws:iam::{account}:policy/team/describe")
check("GetPolicyVersion decodes", iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"] == doc)
iam.attach_user_policy(UserName="svc-00", PolicyArn=arn)
check("rights follow at once", "repositories" in user_ecr.describe_repositories())
local = [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]]
check("local policies", local == ["describe"])
check("attached-only", [p["PolicyName"] for p in iam.list_policies(OnlyAttached=True)["Policies"]] ==
      sorted(["AmazonEC2ContainerRegistryPullOnly", "describe"], key=lambda n: "arn:aws:iam::aws:policy/" + n
             if n.startswith("Amazon") else f"arn:aws:iam::{account}:policy/team/" + n))
check("DeleteConflict while attached", error_code(iam.delete_policy, PolicyArn=arn) == "DeleteConflict")
iam.detach_user_policy(UserName="svc-00", PolicyArn=arn)
iam.delete_policy(PolicyArn=arn)
check("gone", error_code(iam.get_policy, PolicyArn=arn) == "NoSuchEntity")

print(f"iam_boto3: {failures} failures")
sys.exit(1 if failures else 0)
