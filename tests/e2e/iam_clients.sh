#!/usr/bin/env bash
# IAM users through the registry API with real clients: skopeo and podman push and pull as users
# whose policies allow, deny (explicitly, by image tag) or say nothing; creating a repository by
# push needs ecr:CreateRepository; _catalog shows what a user may see; a public repository is
# pulled with no credentials while pushes stay refused; a cross-repository mount without rights
# on the source is an ordinary upload; registry tokens follow their key and the user's current
# rights.
source "$(dirname "$0")/containers.sh"
berth_start

containers_setup
MAKE_LAYOUT="$(dirname "$0")/make_oci_layout.py"

aws_admin
# user NAME POLICY_JSON...: creates the user with inline policies; sets NAME_KEY and NAME_SECRET.
user() {
  local name="$1" i=0
  shift
  admin iam create-user --user-name "$name" >/dev/null || fail "create user $name"
  admin iam create-access-key --user-name "$name" >"$WORK/key.json" || fail "key for $name"
  printf -v "${name}_KEY" '%s' "$(jq -r .AccessKey.AccessKeyId "$WORK/key.json")"
  printf -v "${name}_SECRET" '%s' "$(jq -r .AccessKey.SecretAccessKey "$WORK/key.json")"
  for doc in "$@"; do
    i=$((i + 1))
    admin iam put-user-policy --user-name "$name" --policy-name "p$i" --policy-document "$doc" >/dev/null ||
      fail "policy for $name"
  done
}
allow() {  # allow ACTIONS RESOURCE [CONDITION]
  local cond=""
  [ -n "${3:-}" ] && cond=",\"Condition\":$3"
  echo "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":$1,\"Resource\":\"$2\"$cond}]}"
}
deny() { allow "$@" | sed 's/"Allow"/"Deny"/'; }
creds() { local k="${1}_KEY" s="${1}_SECRET"; echo "${!k}:${!s}"; }
# as_user NAME METHOD PATH [curl args]: a /v2/ request with that user's key.
as_user() {
  local creds
  creds=$(creds "$1")
  STATUS=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' -X "$2" -u "$creds" "${@:4}" "$BERTH_URL$3")
}

ACCOUNT=$(admin sts get-caller-identity | jq -r .Account)
TEAM="arn:aws:ecr:*:$ACCOUNT:repository/team/*"
user pusher "$(allow '["ecr:*"]' "$TEAM")" "$(deny '"ecr:PutImage"' '*' '{"StringLike":{"ecr:ImageTag":"prod-*"}}')"
user release "$(allow '["ecr:*"]' "$TEAM")"
user reader
admin iam attach-user-policy --user-name reader \
  --policy-arn arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly >/dev/null || fail "attach read-only"
user builder
admin iam attach-user-policy --user-name builder \
  --policy-arn arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser >/dev/null || fail "attach power user"
user teamview "$(allow '["ecr:DescribeRepositories"]' "$TEAM")"
user nobody

python3 "$MAKE_LAYOUT" "$WORK/img" v1 --layers 200000,3000 >/dev/null

# --- pushes ----------------------------------------------------------------------------------------
check "pusher pushes team/app:v1 (creating the repository)" "${SKOPEO[@]}" copy -q --dest-creds "$(creds pusher)" \
  "oci:$WORK/img:v1" "docker://$BERTH_HOST/team/app:v1"
if "${SKOPEO[@]}" copy -q --dest-creds "$(creds pusher)" "oci:$WORK/img:v1" \
  "docker://$BERTH_HOST/team/app:prod-1" 2>"$WORK/err"; then
  fail "pusher pushed a prod-* tag"
else
  pass
fi
check "the refusal is DENIED" grep -qi "denied" "$WORK/err"
check "release pushes prod-1" "${SKOPEO[@]}" copy -q --dest-creds "$(creds release)" "oci:$WORK/img:v1" \
  "docker://$BERTH_HOST/team/app:prod-1"
if "${SKOPEO[@]}" copy -q --dest-creds "$(creds reader)" "oci:$WORK/img:v1" \
  "docker://$BERTH_HOST/team/app:v2" 2>/dev/null; then fail "a read-only user pushed"; else pass; fi
as_user reader POST /v2/team/app/blobs/uploads/
expect_error 403 DENIED "read-only upload start"
check "the message names action and resource" grep -q "ecr:InitiateLayerUpload on resource: arn:aws:ecr:us-east-1:$ACCOUNT:repository/team/app" "$BODY"
if "${SKOPEO[@]}" copy -q --dest-creds "$(creds pusher)" "oci:$WORK/img:v1" \
  "docker://$BERTH_HOST/elsewhere/app:v1" 2>/dev/null; then fail "pusher created a repository outside team/"; else pass; fi
req GET /v2/elsewhere/app/tags/list
expect_error 404 NAME_UNKNOWN "no repository was created by the refused push"
as_user builder POST /v2/elsewhere/app/blobs/uploads/
expect_error 403 DENIED "PowerUser may push but not create: creating by push needs ecr:CreateRepository"
check "and says so" grep -q "ecr:CreateRepository" "$BODY"
as_user builder POST /v2/team/app/blobs/uploads/
expect_status 202 "PowerUser may push to an existing repository"

# --- pulls -----------------------------------------------------------------------------------------
check "reader pulls" "${SKOPEO[@]}" copy -q --src-creds "$(creds reader)" "docker://$BERTH_HOST/team/app:v1" "oci:$WORK/back:v1"
if "${SKOPEO[@]}" copy -q --src-creds "$(creds nobody)" "docker://$BERTH_HOST/team/app:v1" \
  "oci:$WORK/nope:v1" 2>/dev/null; then fail "a user without policies pulled"; else pass; fi
as_user nobody GET /v2/team/app/manifests/v1
expect_error 403 DENIED "manifest GET without rights"
as_user nobody GET /v2/
expect_status 200 "/v2/ only checks credentials"
as_user nobody GET /v2/team/app/manifests/v1 -u "$(creds nobody | sed 's/:.*/:wrong/')"
expect_error 401 UNAUTHORIZED "a wrong secret is 401, not 403"

# --- catalog ---------------------------------------------------------------------------------------
req PUT /v2/other/app/manifests/v0 -H "Content-Type: application/vnd.oci.image.manifest.v1+json" \
  --data-binary @"$WORK/img/blobs/sha256/$(jq -r '.manifests[0].digest' "$WORK/img/index.json" | cut -d: -f2)"
as_user teamview GET /v2/_catalog
expect_status 200 "catalog"
expect_json .repositories '["team/app"]'
as_user reader GET /v2/_catalog
expect_json '.repositories | index("team/app") != null' true
as_user nobody GET /v2/_catalog
expect_json .repositories '[]'

# --- a public repository ---------------------------------------------------------------------------
check "admin pushes pub/app" "${SKOPEO[@]}" copy -q --dest-creds "$AK:$SK" "oci:$WORK/img:v1" "docker://$BERTH_HOST/pub/app:v1"
req_anon GET /v2/pub/app/manifests/v1
expect_error 401 UNAUTHORIZED "not public yet"
check "a challenge comes with it" test -n "$(header WWW-Authenticate)"
admin ecr set-repository-policy --repository-name pub/app --policy-text \
  '{"Version":"2012-10-17","Statement":[{"Sid":"public","Effect":"Allow","Principal":"*","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability","ecr:ListImages","ecr:PutImage","ecr:InitiateLayerUpload"]}]}' \
  >/dev/null || fail "make pub/app public"
req_anon GET /v2/pub/app/manifests/v1 -H "Accept: application/vnd.oci.image.manifest.v1+json"
expect_status 200 "anonymous manifest GET of a public repository"
LAYER=$(jq -r '.layers[0].digest' "$BODY")
req_anon HEAD "/v2/pub/app/blobs/$LAYER" -I
expect_status 200 "anonymous blob HEAD"
req_anon GET /v2/pub/app/tags/list
expect_json .tags '["v1"]'
check "skopeo pulls it with no credentials" "${SKOPEO[@]}" copy -q --src-no-creds "docker://$BERTH_HOST/pub/app:v1" "oci:$WORK/public:v1"
check "podman pulls it with no login" "${PODMAN[@]}" pull -q --tls-verify=false "$BERTH_HOST/pub/app:v1"
req_anon POST /v2/pub/app/blobs/uploads/
expect_error 401 UNAUTHORIZED "anonymous pushes stay refused, whatever the policy says"
req_anon GET /v2/team/app/manifests/v1
expect_error 401 UNAUTHORIZED "other repositories are not public"
req_anon GET /v2/_catalog
expect_error 401 UNAUTHORIZED "nor is the catalog"

# --- cross-repository mounts -----------------------------------------------------------------------
SECRET_LAYER=$(jq -r '.layers[0].digest' <"$WORK/img/blobs/sha256/$(jq -r '.manifests[0].digest' "$WORK/img/index.json" | cut -d: -f2)")
check "admin pushes private/vault" "${SKOPEO[@]}" copy -q --dest-creds "$AK:$SK" "oci:$WORK/img:v1" "docker://$BERTH_HOST/private/vault:v1"
as_user pusher POST "/v2/team/mount/blobs/uploads/?mount=$SECRET_LAYER&from=private/vault"
expect_status 202 "a mount without rights on the source is an ordinary upload"
check "nothing about the source leaks" test -z "$(header Docker-Content-Digest)"
as_user pusher POST "/v2/team/mount/blobs/uploads/?mount=$SECRET_LAYER&from=team/app"
expect_status 201 "a mount from a repository the user may read"

# --- registry tokens follow the key and the user's rights ------------------------------------------
printf '[reader]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$reader_KEY" "$reader_SECRET" >"$WORK/reader-creds"
AWS_SHARED_CREDENTIALS_FILE="$WORK/reader-creds" "$AWS" --profile reader ecr get-login-password \
  --endpoint-url "$BERTH_URL" >"$WORK/password" || fail "get-login-password as reader"
check "podman login with the reader's token" bash -c "${PODMAN[*]} login --authfile '$WORK/auth.json' --tls-verify=false --username AWS --password-stdin '$BERTH_HOST' <'$WORK/password'"
check "podman pulls with it" "${PODMAN[@]}" pull -q --authfile "$WORK/auth.json" --tls-verify=false "$BERTH_HOST/team/app:v1"
TOKEN=$(cat "$WORK/password")
STATUS=$(curl -s -o "$BODY" -w '%{http_code}' -u "AWS:$TOKEN" "$BERTH_URL/v2/team/app/tags/list")
expect_status 200 "the token names the reader"
admin iam detach-user-policy --user-name reader \
  --policy-arn arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly >/dev/null || fail "detach"
STATUS=$(curl -s -o "$BODY" -w '%{http_code}' -u "AWS:$TOKEN" "$BERTH_URL/v2/team/app/tags/list")
expect_error 403 DENIED "a token does not freeze rights"
admin iam attach-user-policy --user-name reader \
  --policy-arn arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly >/dev/null || fail "attach again"
admin iam update-access-key --user-name reader --access-key-id "$reader_KEY" --status Inactive >/dev/null || fail "deactivate"
STATUS=$(curl -s -o "$BODY" -w '%{http_code}' -u "AWS:$TOKEN" "$BERTH_URL/v2/team/app/tags/list")
expect_error 401 UNAUTHORIZED "an inactive key's token stops at once"
if "${PODMAN[@]}" pull -q --authfile "$WORK/auth.json" --tls-verify=false "$BERTH_HOST/team/app:prod-1" 2>/dev/null; then
  fail "podman pulled with a dead token"
else
  pass
fi
admin iam update-access-key --user-name reader --access-key-id "$reader_KEY" --status Active >/dev/null || fail "reactivate"
STATUS=$(curl -s -o "$BODY" -w '%{http_code}' -u "AWS:$TOKEN" "$BERTH_URL/v2/team/app/tags/list")
expect_status 200 "active again, the token works again"
admin iam delete-access-key --user-name reader --access-key-id "$reader_KEY" >/dev/null || fail "delete key"
STATUS=$(curl -s -o "$BODY" -w '%{http_code}' -u "AWS:$TOKEN" "$BERTH_URL/v2/team/app/tags/list")
expect_error 401 UNAUTHORIZED "a deleted key's token is dead"

# --- the audit trail of /v2/ -----------------------------------------------------------------------
TRAIL="$BERTH_DATA/audit/audit.log"
[ "$BERTH_NODES" -gt 1 ] && TRAIL="$BERTH_DATA/audit/audit.log $WORK/data-2/audit/audit.log $WORK/data-3/audit/audit.log"
sleep 0.3  # the trail's writer runs behind the requests
# shellcheck disable=SC2086
trail() { cat $TRAIL | jq -c -s "$1"; }
check "pusher's push of team/app:v1 is recorded" test "$(trail 'map(select(.eventName=="PutImage" and .userIdentity.userName=="pusher" and .requestParameters.imageTag=="v1" and .errorCode==null)) | length')" -ge 1
check "with the digest it stored" test "$(trail 'map(select(.eventName=="PutImage" and .userIdentity.userName=="pusher" and .responseElements.imageDigest != null)) | length')" -ge 1
check "the refused prod-1 push is recorded as DENIED" test "$(trail 'map(select(.eventName=="PutImage" and .userIdentity.userName=="pusher" and .requestParameters.imageTag=="prod-1" and .errorCode=="DENIED")) | length')" -ge 1
check "anonymous pulls of the public repository" test "$(trail 'map(select(.eventName=="BatchGetImage" and .userIdentity.type=="Anonymous" and .requestParameters.repositoryName=="pub/app" and .errorCode==null)) | length')" -ge 1
check "layer downloads with the user's key" test "$(trail "map(select(.eventName==\"GetDownloadUrlForLayer\" and .userIdentity.accessKeyId==\"$reader_KEY\")) | length")" -ge 1
# shellcheck disable=SC2086
check "no token in the trail" sh -c "! cat $TRAIL | grep -qF -- '$TOKEN'"
# shellcheck disable=SC2086
check "no secret in the trail" sh -c "! cat $TRAIL | grep -qF -- '$pusher_SECRET'"

finish
