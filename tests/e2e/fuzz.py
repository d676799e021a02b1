#!/usr/bin/env python3
"""Hostile input for /v2/ and the ECR JSON API: seeded random requests, each of which must be
answered with something other than a 5xx (or, for a request that is broken on the wire, at least
not hang the server), and the server must still serve at the end.

usage: fuzz.py URL ACCESS_KEY SECRET [--seed N] [--requests N]

The /v2/ requests are written to the socket by hand so that they can be wrong in ways no HTTP
library allows; the ECR requests are signed with botocore's SigV4 signer so that they get past
authentication and reach the model validator and the handlers with inputs the CLI would refuse.
"""
import argparse
import base64
import hashlib
import json
import os
import random
import socket
import sys
import time
import urllib.parse
import xml.etree.ElementTree

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
import botocore.session

ANSWER_TIMEOUT = 15  # seconds: far above any honest answer, far below CI's patience

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MEDIA_TYPES = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST, "application/json", "text/plain",
               "application/vnd.oci.image.manifest.v1+json; charset=utf-8", "", "*/*", "x" * 300]


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Failures:
    def __init__(self):
        self.items = []

    def add(self, what, request, answer):
        if len(self.items) < 20:
            self.items.append(f"{what}\n  request: {request[:300]!r}\n  answer: {answer[:300]!r}")
        else:
            self.items.append(what)


def exchange(host, port, raw, half_close=True):
    """Sends raw bytes; returns (status or None, response bytes). None status: no answer."""
    sock = socket.create_connection((host, port), timeout=ANSWER_TIMEOUT)
    try:
        try:
            sock.sendall(raw)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may refuse mid-request; what it answered is still to be read
        data = b""
        deadline = time.time() + ANSWER_TIMEOUT
        while time.time() < deadline:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("no answer within %ds" % ANSWER_TIMEOUT)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
            if len(data) > 8 << 20:
                break
        else:
            raise TimeoutError("answer not finished within %ds" % ANSWER_TIMEOUT)
    finally:
        sock.close()
    if not data.startswith(b"HTTP/1.1 "):
        return None, data
    try:
        return int(data[9:12]), data
    except ValueError:
        return None, data


class V2Fuzzer:
    def __init__(self, rng, host, port, ak, sk):
        self.rng, self.host, self.port = rng, host, port
        self.auth = "Basic " + base64.b64encode(f"{ak}:{sk}".encode()).decode()
        self.uploads = []
        self.blob = os.urandom(3000)
        self.config = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
        self.manifest = None

    def request(self, method, target, headers=(), body=b"", auth=True, content_length=None):
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if auth:
            lines.append(f"Authorization: {self.auth}")
        lines += list(headers)
        if content_length is None:
            content_length = len(body)
        if body or method in ("PUT", "POST", "PATCH"):
            lines.append(f"Content-Length: {content_length}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace") + body
        return raw, exchange(self.host, self.port, raw)

    def seed_state(self):
        """A repository with a blob, a config and a manifest, so that fuzzed requests reach the
        code behind the lookups."""
        for data in (self.blob, self.config):
            _, (status, _) = self.request("POST", f"/v2/team/app/blobs/uploads/?digest={sha256(data)}", body=data)
            assert status == 201, status
        self.manifest = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(self.config),
                       "size": len(self.config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha256(self.blob),
                        "size": len(self.blob)}]}).encode()
        _, (status, _) = self.request("PUT", "/v2/team/app/manifests/v1", [f"Content-Type: {OCI_MANIFEST}"],
                                      self.manifest)
        assert status == 201, status

    def name(self):
        return self.rng.choice(["team/app", "team/app", "team/app", "other", "a", "a" * 300, "UPPER/x", "../etc",
                                "a//b", "a/./b", "%2e%2e/x", "a%20b", "x/" * 60 + "y", "-a", "a-", "a__b", ""])

    def digest(self):
        r = self.rng
        return r.choice([sha256(self.blob), sha256(self.config), sha256(self.manifest or b""), sha256(os.urandom(8)),
                         "sha256:abc", "sha512:" + "a" * 128, "sha512:" + "a" * 64, "md5:" + "a" * 32,
                         "sha256:" + "G" * 64, "sha256:" + "A" * 64, "sha256:" + "a" * 65, "sha256", ":",
                         "sha256:" + "%00" * 10, "SHA256:" + "a" * 64, "sha256+b64u:" + "a" * 43])

    def ref(self):
        return self.rng.choice([self.digest(), "v1", "latest", "t" * 128, "t" * 129, "-bad", "bad!tag", ".x", "_x",
                                "%2e%2e", ""])

    def query_value(self):
        return self.rng.choice(["", "0", "1", "-1", "100", "10001", "99999999999999999999", "abc", "%zz", "&", "=",
                                "v1", self.digest(), "team/app", "\u00e9"])

    def manifest_body(self):
        r = self.rng
        if not self.manifest or r.random() < 0.1:
            return os.urandom(r.randint(0, 512))
        doc = json.loads(self.manifest)
        for _ in range(r.randint(1, 4)):
            choice = r.randint(0, 9)
            layers = doc.get("layers") if isinstance(doc.get("layers"), list) else []
            target = doc if r.random() < 0.5 else r.choice([doc.get("config", {}), *layers])
            if not isinstance(target, dict):
                continue
            key = r.choice(list(target.keys()) + ["subject", "manifests", "artifactType", "annotations", "urls"])
            if choice == 0:
                target.pop(key, None)
            elif choice == 1:
                target[key] = r.choice([None, True, -1, 2 ** 70, 1.5, "", "x" * 1000, [], {}, [1, 2], {"a": 1}])
            elif choice == 2:
                target[key] = self.digest()
            elif choice == 3:
                target[key] = r.choice(MEDIA_TYPES)
            elif choice == 4:
                doc["layers"] = [dict(doc["layers"][0]) for _ in range(r.choice([0, 1, 2, 300]))] \
                    if isinstance(doc.get("layers"), list) and doc["layers"] and isinstance(doc["layers"][0], dict) \
                    else []
            elif choice == 5:
                doc["manifests"] = [{"mediaType": r.choice(MEDIA_TYPES), "digest": self.digest(),
                                     "size": r.randint(-5, 5000)}]
            elif choice == 6:
                doc["subject"] = {"mediaType": OCI_MANIFEST, "digest": self.digest(), "size": r.randint(-5, 5000)}
            elif choice == 7:
                target[key] = "__NESTED__"  # spliced in as text below: deeper than json.dumps goes
            elif choice == 8:
                target[key] = {"k" + str(i): "v" for i in range(r.choice([1, 100]))}
            else:
                target["schemaVersion"] = r.choice([1, 2, 3, "2", None])
        depth = r.choice([10, 200, 5000])
        body = json.dumps(doc).replace('"__NESTED__"', '{"a":' * depth + "{}" + "}" * depth).encode()
        if r.random() < 0.1:
            cut = r.randint(0, len(body))
            body = body[:cut] + os.urandom(r.randint(0, 4)) + body[cut:]
        return body

    def one(self):
        r = self.rng
        kind = r.randint(0, 9)
        headers = []
        if r.random() < 0.3:
            headers.append("Accept: " + ", ".join(r.sample(MEDIA_TYPES, r.randint(1, 3))))
        if r.random() < 0.2:
            a, b = r.randint(-2, 5000), r.randint(-2, 5000)
            headers.append(r.choice([f"Range: bytes={a}-{b}", f"Range: bytes={a}-", f"Range: bytes=-{b}",
                                     "Range: bytes=0-1,5-9", "Range: items=0-1", f"Content-Range: {a}-{b}",
                                     f"Content-Range: bytes {a}-{b}/*", "Content-Range: x"]))
        auth = r.random() > 0.05
        name, body, method = self.name(), b"", "GET"
        if kind == 0:
            target = r.choice(["/v2/", "/v2", "/v2/_catalog", "/healthz", "/metrics", "/", "/v3/", "//v2/"])
            target += r.choice(["", f"?n={self.query_value()}", f"?n={self.query_value()}&last={self.query_value()}"])
            method = r.choice(["GET", "HEAD", "DELETE", "PUT"])
        elif kind == 1:
            target = f"/v2/{name}/tags/list?n={self.query_value()}&last={self.query_value()}"
        elif kind in (2, 3):
            method = r.choice(["GET", "HEAD", "PUT", "PUT", "DELETE"])
            target = f"/v2/{name}/manifests/{self.ref()}"
            if method == "PUT":
                headers.append("Content-Type: " + r.choice(MEDIA_TYPES))
                body = self.manifest_body()
        elif kind == 4:
            method = r.choice(["GET", "HEAD", "DELETE", "PATCH"])
            target = f"/v2/{name}/blobs/{self.digest()}"
        elif kind in (5, 6):
            method = r.choice(["POST", "POST", "PUT"])
            params = r.choice([f"?digest={self.digest()}", f"?mount={self.digest()}&from={self.name()}",
                               f"?mount={self.digest()}", "", f"?digest={sha256(self.blob)}&mount=x"])
            target = f"/v2/{name}/blobs/uploads/{params}"
            body = r.choice([b"", self.blob, os.urandom(r.randint(1, 70000))])
        elif kind in (7, 8):
            upload = r.choice(self.uploads) if self.uploads and r.random() < 0.8 else \
                f"/v2/{name}/blobs/uploads/" + r.choice(["00000000-0000-0000-0000-000000000000", "x", "..", "a" * 500])
            method = r.choice(["GET", "PATCH", "PATCH", "PUT", "DELETE"])
            target = upload + r.choice(["", f"?digest={self.digest()}", f"?digest={sha256(self.blob)}", "?x=1"])
            if method in ("PATCH", "PUT"):
                body = r.choice([b"", self.blob[:r.randint(0, 3000)], os.urandom(r.randint(1, 5000))])
                if r.random() < 0.5:
                    headers.append(f"Content-Range: {r.randint(0, 4000)}-{r.randint(0, 9000)}")
        else:
            method = r.choice(["GET", "HEAD"])
            target = f"/v2/{name}/referrers/{self.digest()}" + r.choice(
                ["", f"?artifactType={self.query_value()}", "?artifactType=" + urllib.parse.quote(OCI_MANIFEST)])
        content_length = None
        broken = False
        if r.random() < 0.05:
            broken = True  # a body shorter or longer than its Content-Length
            content_length = max(0, len(body) + r.choice([-100, -1, 1, 1000]))
        if r.random() < 0.03:
            broken = True
            headers.append(r.choice(["Transfer-Encoding: chunked", "Content-Length: 5", "Expect: 100-continue",
                                     "X-Long: " + "a" * 20000, "Bad Header Name: x", "\x01: y"]))
        raw, (status, answer) = self.request(method, target, headers, body, auth, content_length)
        if status == 202 and method == "POST":
            for line in answer.split(b"\r\n"):
                if line.lower().startswith(b"location: "):
                    self.uploads.append(line[10:].decode("latin-1"))
                    self.uploads = self.uploads[-20:]
        return raw, status, answer, broken

    def garbage(self):
        r = self.rng
        raw = r.choice([
            os.urandom(r.randint(1, 2000)),
            b"GET /v2/ HTTP/1.1\r\n" + os.urandom(200) + b"\r\n\r\n",
            b"GET " + b"/v2/" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /v2/ HTTP/9.9\r\nHost: x\r\n\r\n",
            b"\r\n\r\n\r\n",
            b"PUT /v2/a/manifests/b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"POST /v2/a/blobs/uploads/ HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            b"POST /v2/a/blobs/uploads/ HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            b"GET /v2/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + os.urandom(30).hex().encode() + b"\r\n\r\n",
            b"GET /v2/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic QVdTOmJlcnRoMS4uLg==\r\n\r\n",
        ])
        return raw, *exchange(self.host, self.port, raw), True


def send_signed(signer, request, host, port):
    """Signs an AWSRequest and sends it as raw bytes (so hostile bodies arrive as they are)."""
    signer.add_auth(request)
    prepared = request.prepare()
    payload = prepared.body or b""
    lines = ["POST / HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{k}: {v}" for k, v in prepared.headers.items() if k.lower() != "content-length"]
    lines.append(f"Content-Length: {len(payload)}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + payload
    return raw, *exchange(host, port, raw), False


class EcrFuzzer:
    SERVICE, TARGET = "ecr", "AmazonEC2ContainerRegistry_V20150921."

    def __init__(self, rng, url, ak, sk):
        self.rng, self.url = rng, url
        parsed = urllib.parse.urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.signer = SigV4Auth(Credentials(ak, sk), self.SERVICE, "us-east-1")
        self.model = botocore.session.get_session().get_service_model(self.SERVICE)
        self.operations = sorted(self.model.operation_names)

    def value(self, shape, depth=0):
        r = self.rng
        if r.random() < 0.05:  # the wrong type
            return r.choice([None, 1, -1, 2 ** 64, "x", [], {}, True, 1.5])
        t = shape.type_name
        if t == "structure":
            members = list(shape.members.items())
            required = set(shape.required_members)
            out = {}
            for member, sub in members:
                if (member in required and r.random() < 0.95) or (depth < 4 and r.random() < 0.4):
                    out[member] = self.value(sub, depth + 1)
            if r.random() < 0.05:
                out["unknownMember"] = "x"
            return out
        if t == "list":
            n = r.choice([0, 1, 1, 2, 3, 101, 1001]) if depth < 4 else 0
            return [self.value(shape.member, depth + 1) for _ in range(n)]
        if t == "map":
            return {self.string(): self.value(shape.value, depth + 1) for _ in range(r.randint(0, 3))}
        if t in ("integer", "long"):
            return r.choice([0, 1, -1, 5, 100, 1000, 1001, 2 ** 31, 2 ** 63, -2 ** 63])
        if t == "boolean":
            return r.choice([True, False])
        if t in ("timestamp", "double", "float"):
            return r.choice([0, 1.5, -1, 1e300, 1700000000])
        if t == "blob":
            return base64.b64encode(os.urandom(r.randint(0, 64))).decode() if r.random() < 0.8 else "!!notbase64"
        if shape.enum and r.random() < 0.7:
            return r.choice(shape.enum)
        return self.string(shape)

    def string(self, shape=None):
        r = self.rng
        return r.choice(["team/app", "team/app", "other", "v1", "latest", "", "a" * 300, "UPPER", "../x",
                         "sha256:" + "a" * 64, "sha256:abc", "123456789012", "000000000000", "us-east-1",
                         "arn:aws:ecr:us-east-1:123456789012:repository/team/app", "\u00e9\u4e2d", "\x00", "*",
                         '{"rules":[]}', "{", "x" * 5000])

    def one(self):
        r = self.rng
        op = r.choice(self.operations)
        target = self.TARGET + op
        body = json.dumps(self.value(self.model.operation_model(op).input_shape))
        if r.random() < 0.05:
            target = r.choice(["AmazonEC2ContainerRegistry_V20150921.Nope", "Other.DescribeRepositories", "",
                               "AmazonEC2ContainerRegistry_V20150921."])
        if r.random() < 0.05:
            body = r.choice(["", "[]", "null", "{", '{"a":' * 1000, "\xff", json.dumps("x")])
        request = AWSRequest(method="POST", url=self.url + "/", data=body.encode("utf-8", "surrogateescape"),
                             headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
        return send_signed(self.signer, request, self.host, self.port)


class SecretsFuzzer(EcrFuzzer):
    """The Secrets Manager subset, members drawn from its model as for ECR."""
    SERVICE, TARGET = "secretsmanager", "secretsmanager."

    def string(self, shape=None):
        r = self.rng
        return r.choice(["ecr-pullthroughcache/x", "team/s1", "s", "", "a" * 600, "bad name", "AWSCURRENT",
                         "AWSPREVIOUS", "11111111-2222-3333-4444-555555555555",
                         "arn:aws:secretsmanager:us-east-1:123456789012:secret:team/s1-AbCdEf", "\u00e9\u4e2d",
                         "\x00", "!team", '{"username":"u","accessToken":"t"}', "x" * 70000])


class IamFuzzer:
    """Signed IAM query-protocol calls with random parameters: every action Berth serves (and
    some it does not), members drawn from the IAM model's input shapes, values from a pool that
    includes policy documents broken in many ways."""

    ACTIONS = ["CreateUser", "GetUser", "ListUsers", "DeleteUser", "CreateAccessKey", "ListAccessKeys",
               "UpdateAccessKey", "DeleteAccessKey", "PutUserPolicy", "GetUserPolicy", "ListUserPolicies",
               "DeleteUserPolicy", "CreateGroup", "GetGroup", "ListGroups", "DeleteGroup", "AddUserToGroup",
               "RemoveUserFromGroup", "ListGroupsForUser", "PutGroupPolicy", "GetGroupPolicy", "ListGroupPolicies",
               "DeleteGroupPolicy", "CreatePolicy", "GetPolicy", "GetPolicyVersion", "ListPolicies", "DeletePolicy",
               "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy", "DetachGroupPolicy",
               "ListAttachedUserPolicies", "ListAttachedGroupPolicies", "CreateRole", "Nope"]

    def __init__(self, rng, url, ak, sk):
        self.rng, self.url = rng, url
        parsed = urllib.parse.urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.signers = {s: SigV4Auth(Credentials(ak, sk), s, "us-east-1") for s in ("iam", "sts")}
        self.model = botocore.session.get_session().get_service_model("iam")

    def string(self):
        r = self.rng
        return r.choice(["fuzz", "fuzz", "grp", "Active", "Inactive", "v1", "/", "/a/b/", "a/b", "", "x" * 200,
                         "AKIAFUZZFUZZFUZZFUZZ", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
                         "arn:aws:iam::123456789012:policy/x", "\u00e9\u4e2d", "\x00", "*", "{", "null", "[]",
                         '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}',
                         '{"Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*","Condition":'
                         '{"IpAddress":{"aws:SourceIp":"300.1.1.1/99"}}}]}',
                         '{"Statement":[{"Effect":"Deny","Principal":"*","NotAction":[],"Resource":5}]}',
                         '{"Statement":' * 200, "x" * 7000])

    def one(self):
        r = self.rng
        action = r.choice(self.ACTIONS)
        params = {"Action": action, "Version": "2010-05-08"}
        if action in self.model.operation_names:
            for member in self.model.operation_model(action).input_shape.members:
                if r.random() < 0.8:
                    params[member] = self.string()
        if r.random() < 0.05:
            params["MaxItems"] = r.choice(["0", "1", "1001", "-1", "x", "99999999999999999999"])
        service = "sts" if r.random() < 0.1 else "iam"
        if service == "sts":
            params = {"Action": r.choice(["GetCallerIdentity", "AssumeRole"]), "Version": "2011-06-15"}
        body = urllib.parse.urlencode(params, encoding="utf-8", errors="surrogateescape")
        if r.random() < 0.05:
            body = r.choice(["", "%", "Action=%zz", "&&&=", "Action=" + "a" * 5000])
        request = AWSRequest(method="POST", url=self.url + "/", data=body.encode("utf-8", "surrogateescape"),
                             headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        return send_signed(self.signers[service], request, self.host, self.port)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("ak")
    ap.add_argument("sk")
    ap.add_argument("--seed", type=int, default=20261127)
    ap.add_argument("--requests", type=int, default=3000)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    random.seed(args.seed)
    os.urandom = rng.randbytes  # reproducible "random" bytes
    parsed = urllib.parse.urlparse(args.url)
    v2 = V2Fuzzer(rng, parsed.hostname, parsed.port, args.ak, args.sk)
    ecr = EcrFuzzer(rng, args.url, args.ak, args.sk)
    iam = IamFuzzer(rng, args.url, args.ak, args.sk)
    secrets = SecretsFuzzer(rng, args.url, args.ak, args.sk)
    v2.seed_state()
    failures = Failures()
    counts = {}
    started = time.time()
    for i in range(args.requests):
        pick = rng.random()
        source = (v2.garbage if pick < 0.05 else ecr.one if pick < 0.35 else iam.one if pick < 0.45
                  else secrets.one if pick < 0.55 else v2.one)
        kind = source.__self__.__class__.__name__ + ("" if source != v2.garbage else "/garbage")
        try:
            raw, status, answer, broken = source()
        except TimeoutError as e:
            failures.add(f"request {i}: {e}", b"", b"")
            break
        key = (kind, status)
        head, _, body = answer.partition(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                body = body[:int(line[15:])]  # what follows is the answer to the next request
        if b"json" in head.lower() and body and not head.startswith(b"HTTP/1.1 100"):
            try:
                document = json.loads(body.decode("utf-8"))  # strict: clients fail on anything less
            except ValueError as e:
                failures.add(f"request {i}: the answer is not valid JSON in UTF-8 ({e})", raw, answer)
                document = {}
            if kind in ("EcrFuzzer", "SecretsFuzzer") and status == 400 and isinstance(document, dict):
                key = (kind, status, document.get("__type"))
        if b"text/xml" in head.lower() and body:
            try:
                code = xml.etree.ElementTree.fromstring(body.decode("utf-8")).find(".//{*}Code")
            except (ValueError, xml.etree.ElementTree.ParseError) as e:
                failures.add(f"request {i}: the answer is not well-formed XML in UTF-8 ({e})", raw, answer)
                code = None
            if code is not None:
                key = (kind, status, code.text)
        counts[key] = counts.get(key, 0) + 1
        if status is not None and status >= 500:
            failures.add(f"request {i}: status {status}", raw, answer)
        elif status is None and not broken:
            failures.add(f"request {i}: no HTTP answer", raw, answer)
    _, (status, _) = v2.request("GET", "/v2/")
    if status != 200:
        failures.add(f"after the run GET /v2/ answered {status}", b"", b"")
    print(f"fuzz: {args.requests} requests (seed {args.seed}) in {time.time() - started:.1f}s; answers:")
    for key, n in sorted(counts.items(), key=str):
        print(f"  {n:5d}  {' '.join(map(str, key))}")
    for f in failures.items:
        print("FAIL:", f)
    return 1 if failures.items else 0


if __name__ == "__main__":
    sys.exit(main())
