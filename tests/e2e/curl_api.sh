#!/usr/bin/env bash
# Every /v2/ endpoint and its error cases, driven with curl against the real binary.
source "$(dirname "$0")/lib.sh"
# The default idle timeout here: a short one would end sessions mid-test on a loaded machine
# (the expiry itself is checked after a restart below, with its own short timeout).
berth_start

OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
OCI_INDEX=application/vnd.oci.image.index.v1+json
DOCKER_MANIFEST=application/vnd.docker.distribution.manifest.v2+json
DOCKER_LIST=application/vnd.docker.distribution.manifest.list.v2+json

# --- base, authentication -------------------------------------------------------------------
req_anon GET /v2/
expect_error 401 UNAUTHORIZED "anonymous /v2/"
check "challenge" grep -qi '^WWW-Authenticate: Basic realm="berth"' "$HDRS"
STATUS=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' -u "$AK:wrong" "$BERTH_URL/v2/")
expect_error 401 UNAUTHORIZED "wrong secret"
req GET /v2/
expect_status 200 "authenticated /v2/"
expect_header Docker-Distribution-API-Version registry/2.0
req GET /healthz
expect_status 200 healthz

# --- monolithic upload and blob reads ---------------------------------------------------------
head -c 100000 /dev/urandom >"$WORK/blob1"
D1=$(sha256_of "$WORK/blob1")
req POST "/v2/team/app/blobs/uploads/?digest=$D1" --data-binary @"$WORK/blob1" \
  -H 'Content-Type: application/octet-stream'
expect_status 201 "monolithic POST"
expect_header Location "/v2/team/app/blobs/$D1"
expect_header Docker-Content-Digest "$D1"

req HEAD "/v2/team/app/blobs/$D1" -I
expect_status 200 "blob HEAD"
expect_header Content-Length 100000
expect_header Docker-Content-Digest "$D1"
req GET "/v2/team/app/blobs/$D1"
expect_status 200 "blob GET"
check "blob bytes round-trip" cmp -s "$BODY" "$WORK/blob1"

req GET "/v2/team/app/blobs/$D1" -H 'Range: bytes=10-19'
expect_status 206 "range GET"
expect_header Content-Range "bytes 10-19/100000"
check "range bytes" cmp -s "$BODY" <(tail -c +11 "$WORK/blob1" | head -c 10)
req GET "/v2/team/app/blobs/$D1" -H 'Range: bytes=-5'
expect_status 206 "suffix range"
expect_header Content-Range "bytes 99995-99999/100000"
req GET "/v2/team/app/blobs/$D1" -H 'Range: bytes=100000-'
expect_error 416 RANGE_INVALID "range past the end"
expect_header Content-Range "bytes */100000"
req GET "/v2/team/app/blobs/$D1" -H 'Range: bytes=9-3'
expect_status 416 "backwards range"

# --- POST then PUT, chunked PATCH, streamed PATCH ----------------------------------------------
head -c 30 /dev/urandom >"$WORK/blob2"
D2=$(sha256_of "$WORK/blob2")
req POST /v2/team/app/blobs/uploads/
expect_status 202 "start upload"
LOC=$(header Location)
check "upload Location" test -n "$LOC"
check "Docker-Upload-UUID" test -n "$(header Docker-Upload-UUID)"
req PUT "$LOC?digest=$D2" --data-binary @"$WORK/blob2" -H 'Content-Type: application/octet-stream'
expect_status 201 "POST then PUT"

head -c 30 /dev/urandom >"$WORK/blob3"
D3=$(sha256_of "$WORK/blob3")
req POST /v2/team/app/blobs/uploads/
LOC=$(header Location)
req PATCH "$LOC" --data-binary @<(head -c 10 "$WORK/blob3") -H 'Content-Range: 0-9' \
  -H 'Content-Type: application/octet-stream'
expect_status 202 "first chunk"
expect_header Range "0-9"
req PATCH "$LOC" --data-binary @<(head -c 10 "$WORK/blob3") -H 'Content-Range: 0-9' \
  -H 'Content-Type: application/octet-stream'
expect_error 416 RANGE_INVALID "repeated chunk"
req PATCH "$LOC" --data-binary @<(tail -c 10 "$WORK/blob3") -H 'Content-Range: 20-29' \
  -H 'Content-Type: application/octet-stream'
expect_error 416 RANGE_INVALID "out-of-order chunk"
req PATCH "$LOC" --data-binary @<(tail -c +11 "$WORK/blob3" | head -c 10) -H 'Content-Range: 10-15' \
  -H 'Content-Type: application/octet-stream'
expect_error 416 RANGE_INVALID "Content-Range disagreeing with Content-Length"
req GET "$LOC"
expect_status 204 "upload status"
expect_header Range "0-9"
req PATCH "$LOC" --data-binary @<(tail -c +11 "$WORK/blob3" | head -c 10) -H 'Content-Range: 10-19' \
  -H 'Content-Type: application/octet-stream'
expect_status 202 "second chunk"
expect_header Range "0-19"
req PUT "$LOC?digest=$D3" --data-binary @<(tail -c 10 "$WORK/blob3") -H 'Content-Range: 20-29' \
  -H 'Content-Type: application/octet-stream'
expect_status 201 "last chunk with PUT"
req GET "/v2/team/app/blobs/$D3"
check "chunked upload bytes" cmp -s "$BODY" "$WORK/blob3"

head -c 3000000 /dev/urandom >"$WORK/blob4"
D4=$(sha256_of "$WORK/blob4")
req POST /v2/team/app/blobs/uploads/
LOC=$(header Location)
req PATCH "$LOC" -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/octet-stream' \
  --data-binary @"$WORK/blob4"
expect_status 202 "streamed PATCH without Content-Range"
expect_header Range "0-2999999"
req PUT "$LOC?digest=$D4"
expect_status 201 "PUT after streamed PATCH"
req GET "/v2/team/app/blobs/$D4"
check "streamed upload bytes" cmp -s "$BODY" "$WORK/blob4"

# --- upload errors ----------------------------------------------------------------------------
req POST /v2/team/app/blobs/uploads/
LOC=$(header Location)
req PUT "$LOC?digest=$D1" --data-binary 'not the right bytes'
expect_error 400 DIGEST_INVALID "commit with the wrong digest"
req GET "$LOC"
expect_error 404 BLOB_UPLOAD_UNKNOWN "session ended by a bad digest"
req POST /v2/team/app/blobs/uploads/
LOC=$(header Location)
req PUT "$LOC" --data-binary 'x'
expect_error 400 DIGEST_INVALID "PUT without digest"
req PUT "$LOC?digest=sha256:123" --data-binary 'x'
expect_error 400 DIGEST_INVALID "PUT with malformed digest"
req POST "/v2/team/app/blobs/uploads/?digest=sha256:$(printf 'b%.0s' $(seq 64))" --data-binary 'abc'
expect_error 400 DIGEST_INVALID "monolithic POST with wrong digest"
req POST /v2/other/blobs/uploads/
req GET "/v2/other/blobs/uploads/${LOC##*/}"
expect_error 404 BLOB_UPLOAD_UNKNOWN "session used from another repository"
req DELETE "$LOC"
expect_status 204 "cancel upload"
req GET "$LOC"
expect_error 404 BLOB_UPLOAD_UNKNOWN "cancelled session"
req DELETE "$LOC"
expect_error 404 BLOB_UPLOAD_UNKNOWN "cancel twice"
req PATCH /v2/team/app/blobs/uploads/00000000-0000-0000-0000-000000000000 --data-binary x
expect_error 404 BLOB_UPLOAD_UNKNOWN "unknown session"

# --- repository isolation and cross-repository mount ------------------------------------------
req HEAD "/v2/other/blobs/$D1" -I
expect_status 404 "blob not visible in another repository"
req GET "/v2/other/blobs/$D1"
expect_error 404 BLOB_UNKNOWN "blob GET in another repository"
req GET "/v2/nosuchrepo/blobs/$D1"
expect_error 404 NAME_UNKNOWN "unknown repository"
req POST "/v2/other/blobs/uploads/?mount=$D1&from=team/app"
expect_status 201 "mount"
expect_header Location "/v2/other/blobs/$D1"
req HEAD "/v2/other/blobs/$D1" -I
expect_status 200 "mounted blob visible"
req POST "/v2/third/blobs/uploads/?mount=$D1&from=nosuchrepo"
expect_status 202 "mount from a repository without the blob falls back to an upload"
check "fallback upload location" test -n "$(header Location)"

# --- manifests --------------------------------------------------------------------------------
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' >"$WORK/config"
DC=$(sha256_of "$WORK/config")
req POST "/v2/team/app/blobs/uploads/?digest=$DC" --data-binary @"$WORK/config"
expect_status 201 "config blob"
SC=$(stat -c %s "$WORK/config")
printf '{\n  "schemaVersion": 2,\n  "mediaType": "%s",\n  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "%s", "size": %s},\n  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "%s", "size": 100000}]\n}' \
  "$OCI_MANIFEST" "$DC" "$SC" "$D1" >"$WORK/manifest"
DM=$(sha256_of "$WORK/manifest")
req PUT /v2/team/app/manifests/v1 -H "Content-Type: $OCI_MANIFEST" --data-binary @"$WORK/manifest"
expect_status 201 "manifest PUT by tag"
expect_header Docker-Content-Digest "$DM"
expect_header Location "/v2/team/app/manifests/$DM"
req GET /v2/team/app/manifests/v1 -H "Accept: $OCI_MANIFEST"
expect_status 200 "manifest GET by tag"
check "manifest bytes are exact" cmp -s "$BODY" "$WORK/manifest"
expect_header Content-Type "$OCI_MANIFEST"
expect_header Docker-Content-Digest "$DM"
req HEAD /v2/team/app/manifests/v1 -I
expect_status 200 "manifest HEAD"
expect_header Content-Length "$(stat -c %s "$WORK/manifest")"
req GET "/v2/team/app/manifests/$DM"
expect_status 200 "manifest GET by digest"
req PUT "/v2/team/app/manifests/$DM" -H "Content-Type: $OCI_MANIFEST" --data-binary @"$WORK/manifest"
expect_status 201 "manifest PUT by digest"
req PUT "/v2/team/app/manifests/$D1" -H "Content-Type: $OCI_MANIFEST" --data-binary @"$WORK/manifest"
expect_error 400 DIGEST_INVALID "manifest PUT under the wrong digest"
# A client that accepts only the other image format gets the manifest converted (ECR's rule):
# new bytes with their own digest, over the same blobs; by digest the stored bytes are pinned.
req GET /v2/team/app/manifests/v1 -H "Accept: $DOCKER_MANIFEST"
expect_status 200 "OCI manifest converted for a Docker-only client"
expect_header Content-Type "$DOCKER_MANIFEST"
expect_header Docker-Content-Digest "$(sha256_of "$BODY")"
check "converted manifest names Docker media types" test \
  "$(jq -r '[.mediaType, .config.mediaType, .layers[0].mediaType, .layers[0].digest] | join(" ")' "$BODY")" = \
  "$DOCKER_MANIFEST application/vnd.docker.container.image.v1+json application/vnd.docker.image.rootfs.diff.tar.gzip $D1"
cp "$BODY" "$WORK/converted"
req HEAD /v2/team/app/manifests/v1 -I -H "Accept: $DOCKER_MANIFEST"
expect_header Content-Length "$(stat -c %s "$WORK/converted")"
expect_header Docker-Content-Digest "$(sha256_of "$WORK/converted")"
req PUT /v2/team/app/manifests/v1-docker -H "Content-Type: $DOCKER_MANIFEST" --data-binary @"$WORK/converted"
expect_status 201 "the converted manifest is a valid Docker manifest"
req GET "/v2/team/app/manifests/$DM" -H "Accept: $DOCKER_MANIFEST"
check "by digest the stored bytes are served" cmp -s "$BODY" "$WORK/manifest"
req GET /v2/team/app/manifests/v1 -H "Accept: $DOCKER_LIST"
expect_error 404 MANIFEST_UNKNOWN "Accept admitting neither the stored nor a convertible type"
req GET /v2/team/app/manifests/v1 -H "Accept: $DOCKER_MANIFEST" -H "Accept: $OCI_MANIFEST"
expect_status 200 "Accept over several header lines"
req GET /v2/team/app/manifests/nosuchtag
expect_error 404 MANIFEST_UNKNOWN "unknown tag"

sed "s/$D1/$D2/" "$WORK/manifest" >"$WORK/manifest-missing"
sed -i "s/\"size\": 100000}]/\"size\": 30}]/" "$WORK/manifest-missing"
req PUT /v2/other/manifests/x -H "Content-Type: $OCI_MANIFEST" --data-binary @"$WORK/manifest-missing"
expect_error 400 MANIFEST_BLOB_UNKNOWN "manifest referencing a blob the repository lacks"
req GET /v2/other/manifests/x
expect_error 404 MANIFEST_UNKNOWN "rejected manifest left no tag"
req PUT /v2/team/app/manifests/bad -H "Content-Type: $OCI_MANIFEST" --data-binary '{"schemaVersion":2,'
expect_error 400 MANIFEST_INVALID "malformed JSON"
req PUT /v2/team/app/manifests/bad -H "Content-Type: $OCI_INDEX" --data-binary @"$WORK/manifest"
expect_error 400 MANIFEST_INVALID "Content-Type contradicting mediaType"
sed "s/\"size\": 100000}]/\"size\": 99}]/" "$WORK/manifest" >"$WORK/manifest-badsize"
req PUT /v2/team/app/manifests/bad -H "Content-Type: $OCI_MANIFEST" --data-binary @"$WORK/manifest-badsize"
expect_error 400 MANIFEST_INVALID "descriptor size disagreeing with the blob"
python3 -c "import sys; sys.stdout.write('{\"schemaVersion\":2,\"x\":\"' + 'a'*(4*1024*1024) + '\"}')" >"$WORK/huge"
req PUT /v2/team/app/manifests/huge -H "Content-Type: $OCI_MANIFEST" --data-binary @"$WORK/huge"
expect_error 413 MANIFEST_INVALID "manifest over 4 MiB"
req PUT '/v2/team/app/manifests/bad!tag' -H "Content-Type: $OCI_MANIFEST" --data-binary @"$WORK/manifest"
expect_error 400 TAG_INVALID "bad tag"

# Docker schema 2 and a Docker manifest list.
printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"%s","size":100000}]}' \
  "$DOCKER_MANIFEST" "$DC" "$SC" "$D1" >"$WORK/docker-manifest"
DDM=$(sha256_of "$WORK/docker-manifest")
req PUT /v2/team/app/manifests/docker -H "Content-Type: $DOCKER_MANIFEST" --data-binary @"$WORK/docker-manifest"
expect_status 201 "Docker schema 2 manifest"
req GET /v2/team/app/manifests/docker -H "Accept: $OCI_MANIFEST"
expect_header Content-Type "$OCI_MANIFEST"
check "Docker manifest converted to OCI" test "$(cat "$BODY")" = "$(jq -c . "$WORK/manifest")"
printf '{"schemaVersion":2,"mediaType":"%s","manifests":[{"mediaType":"%s","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}}]}' \
  "$DOCKER_LIST" "$DOCKER_MANIFEST" "$DDM" "$(stat -c %s "$WORK/docker-manifest")" >"$WORK/docker-list"
req PUT /v2/team/app/manifests/dockerlist -H "Content-Type: $DOCKER_LIST" --data-binary @"$WORK/docker-list"
expect_status 201 "Docker manifest list"
req GET /v2/team/app/manifests/dockerlist -H "Accept: $DOCKER_LIST"
expect_header Content-Type "$DOCKER_LIST"

# An OCI index, and one whose child is missing.
printf '{"schemaVersion":2,"mediaType":"%s","manifests":[{"mediaType":"%s","digest":"%s","size":%s}]}' \
  "$OCI_INDEX" "$OCI_MANIFEST" "$DM" "$(stat -c %s "$WORK/manifest")" >"$WORK/index"
req PUT /v2/team/app/manifests/index -H "Content-Type: $OCI_INDEX" --data-binary @"$WORK/index"
expect_status 201 "OCI index"
req PUT /v2/other/manifests/index -H "Content-Type: $OCI_INDEX" --data-binary @"$WORK/index"
expect_error 400 MANIFEST_BLOB_UNKNOWN "index whose child is not in the repository"

# --- subject and referrers --------------------------------------------------------------------
printf '{}' >"$WORK/empty"
DE=$(sha256_of "$WORK/empty")
req POST "/v2/team/app/blobs/uploads/?digest=$DE" --data-binary @"$WORK/empty"
expect_status 201 "empty descriptor blob"
printf '{"schemaVersion":2,"mediaType":"%s","artifactType":"application/vnd.example.sbom","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2},"layers":[{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2}],"subject":{"mediaType":"%s","digest":"%s","size":%s},"annotations":{"org.example.kind":"sbom"}}' \
  "$OCI_MANIFEST" "$DE" "$DE" "$OCI_MANIFEST" "$DM" "$(stat -c %s "$WORK/manifest")" >"$WORK/sbom"
DS=$(sha256_of "$WORK/sbom")
req PUT "/v2/team/app/manifests/$DS" -H "Content-Type: $OCI_MANIFEST" --data-binary @"$WORK/sbom"
expect_status 201 "artifact with subject"
expect_header OCI-Subject "$DM"
req GET "/v2/team/app/referrers/$DM"
expect_status 200 "referrers"
expect_header Content-Type "$OCI_INDEX"
expect_json '[.manifests[] | {digest, artifactType, annotations}]' \
  "[{\"digest\":\"$DS\",\"artifactType\":\"application/vnd.example.sbom\",\"annotations\":{\"org.example.kind\":\"sbom\"}}]"
req GET "/v2/team/app/referrers/$DM?artifactType=application/vnd.example.sig"
expect_status 200 "filtered referrers"
expect_header OCI-Filters-Applied artifactType
expect_json '.manifests | length' 0
req GET "/v2/team/app/referrers/$DM?artifactType=application/vnd.example.sbom"
expect_json '.manifests | length' 1
req GET "/v2/team/app/referrers/$D1"
expect_status 200 "referrers of a digest without any"
expect_json '.manifests' '[]'
req GET "/v2/team/app/referrers/sha256:nothex"
expect_error 400 DIGEST_INVALID "referrers with a bad digest"
# Referrers are paged (by count and by bytes): four signatures with 400 KB of annotations each
# make a first page of three and a Link to the fourth.
for i in 1 2 3 4; do
  printf '{"schemaVersion":2,"mediaType":"%s","artifactType":"application/vnd.example.big","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2},"layers":[{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2}],"subject":{"mediaType":"%s","digest":"%s","size":%s},"annotations":{"n":"%s","pad":"%s"}}' \
    "$OCI_MANIFEST" "$DE" "$DE" "$OCI_MANIFEST" "$D1" 100000 "$i" "$(head -c 400000 /dev/zero | tr '\0' a)" >"$WORK/big$i"
  req PUT "/v2/team/app/manifests/$(sha256_of "$WORK/big$i")" -H "Content-Type: $OCI_MANIFEST" --data-binary @"$WORK/big$i"
  expect_status 201 "large referrer $i"
done
req GET "/v2/team/app/referrers/$D1?artifactType=application/vnd.example.big"
expect_json '.manifests | length' 3
NEXT=$(header Link | sed -n 's/^<\(.*\)>; rel="next"$/\1/p')
check "a Link to the next page of referrers, keeping the filter" \
  test "$NEXT" = "/v2/team/app/referrers/$D1?last=$(jq -r '.manifests[2].digest' "$BODY")&artifactType=application%2Fvnd.example.big"
FIRST=$(jq -r '[.manifests[].digest] | join(" ")' "$BODY")
req GET "$NEXT"
expect_json '.manifests | length' 1
check "the last page has no Link" test -z "$(header Link)"
check "pages do not overlap" test "${FIRST/$(jq -r '.manifests[0].digest' "$BODY")/}" = "$FIRST"
req GET "/v2/team/app/referrers/$D1?last=nonsense"
expect_error 400 DIGEST_INVALID "referrers after a bad digest"

# --- tags and catalog pagination --------------------------------------------------------------
for t in t3 t1 t5 t2 t4; do
  req PUT "/v2/paged/repo/blobs/uploads/?mount=$D1&from=team/app" >/dev/null
  req POST "/v2/paged/repo/blobs/uploads/?mount=$DC&from=team/app"
  req PUT "/v2/paged/repo/manifests/$t" -H "Content-Type: $OCI_MANIFEST" --data-binary @"$WORK/manifest"
done
req POST "/v2/paged/repo/blobs/uploads/?mount=$D1&from=team/app"
for t in t3 t1 t5 t2 t4; do
  req PUT "/v2/paged/repo/manifests/$t" -H "Content-Type: $OCI_MANIFEST" --data-binary @"$WORK/manifest"
done
expect_status 201 "tags for paging"
req GET /v2/paged/repo/tags/list
expect_json . '{"name":"paged/repo","tags":["t1","t2","t3","t4","t5"]}'
req GET '/v2/paged/repo/tags/list?n=2'
expect_json .tags '["t1","t2"]'
expect_header Link '</v2/paged/repo/tags/list?n=2&last=t2>; rel="next"'
req GET '/v2/paged/repo/tags/list?n=2&last=t4'
expect_json .tags '["t5"]'
check "no Link on the last page" test -z "$(header Link)"
req GET '/v2/paged/repo/tags/list?n=0'
expect_json .tags '[]'
req GET '/v2/paged/repo/tags/list?n=99999999999999999999999'
expect_status 200 "absurd n is capped"
req GET '/v2/paged/repo/tags/list?n=abc'
expect_error 400 PAGINATION_NUMBER_INVALID "non-numeric n"
req GET /v2/nosuchrepo/tags/list
expect_error 404 NAME_UNKNOWN "tags of an unknown repository"
req GET /v2/_catalog
expect_json .repositories '["other","paged/repo","team/app","third"]'
req GET '/v2/_catalog?n=1&last=other'
expect_json .repositories '["paged/repo"]'
expect_header Link '</v2/_catalog?n=1&last=paged/repo>; rel="next"'

# --- names and odd requests -------------------------------------------------------------------
# A read of something that cannot exist is "not found"; only what a client sends is "invalid".
req GET /v2/UPPER/tags/list
expect_error 404 NAME_UNKNOWN "tags of an upper-case name"
req GET /v2/a/../b/tags/list --path-as-is
expect_error 404 NAME_UNKNOWN "dot-dot in name"
req GET /v2/a//b/tags/list --path-as-is
expect_error 404 NAME_UNKNOWN "empty component"
req POST /v2/UPPER/blobs/uploads/
expect_error 400 NAME_INVALID "push to an upper-case name"
req PUT /v2/UPPER/manifests/v1 -H "Content-Type: $OCI_MANIFEST" --data-binary @"$WORK/manifest"
expect_error 400 NAME_INVALID "manifest PUT to an upper-case name"
req GET "/v2/team/app/blobs/sha256:XYZ"
expect_error 404 BLOB_UNKNOWN "blob GET of a malformed digest"
req HEAD "/v2/team/app/blobs/sha256:XYZ" -I
expect_status 404 "blob HEAD of a malformed digest"
req GET "/v2/team/app/blobs/md5:d41d8cd98f00b204e9800998ecf8427e"
expect_error 404 BLOB_UNKNOWN "blob GET of an unsupported digest algorithm"
req DELETE "/v2/team/app/blobs/sha256:XYZ"
expect_error 404 BLOB_UNKNOWN "blob DELETE of a malformed digest"
# The OCI conformance suite's unknown manifest reference.
req GET /v2/team/app/manifests/.INVALID_MANIFEST_NAME
expect_error 404 MANIFEST_UNKNOWN "manifest GET of a reference that is neither tag nor digest"
req HEAD /v2/team/app/manifests/.INVALID_MANIFEST_NAME -I
expect_status 404 "manifest HEAD of a reference that is neither tag nor digest"
req GET /v2/team/app/manifests/sha256:abc
expect_error 404 MANIFEST_UNKNOWN "manifest GET of a malformed digest"
req DELETE /v2/team/app/manifests/.INVALID_MANIFEST_NAME
expect_error 404 MANIFEST_UNKNOWN "manifest DELETE of a reference that is neither tag nor digest"
req PUT /v2/team/app/manifests/.INVALID_MANIFEST_NAME -H "Content-Type: $OCI_MANIFEST" --data-binary @"$WORK/manifest"
expect_error 400 TAG_INVALID "manifest PUT under an invalid tag"
req PATCH /v2/UPPER/blobs/uploads/abc --data-binary x
expect_status 404 "upload step under an upper-case name"
req GET /v2/team/app/nothing/here
expect_error 404 NOT_FOUND "unknown endpoint"
req PUT /v2/_catalog --data-binary x
expect_error 405 UNSUPPORTED "wrong method"
STATUS=$(curl -s -o "$BODY" -w '%{http_code}' -u "$AK:$SK" -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)" "$BERTH_URL/v2/")
expect_status 431 "oversized headers"
printf 'NONSENSE\r\n\r\n' | timeout 5 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
print(s.recv(100).split(b"\r\n")[0].decode())' "$BERTH_PORT" >"$BODY"
check "garbage request gets 400" grep -q "^HTTP/1.1 400" "$BODY"

# --- bodies of declared length are read past the parser -----------------------------------------
# A blob body is read straight from the socket: the bytes after it (a pipelined request) must
# stay for the next request, a body sent in small pieces must arrive whole, and a keep-alive
# connection must wake for the next small header after a large body.
body_boundaries_check() {
  python3 - "$BERTH_HOST" "$BERTH_PORT" "$AK:$SK" <<'PY'
import base64, hashlib, os, socket, sys, time
host, port, creds = sys.argv[1].split(":")[0], int(sys.argv[2]), sys.argv[3]
auth = b"Authorization: Basic " + base64.b64encode(creds.encode()) + b"\r\n"
s = socket.create_connection((host, port), timeout=10)
f = s.makefile("rb")

def response():
    status = f.readline()
    length = 0
    while (line := f.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    f.read(length)
    return int(status.split()[1])

def upload(blob):
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    return (f"POST /v2/team/app/blobs/uploads/?digest={digest} HTTP/1.1\r\nHost: x\r\n".encode() + auth +
            f"Content-Length: {len(blob)}\r\nContent-Type: application/octet-stream\r\n\r\n".encode())

big = os.urandom(600000)
s.sendall(upload(big) + big + b"GET /v2/ HTTP/1.1\r\nHost: x\r\n" + auth + b"\r\n")
assert response() == 201, "pipelined upload"
assert response() == 200, "request pipelined after a body"
slow = os.urandom(300000)
s.sendall(upload(slow))
for i in range(0, len(slow), 16384):
    s.sendall(slow[i:i + 16384])
    time.sleep(0.005)
assert response() == 201, "body in small pieces"
time.sleep(0.3)
s.sendall(b"GET /v2/ HTTP/1.1\r\nHost: x\r\n" + auth + b"\r\n")
assert response() == 200, "keep-alive request after a large body"
short = socket.create_connection((host, port), timeout=10)
short.sendall(upload(big) + big[:1000])
short.shutdown(socket.SHUT_WR)
answer = short.recv(100)
assert answer.startswith(b"HTTP/1.1 400"), answer
PY
}
check "bodies of declared length: pipelined, in pieces, keep-alive, cut short" body_boundaries_check

# --- deletes ----------------------------------------------------------------------------------
req DELETE /v2/paged/repo/manifests/t1
expect_status 202 "delete tag"
req GET /v2/paged/repo/manifests/t1
expect_error 404 MANIFEST_UNKNOWN "deleted tag"
req GET "/v2/paged/repo/manifests/$DM"
expect_status 200 "manifest survives deleting one tag"
req DELETE "/v2/paged/repo/manifests/$DM"
expect_status 202 "delete manifest by digest"
req GET "/v2/paged/repo/manifests/$DM"
expect_error 404 MANIFEST_UNKNOWN "deleted manifest"
req GET /v2/paged/repo/tags/list
expect_json .tags '[]'
req DELETE "/v2/paged/repo/manifests/$DM"
expect_error 404 MANIFEST_UNKNOWN "delete twice"
req DELETE "/v2/other/blobs/$D1"
expect_status 202 "delete blob"
req HEAD "/v2/other/blobs/$D1" -I
expect_status 404 "deleted blob gone from that repository"
req HEAD "/v2/team/app/blobs/$D1" -I
expect_status 200 "deleted blob still in the repository that pushed it"

# --- concurrency: the same blob and tag pushed in parallel -------------------------------------
head -c 2000000 /dev/urandom >"$WORK/same"
DSAME=$(sha256_of "$WORK/same")
pids=()
for i in $(seq 1 8); do
  curl -s -o /dev/null -w '%{http_code}\n' -u "$AK:$SK" -X POST --data-binary @"$WORK/same" \
    "$BERTH_URL/v2/race/r$((i % 2))/blobs/uploads/?digest=$DSAME" >"$WORK/race.$i" &
  pids+=($!)
done
wait "${pids[@]}"
check "parallel pushes of one blob all succeed" test "$(cat "$WORK"/race.* | sort -u)" = 201
req GET "/v2/race/r1/blobs/$DSAME"
check "raced blob intact" cmp -s "$BODY" "$WORK/same"
check "stored once" test "$(blobstore count "${DSAME#sha256:}")" = 1

# --- metrics ----------------------------------------------------------------------------------
req GET /metrics
expect_status 200 metrics
check "request counter" grep -q '^berth_http_requests_total{route="manifest",method="GET",status="200"}' "$BODY"
check "latency histogram" grep -q '^berth_http_request_duration_seconds_bucket{route="blob",le="+Inf"}' "$BODY"
check "upload sessions gauge" grep -q '^berth_upload_sessions ' "$BODY"
# The pushes above were changes: each waited for the single writer and committed.
check "write waits by kind" grep -Eq '^berth_metadata_write_wait_seconds_count\{kind="change"\} [1-9]' "$BODY"
check "background step waits" grep -q '^berth_metadata_write_wait_seconds_count{kind="background"} ' "$BODY"
check "commit histogram" grep -Eq '^berth_metadata_commit_duration_seconds_bucket\{kind="change",le="\+Inf"\} [1-9]' "$BODY"
# The exposition format allows one HELP and TYPE per family, however many series it has.
check "each family declared once" test -z "$(awk '/^# TYPE /{print $3}' "$BODY" | sort | uniq -d)"

# --- upload sessions survive a restart; idle ones expire ----------------------------------------
req POST /v2/team/app/blobs/uploads/
LOC=$(header Location)
req PATCH "$LOC" --data-binary @<(head -c 10 "$WORK/blob3") -H 'Content-Range: 0-9'
berth_stop
berth_start
req GET "$LOC"
expect_status 204 "upload session after restart"
expect_header Range "0-9"
req PUT "$LOC?digest=$D3" --data-binary @<(tail -c +11 "$WORK/blob3") -H 'Content-Range: 10-29'
expect_status 201 "finish upload after restart"
# A short idle timeout from a restart on (a cluster's restart alone may take longer than it).
berth_stop
berth_start --upload-idle-timeout 3
req POST /v2/team/app/blobs/uploads/
LOC=$(header Location)
# Data left by a request that raced its session's end: no session owns it.
blobstore plant-upload 0a0a0a0a-0000-4000-8000-000000000000
sleep 5
req GET "$LOC"
expect_error 404 BLOB_UPLOAD_UNKNOWN "idle upload expired"
# Data planted in S3 cannot be backdated: it ages into the sweep a purge or two later.
for _ in $(seq 40); do [ -z "$(blobstore uploads)" ] && break; sleep 0.25; done
check "expired upload's data and data without a session removed" test -z "$(blobstore uploads)"

# --- an answer given before the body was read survives the close ------------------------------
# The ECR API refuses an unknown operation without reading the body; Berth must then half-close
# and read on, or the kernel resets the connection under its answer (a proxy then answers nothing).
lingering_check() {
  python3 - "$BERTH_HOST" "$BERTH_PORT" <<'PY'
import socket, sys
host, port = sys.argv[1].split(":")[0], int(sys.argv[2])
s = socket.create_connection((host, port), timeout=10)
s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: nope\r\nContent-Length: 50000000\r\n\r\n" + b"{" * 300000)
answer = b""
while b"\r\n\r\n" not in answer:
    answer += s.recv(65536)
assert answer.startswith(b"HTTP/1.1 400"), answer[:100]
try:
    s.sendall(b"x" * (2 << 20))  # the client is still sending: Berth reads on, no reset
    while s.recv(65536):
        pass
except ConnectionResetError:
    sys.exit("connection reset under the answer")
PY
}
check "answered before the body was read: half-close, no reset" lingering_check

# --- graceful shutdown: an upload in flight completes -----------------------------------------
head -c 1500000 /dev/urandom >"$WORK/slow"
DSLOW=$(sha256_of "$WORK/slow")
curl -s -o /dev/null -w '%{http_code}' -u "$AK:$SK" -X POST --limit-rate 600k --data-binary @"$WORK/slow" \
  "$BERTH_URL/v2/team/app/blobs/uploads/?digest=$DSLOW" >"$WORK/slow.status" &
CURL_PID=$!
sleep 1
berth_signal TERM
wait "$CURL_PID" || true
check "in-flight upload finished during shutdown" test "$(cat "$WORK/slow.status")" = 201
berth_wait  # checks that every node exits 0 after draining
berth_start --no-delete
req HEAD "/v2/team/app/blobs/$DSLOW" -I
expect_status 200 "blob acknowledged during shutdown is there"
req DELETE "/v2/team/app/manifests/v1"
expect_error 405 UNSUPPORTED "deletes turned off"

finish
