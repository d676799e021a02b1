#!/usr/bin/env bash
# The Docker token flow (--auth-mode bearer): Bearer challenges, the token endpoint granting the
# intersection of what is asked and what policies allow, podman, skopeo and buildah through it,
# scope escalation refused, public repositories for anonymous tokens, tokens dying with their
# key.
source "$(dirname "$0")/containers.sh"
berth_start --auth-mode bearer

containers_setup
aws_admin
# token CREDS SCOPE...: asks the token endpoint; the answer is in $BODY, the token in $TOKEN.
token() {
  local creds="$1" args=()
  shift
  for s in "$@"; do args+=(--data-urlencode "scope=$s"); done
  if [ -n "$creds" ]; then args+=(-u "$creds"); fi
  STATUS=$(curl -s -o "$BODY" -w '%{http_code}' -G "${args[@]}" --data-urlencode "service=$BERTH_HOST" "$BERTH_URL/v2/token")
  TOKEN=$(jq -r .token "$BODY" 2>/dev/null)
}
claims() { echo "$TOKEN" | cut -d. -f2 | tr '_-' '/+' | awk '{n=length($0)%4; if(n==2)$0=$0"=="; if(n==3)$0=$0"="; print}' | base64 -d; }
with_token() {  # with_token METHOD PATH [curl args]
  STATUS=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $TOKEN" "${@:3}" "$BERTH_URL$2")
}

# --- challenges --------------------------------------------------------------------------------------
req_anon GET /v2/
expect_status 401 "/v2/ without credentials"
expect_header WWW-Authenticate "Bearer realm=\"$BERTH_URL/v2/token\",service=\"$BERTH_HOST\""
req_anon GET /v2/team/app/manifests/v1
expect_header WWW-Authenticate "Bearer realm=\"$BERTH_URL/v2/token\",service=\"$BERTH_HOST\",scope=\"repository:team/app:pull\""
req_anon POST /v2/team/app/blobs/uploads/
expect_header WWW-Authenticate "Bearer realm=\"$BERTH_URL/v2/token\",service=\"$BERTH_HOST\",scope=\"repository:team/app:pull,push\""

# --- the token endpoint ------------------------------------------------------------------------------
token "$AK:$SK" "repository:team/app:pull,push"
expect_status 200 "admin token"
expect_json '[has("token"), has("access_token"), .expires_in]' '[true,true,300]'
check "the admin gets what it asked" test "$(claims | jq -c .access)" = '[{"type":"repository","name":"team/app","actions":["pull","push"]}]'
token "$AK:wrong" "repository:team/app:pull"
expect_status 401 "wrong credentials get no token"
token "" "repository:team/app:pull"
expect_status 200 "an anonymous token"
check "that grants nothing here" test "$(claims | jq -c .access)" = '[]'

# --- clients through the flow ------------------------------------------------------------------------
python3 "$(dirname "$0")/make_oci_layout.py" "$WORK/img" v1 --layers 150000,2000 >/dev/null
check "skopeo pushes with a token" "${SKOPEO[@]}" copy -q --dest-creds "$AK:$SK" "oci:$WORK/img:v1" "docker://$BERTH_HOST/team/app:v1"
check "skopeo pulls with a token" "${SKOPEO[@]}" copy -q --src-creds "$AK:$SK" "docker://$BERTH_HOST/team/app:v1" "oci:$WORK/back:v1"
check "podman login" "${PODMAN[@]}" login --tls-verify=false -u "$AK" -p "$SK" "$BERTH_HOST"
check "podman pull" "${PODMAN[@]}" pull -q --tls-verify=false "$BERTH_HOST/team/app:v1"
check "podman push" "${PODMAN[@]}" push -q --tls-verify=false "$BERTH_HOST/team/app:v1" "$BERTH_HOST/team/copy:v1"
ctr=$("${BUILDAH[@]}" from --tls-verify=false "$BERTH_HOST/team/app:v1" 2>/dev/null)
check "buildah from" test -n "$ctr"
"${BUILDAH[@]}" config --label flow=bearer "$ctr" >/dev/null 2>&1
check "buildah commit" "${BUILDAH[@]}" commit -q "$ctr" "$BERTH_HOST/team/built:v1"
check "buildah push" "${BUILDAH[@]}" push -q --tls-verify=false "$BERTH_HOST/team/built:v1"
check "buildah's image is there" "${SKOPEO[@]}" inspect --creds "$AK:$SK" "docker://$BERTH_HOST/team/built:v1"

# --- a read-only user cannot escalate ------------------------------------------------------------------
admin iam create-user --user-name reader >/dev/null
admin iam create-access-key --user-name reader >"$WORK/key.json"
READER="$(jq -r .AccessKey.AccessKeyId "$WORK/key.json"):$(jq -r .AccessKey.SecretAccessKey "$WORK/key.json")"
admin iam put-user-policy --user-name reader --policy-name read --policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"],"Resource":"arn:aws:ecr:*:*:repository/team/app"}]}' >/dev/null
token "$READER" "repository:team/app:pull,push,delete" "repository:team/copy:pull" "registry:catalog:*"
expect_status 200 "the reader's token"
check "grants only pull on team/app (and the catalog, which is filtered)" \
  test "$(claims | jq -c .access)" = '[{"type":"repository","name":"team/app","actions":["pull"]},{"type":"registry","name":"catalog","actions":["*"]}]'
MANIFEST=$(jq -r '.manifests[0].digest' "$WORK/img/index.json")
with_token GET /v2/team/app/manifests/v1 -H "Accept: application/vnd.oci.image.manifest.v1+json"
expect_status 200 "pull with it"
with_token POST /v2/team/app/blobs/uploads/
expect_error 401 UNAUTHORIZED "push with a pull token"
check "the challenge says insufficient_scope" sh -c "grep -i '^www-authenticate' '$HDRS' | grep -q 'error=\"insufficient_scope\"'"
with_token GET /v2/team/copy/manifests/v1
expect_error 401 UNAUTHORIZED "another repository with this token"
GOOD="$TOKEN"
TOKEN=$(echo "$GOOD" | awk -F. '{print $1"."$2"."}')$(echo "$GOOD" | cut -d. -f3 | rev)
with_token GET /v2/team/app/manifests/v1
expect_error 401 UNAUTHORIZED "a token with a forged signature"
if "${SKOPEO[@]}" copy -q --dest-creds "$READER" "oci:$WORK/img:v1" "docker://$BERTH_HOST/team/app:v2" 2>/dev/null; then
  fail "the reader pushed"
else
  pass
fi
# A token does not outlive its key, nor outrank the policies of the moment.
TOKEN="$GOOD"
admin iam delete-user-policy --user-name reader --policy-name read >/dev/null
with_token GET /v2/team/app/manifests/v1
expect_error 403 DENIED "policies are asked again on each request"
admin iam delete-access-key --user-name reader --access-key-id "${READER%%:*}" >/dev/null
with_token GET /v2/team/app/manifests/v1
expect_error 401 UNAUTHORIZED "a deleted key's tokens stop at once"

# --- a cross-repository mount needs pull on the source in the token ----------------------------------
LAYER=$(jq -r '.layers[0].digest' "$WORK/img/blobs/sha256/${MANIFEST#sha256:}")
token "$AK:$SK" "repository:team/mnt:pull,push"
with_token POST "/v2/team/mnt/blobs/uploads/?mount=$LAYER&from=team/app"
expect_status 202 "no pull on the source in the token: an ordinary upload"
token "$AK:$SK" "repository:team/mnt:pull,push" "repository:team/app:pull"
with_token POST "/v2/team/mnt/blobs/uploads/?mount=$LAYER&from=team/app"
expect_status 201 "with it: mounted"

# --- public repositories and ECR tokens ----------------------------------------------------------------
admin ecr set-repository-policy --repository-name team/app --policy-text \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:PutImage"]}]}' >/dev/null
token "" "repository:team/app:pull,push"
check "an anonymous token for a public repository grants pull only" \
  test "$(claims | jq -c .access)" = '[{"type":"repository","name":"team/app","actions":["pull"]}]'
check "skopeo pulls it with no credentials" "${SKOPEO[@]}" copy -q --src-no-creds "docker://$BERTH_HOST/team/app:v1" "oci:$WORK/anon:v1"
admin ecr get-login-password >"$WORK/password"
check "podman logs in with get-login-password" bash -c "${PODMAN[*]} login --authfile '$WORK/ecr-auth.json' --tls-verify=false --username AWS --password-stdin '$BERTH_HOST' <'$WORK/password'"
check "and pulls through the token flow" "${PODMAN[@]}" pull -q --authfile "$WORK/ecr-auth.json" --tls-verify=false "$BERTH_HOST/team/built:v1"

finish
