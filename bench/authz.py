#!/usr/bin/env python3
"""make bench (third part): what identity and access cost a pull.

Manifest GET (wrk, 32 connections) on one Berth with authentication on, by the account root
(never evaluated) and by an IAM user whose rights come from three attached managed policies of
20 statements each (the one that allows the pull is the last statement of the last policy, so
every statement is evaluated), the audit trail recording every request in both. The issue's goal
is the user at 90% of the root's rate or better.

Environment: BENCH_QUICK=1 shrinks durations.
"""
import base64
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as base  # noqa: E402

ROOT, WORK, RUNS = base.ROOT, base.WORK, base.RUNS


def aws(server, creds_file, *args):
    env = dict(os.environ, AWS_SHARED_CREDENTIALS_FILE=creds_file, AWS_PROFILE="berth", AWS_DEFAULT_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true", AWS_PAGER="")
    out = subprocess.run(["aws", *args[:1], "--endpoint-url", server.url, "--output", "json", *args[1:]],
                         env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else {}


def policy(index, allow_last):
    statements = []
    for i in range(20):
        statements.append({"Sid": f"S{index}x{i}", "Effect": "Allow",
                           "Action": [f"ecr:Describe{i}*", "ecr:ListTagsForResource", f"ecr:Get{i}Thing"],
                           "Resource": f"arn:aws:ecr:*:*:repository/team{index}-{i}/*",
                           "Condition": {"StringEquals": {"aws:RequestTag/x": f"v{i}"}}})
    if allow_last:
        statements[-1] = {"Sid": "Pull", "Effect": "Allow", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                          "Resource": "arn:aws:ecr:*:*:repository/bench/*"}
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def main():
    os.makedirs(WORK, exist_ok=True)
    with open(base.POLICY, "w") as f:
        json.dump({"default": [{"type": "insecureAcceptAnything"}]}, f)
    accept = f"{WORK}/accept.lua"
    layout = base.make_layout("authz-image", 1 << 20)
    port = base.free_port()
    data = f"{WORK}/authz-data"
    server = base.Server("berth", [f"{ROOT}/build/berth", "serve", "--listen", f"127.0.0.1:{port}", "--data", data,
                                   "--log-level", "warn"], port, health="/healthz")
    try:
        creds = f"{data}/admin-credentials"
        text = open(creds).read()
        ak = text.split("aws_access_key_id = ")[1].split()[0]
        sk = text.split("aws_secret_access_key = ")[1].split()[0]
        base.skopeo("copy", "-q", "--dest-tls-verify=false", "--dest-creds", f"{ak}:{sk}", f"oci:{layout}:img",
                    f"docker://{server.host}/bench/app:img")
        aws(server, creds, "iam", "create-user", "--user-name", "puller")
        key = aws(server, creds, "iam", "create-access-key", "--user-name", "puller")["AccessKey"]
        for i in range(3):
            arn = aws(server, creds, "iam", "create-policy", "--policy-name", f"p{i}", "--policy-document",
                      policy(i, i == 2))["Policy"]["Arn"]
            aws(server, creds, "iam", "attach-user-policy", "--user-name", "puller", "--policy-arn", arn)
        url = f"{server.url}/v2/bench/app/manifests/img"
        results = {}
        for who, user, secret in (("root", ak, sk), ("user", key["AccessKeyId"], key["SecretAccessKey"])):
            script = f"{WORK}/authz-{who}.lua"
            with open(script, "w") as f:
                f.write('wrk.headers["Accept"] = "application/vnd.oci.image.manifest.v1+json"\n')
                token = base64.b64encode(f"{user}:{secret}".encode()).decode()
                f.write(f'wrk.headers["Authorization"] = "Basic {token}"\n')
            base.log(f"[authz] manifest GET as {who} x{RUNS}")
            results[who] = base.median_of([base.wrk(url, 32, script) for _ in range(RUNS)], "rps")
    finally:
        server.stop()
    ratio = results["user"] / results["root"]
    table = ("| manifest GET, 32 conns | root | IAM user (3 policies x 20 statements) | user/root |\n"
             "|---|---|---|---|\n"
             f"| req/s | {results['root']:.0f} | {results['user']:.0f} | {ratio:.2f}x |\n")
    base.save_results("authz", table)
    print(table)


if __name__ == "__main__":
    main()
