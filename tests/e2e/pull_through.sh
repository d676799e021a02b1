#!/usr/bin/env bash
# The pull-through cache against real upstreams on loopback: distribution (CNCF's registry)
# without credentials and with htpasswd (Basic), and Berth itself in bearer mode (the token
# flow). Rules through the aws CLI with ECR's errors, credentials from Secrets Manager; cold
# pulls with skopeo, podman and BatchGetImage byte for byte; 16 concurrent pulls of an uncached
# image make one upstream download per blob; a multi-platform index; a tag moved upstream is
# seen after --cache-tag-ttl; the cache serves while the upstream is down; creation templates
# shape the repositories it creates; an import needs ecr:BatchImportUpstreamImage; an upstream
# over TLS is trusted through --cache-ca-file.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containers.sh"
# Long enough for the checks "within the TTL" to finish in it on a loaded machine.
TTL=8
# A certificate of its own for the upstream served over TLS: Berth trusts it through --cache-ca-file
# (the system's CA bundle is loaded beside it, on the first TLS connection).
mkdir -p "$WORK/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$WORK/tls-key.pem" -out "$WORK/certs/ca.crt" 2>/dev/null
berth_start --cache-tag-ttl "${TTL}s" --cache-ca-file "$WORK/certs/ca.crt"
containers_setup
aws_admin
MAKE_LAYOUT="$(dirname "$0")/make_oci_layout.py"
source "$(dirname "$0")/registries.sh"
OPEN_PORT=$(free_port)
AUTH_PORT=$(free_port)
python3 -W ignore -c 'import crypt; print("robot:" + crypt.crypt("robot-pw", crypt.mksalt(crypt.METHOD_BLOWFISH)))' \
  >"$WORK/htpasswd"
distribution open "$OPEN_PORT"
distribution auth "$AUTH_PORT" "$WORK/htpasswd"
TLS_PORT=$(free_port)
distribution tls "$TLS_PORT" "" "$WORK/certs/ca.crt" "$WORK/tls-key.pem"
# Berth as a third upstream, in bearer mode: its token flow with its admin's key as credentials.
TOKEN_PORT=$(free_port)
extra_berth token "$TOKEN_PORT" --auth-mode bearer
TOKEN_AK=$token_AK TOKEN_SK=$token_SK

# Images upstream.
push_up() {  # push_up LAYOUT:TAG HOST/REPO:TAG [creds]
  "${SKOPEO[@]}" copy -q --all ${3:+--dest-creds "$3"} --dest-tls-verify=false "oci:$WORK/$1" "docker://$2"
}
python3 "$MAKE_LAYOUT" "$WORK/app" v1 --layers 4096,300000,2000000 >/dev/null
python3 "$MAKE_LAYOUT" "$WORK/app2" v2 --layers 5000,1500000 >/dev/null
python3 "$MAKE_LAYOUT" "$WORK/tool" v1 --layers 3000,70000,900000,4000000 >/dev/null
python3 "$MAKE_LAYOUT" "$WORK/multi" v1 --layers 2000,100000 --platforms linux/amd64,linux/arm64 >/dev/null
check "push library/app:v1 upstream" push_up app:v1 "127.0.0.1:$OPEN_PORT/library/app:v1"
check "push team/tool:v1 upstream" push_up tool:v1 "127.0.0.1:$OPEN_PORT/team/tool:v1"
check "push library/multi:v1 upstream" push_up multi:v1 "127.0.0.1:$OPEN_PORT/library/multi:v1"
check "push team/other:v1 upstream" push_up tool:v1 "127.0.0.1:$OPEN_PORT/team/other:v1"
check "push private/app:v1 upstream (Basic)" push_up app:v1 "127.0.0.1:$AUTH_PORT/private/app:v1" robot:robot-pw
check "push library/app:v1 upstream (TLS)" "${SKOPEO[@]}" copy -q --dest-cert-dir "$WORK/certs" \
  "oci:$WORK/app:v1" "docker://127.0.0.1:$TLS_PORT/library/app:v1"
check "push vendor/app:v1 upstream (token flow)" push_up app2:v2 "127.0.0.1:$TOKEN_PORT/vendor/app:v1" "$TOKEN_AK:$TOKEN_SK"
digest_at() {  # digest_at HOST/REPO:TAG [creds]: the manifest digest a registry serves
  "${SKOPEO[@]}" inspect --raw --tls-verify=false ${2:+--creds "$2"} "docker://$1" | sha256sum | cut -d' ' -f1
}

# --- credentials and rules ----------------------------------------------------------------------
AWS_CALL=(admin secretsmanager)
run_ok "a secret for the Basic upstream" create-secret --name ecr-pullthroughcache/robot \
  --secret-string '{"username":"robot","accessToken":"robot-pw"}'
ROBOT_ARN=$(jq -r .ARN "$OUT")
run_ok "a secret for the token upstream" create-secret --name ecr-pullthroughcache/vendor \
  --secret-string "{\"username\":\"$TOKEN_AK\",\"accessToken\":\"$TOKEN_SK\"}"
VENDOR_ARN=$(jq -r .ARN "$OUT")
run_ok "a secret that is no credential" create-secret --name ecr-pullthroughcache/junk --secret-string 'not json'
JUNK_ARN=$(jq -r .ARN "$OUT")
AWS_CALL=(admin ecr)
ACCOUNT=$(admin sts get-caller-identity | jq -r .Account)
run_ok "a template for what the cache creates" create-repository-creation-template --prefix hub \
  --applied-for PULL_THROUGH_CACHE --resource-tags Key=origin,Value=cache
run_ok "a rule for the open upstream" create-pull-through-cache-rule --ecr-repository-prefix hub \
  --upstream-registry-url "http://127.0.0.1:$OPEN_PORT"
jq_check "as ECR answers" '[.ecrRepositoryPrefix, .upstreamRegistryUrl, .upstreamRepositoryPrefix, (.createdAt > 0)]' \
  "[\"hub\",\"http://127.0.0.1:$OPEN_PORT\",\"ROOT\",true]"
run_ok "a rule with Basic credentials" create-pull-through-cache-rule --ecr-repository-prefix priv \
  --upstream-registry-url "http://127.0.0.1:$AUTH_PORT" --credential-arn "$ROBOT_ARN"
run_ok "a rule with the token flow" create-pull-through-cache-rule --ecr-repository-prefix vendor \
  --upstream-registry-url "http://127.0.0.1:$TOKEN_PORT" --credential-arn "$VENDOR_ARN"
run_ok "a rule for the upstream over TLS" create-pull-through-cache-rule --ecr-repository-prefix sec \
  --upstream-registry-url "https://127.0.0.1:$TLS_PORT"
run_ok "a rule for an upstream that is down" create-pull-through-cache-rule --ecr-repository-prefix down \
  --upstream-registry-url "http://127.0.0.1:$(free_port)"
run_err PullThroughCacheRuleAlreadyExistsException "a prefix has one rule" create-pull-through-cache-rule \
  --ecr-repository-prefix hub --upstream-registry-url quay.io
run_err SecretNotFoundException "a missing secret" create-pull-through-cache-rule --ecr-repository-prefix x1 \
  --upstream-registry-url quay.io --credential-arn "${ROBOT_ARN%robot-*}missing-AbCdEf"
run_err UnableToDecryptSecretValueException "a secret without username and accessToken" create-pull-through-cache-rule \
  --ecr-repository-prefix x2 --upstream-registry-url quay.io --credential-arn "$JUNK_ARN"
run_err InvalidParameterException "Docker Hub needs credentials" create-pull-through-cache-rule \
  --ecr-repository-prefix x3 --upstream-registry-url registry-1.docker.io
run_err InvalidParameterException "a URL with a path" create-pull-through-cache-rule --ecr-repository-prefix x4 \
  --upstream-registry-url "https://example.com/v2/x"
run_ok "describe them" describe-pull-through-cache-rules
jq_check "by prefix, credentials named" '[.pullThroughCacheRules[] | [.ecrRepositoryPrefix, (.credentialArn // "")]]' \
  "[[\"down\",\"\"],[\"hub\",\"\"],[\"priv\",\"$ROBOT_ARN\"],[\"sec\",\"\"],[\"vendor\",\"$VENDOR_ARN\"]]"
run_ok "a page of one" describe-pull-through-cache-rules --max-results 1 --no-paginate
jq_check "with a token" '[(.pullThroughCacheRules | length), (.nextToken | type)]' '[1,"string"]'
run_err PullThroughCacheRuleNotFoundException "describing a missing one" describe-pull-through-cache-rules \
  --ecr-repository-prefixes nope
run_ok "validate the open one" validate-pull-through-cache-rule --ecr-repository-prefix hub
jq_check "valid" '.isValid' true
run_ok "validate the Basic one" validate-pull-through-cache-rule --ecr-repository-prefix priv
jq_check "valid" '.isValid' true
run_ok "validate the token one" validate-pull-through-cache-rule --ecr-repository-prefix vendor
jq_check "valid" '.isValid' true
run_ok "validate the one that is down" validate-pull-through-cache-rule --ecr-repository-prefix down
jq_check "not valid, and why" '[.isValid, (.failure | length > 0)]' '[false,true]'
run_ok "update a rule's credentials" update-pull-through-cache-rule --ecr-repository-prefix priv --credential-arn "$ROBOT_ARN"
jq_check "updated" '[.ecrRepositoryPrefix, .credentialArn, (.updatedAt > 0)]' "[\"priv\",\"$ROBOT_ARN\",true]"
run_err PullThroughCacheRuleNotFoundException "updating a missing one" update-pull-through-cache-rule \
  --ecr-repository-prefix nope --credential-arn "$ROBOT_ARN"

# --- cold pulls ------------------------------------------------------------------------------------
pull() {  # pull REPO:TAG DIR [--all]: skopeo through Berth into an OCI layout
  rm -rf "$WORK/$2"
  "${SKOPEO[@]}" copy -q ${3:-} --src-creds "$AK:$SK" --src-tls-verify=false "docker://$BERTH_HOST/$1" "oci:$WORK/$2:x"
}
same_blobs() { diff <(ls "$WORK/$1/blobs/sha256") <(ls "$WORK/$2/blobs/sha256") >/dev/null; }
check "skopeo pulls hub/library/app:v1 cold" pull hub/library/app:v1 got-app
check "byte for byte what the upstream holds" same_blobs app got-app
check "the same manifest digest" test "$(digest_at "$BERTH_HOST/hub/library/app:v1" "$AK:$SK")" = \
  "$(digest_at "127.0.0.1:$OPEN_PORT/library/app:v1")"
imported() {  # imported REPO TAG: the import landed (describe-images lists the tag)
  for _ in $(seq 1 100); do
    admin ecr describe-images --repository-name "$1" 2>/dev/null | jq -e --arg t "$2" \
      '[.imageDetails[].imageTags // [] | .[]] | index($t) != null' >/dev/null && return 0
    sleep 0.1
  done
  return 1
}
check "the image is stored in the registry, tagged" imported hub/library/app v1
check "skopeo pulls sec/library/app:v1 cold (upstream over TLS)" pull sec/library/app:v1 got-sec
check "byte for byte what the TLS upstream holds" same_blobs app got-sec
run_ok "the repository it made" list-tags-for-resource --resource-arn "arn:aws:ecr:us-east-1:$ACCOUNT:repository/hub/library/app"
jq_check "has the template's tags" '.tags' '[{"Key":"origin","Value":"cache"}]'
check "podman pulls priv/private/app:v1 (Basic upstream)" "${PODMAN[@]}" pull -q --tls-verify=false \
  --creds "$AK:$SK" "$BERTH_HOST/priv/private/app:v1"
check "podman has the upstream's image" test "$("${PODMAN[@]}" image inspect --format '{{.Digest}}' "$BERTH_HOST/priv/private/app:v1")" = \
  "sha256:$(digest_at "127.0.0.1:$AUTH_PORT/private/app:v1" robot:robot-pw)"
check "skopeo pulls vendor/vendor/app:v1 (token flow upstream)" pull vendor/vendor/app:v1 got-vendor
check "byte for byte" same_blobs app2 got-vendor
run_ok "BatchGetImage of an image not yet cached" batch-get-image --repository-name hub/team/other --image-ids imageTag=v1
jq_check "answers the upstream's manifest" '.images[0].imageManifest | length > 0' true
check "the same bytes" test "$(jq -j '.images[0].imageManifest' "$OUT" | sha256sum | cut -d' ' -f1)" = \
  "$(digest_at "127.0.0.1:$OPEN_PORT/team/other:v1")"
check "and it is imported, blobs first" imported hub/team/other v1
check "skopeo then pulls it from the registry" pull hub/team/other:v1 got-other
check "a multi-platform index with --all" pull hub/library/multi:v1 got-multi --all
check "byte for byte" same_blobs multi got-multi
check "the index is imported with its children" imported hub/library/multi v1
run_ok "its children" describe-images --repository-name hub/library/multi
jq_check "index and two images" '.imageDetails | length' 3
check "a missing upstream image is MANIFEST_UNKNOWN" bash -c "! ${SKOPEO[*]} inspect --raw --tls-verify=false --creds '$AK:$SK' docker://$BERTH_HOST/hub/library/nope:v1"

# --- one download per blob ----------------------------------------------------------------------
TOOL_BLOBS=$(ls "$WORK/tool/blobs/sha256" | wc -l)
MANY_PIDS=()
for i in $(seq 1 16); do
  ( "${SKOPEO[@]}" copy -q --src-creds "$AK:$SK" --src-tls-verify=false "docker://$BERTH_HOST/hub/team/tool:v1" \
      "oci:$WORK/many-$i:x" >"$WORK/many-$i.log" 2>&1 && touch "$WORK/many-$i.ok" ) &
  MANY_PIDS+=($!)
done
# However long a loaded machine takes (CTest's timeout bounds a hang); a failure shows its log.
wait "${MANY_PIDS[@]}" || true
all_pulled() {
  local i ok=0
  for i in $(seq 1 16); do
    [ -f "$WORK/many-$i.ok" ] && ok=$((ok + 1)) || { echo "pull $i:" >&2; cat "$WORK/many-$i.log" >&2; }
  done
  [ "$ok" -eq 16 ]
}
check "16 concurrent cold pulls succeed" all_pulled
check "byte for byte" same_blobs tool many-7
fetches_per_blob() {  # the upstream served each of team/tool's layers and config once
  local d n
  for d in $(jq -r '.layers[].digest, .config.digest' "$WORK/tool/blobs/sha256/$(jq -r '.manifests[0].digest' "$WORK/tool/index.json" | cut -d: -f2)"); do
    n=$(grep -c "GET /v2/team/tool/blobs/$d " "$WORK/open.log" || true)
    [ "$n" -eq 1 ] || { echo "$d fetched $n times" >&2; return 1; }
  done
}
check "one upstream download per blob" fetches_per_blob
check "the tool image is imported" imported hub/team/tool v1

# --- a tag moved upstream; the upstream down -----------------------------------------------------
OLD=$(digest_at "$BERTH_HOST/hub/library/app:v1" "$AK:$SK")
check "move library/app:v1 upstream" push_up app2:v2 "127.0.0.1:$OPEN_PORT/library/app:v1"
NEW=$(digest_at "127.0.0.1:$OPEN_PORT/library/app:v1")
check "within the TTL the cached tag is served" test "$(digest_at "$BERTH_HOST/hub/library/app:v1" "$AK:$SK")" = "$OLD"
sleep $((TTL + 1))
check "after the TTL the moved tag is seen" test "$(digest_at "$BERTH_HOST/hub/library/app:v1" "$AK:$SK")" = "$NEW"
check "and pulled" pull hub/library/app:v1 got-moved
check "byte for byte" same_blobs app2 got-moved
check "the moved tag is imported" bash -c "for _ in \$(seq 1 100); do [ \"\$(${SKOPEO[*]} inspect --raw --tls-verify=false --creds '$AK:$SK' docker://$BERTH_HOST/hub/library/app:v1 | sha256sum | cut -d' ' -f1)\" = '$NEW' ] && exit 0; sleep 0.1; done; exit 1"
kill "$open_PID"
wait "$open_PID" 2>/dev/null || true
sleep $((TTL + 1))
check "the upstream down, a cached tag is still served" pull hub/library/app:v1 got-down
check "byte for byte" same_blobs app2 got-down
check "as is a cached digest" pull "hub/library/app@sha256:$OLD" got-down-old
check "an uncached image is not" bash -c "! ${SKOPEO[*]} inspect --raw --tls-verify=false --creds '$AK:$SK' docker://$BERTH_HOST/hub/library/never:v1"

# --- permissions ---------------------------------------------------------------------------------
admin iam create-user --user-name puller >/dev/null || fail "create puller"
admin iam create-access-key --user-name puller >"$WORK/key.json" || fail "puller's key"
PULLER="$(jq -r .AccessKey.AccessKeyId "$WORK/key.json"):$(jq -r .AccessKey.SecretAccessKey "$WORK/key.json")"
admin iam put-user-policy --user-name puller --policy-name pull --policy-document '{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["ecr:GetAuthorizationToken","ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"],"Resource":"*"}]}' \
  >/dev/null || fail "puller's policy"
check "a puller without BatchImportUpstreamImage pulls what is cached" "${SKOPEO[@]}" copy -q --src-creds "$PULLER" \
  --src-tls-verify=false "docker://$BERTH_HOST/priv/private/app:v1" "oci:$WORK/puller:x"
req_as() { STATUS=$(curl -s -o "$BODY" -w '%{http_code}' -u "$PULLER" -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$BERTH_URL$1"); }
req_as /v2/priv/private/other/manifests/v1
check "but cannot import: 403 DENIED" test "$STATUS" = 403
check "naming the action" grep -q "ecr:CreateRepository\|ecr:BatchImportUpstreamImage" "$BODY"

# --- rules go, repositories stay -------------------------------------------------------------------
run_ok "delete a rule" delete-pull-through-cache-rule --ecr-repository-prefix priv
jq_check "it is returned" '[.ecrRepositoryPrefix, .credentialArn]' "[\"priv\",\"$ROBOT_ARN\"]"
run_err PullThroughCacheRuleNotFoundException "deleting it again" delete-pull-through-cache-rule --ecr-repository-prefix priv
run_ok "what it cached stays" describe-images --repository-name priv/private/app
jq_check "one image" '.imageDetails | length' 1
check "metrics count downloads" test "$(metric_sum berth_cache_blobs_fetched_total)" -gt 0
ptc_event() { journal | jq -se 'any(.[]; ."detail-type" == "ECR Pull Through Cache Action" and .detail["sync-status"] == "SUCCESS"
  and .detail["ecr-repository-prefix"] == "priv" and .detail["repository-name"] == "priv/private/app")' >/dev/null; }
for _ in $(seq 20); do ptc_event && break; sleep 0.2; done
check "imports are ECR Pull Through Cache Action events" ptc_event

stop_upstreams
finish
