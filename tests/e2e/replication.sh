#!/usr/bin/env bash
# Replication and events between registries on loopback: this Berth (the source: one node, or a
# cluster) replicates to two other Berths (B, C) and to a distribution registry (D), and signs
# its events to a webhook target. Checked: ECR's configuration calls and errors through the aws
# CLI; replication by prefix, byte for byte, with the destination's REPLICATION template; one hop
# only; an index with its children and a referrer; a peer down, then up (caught up); kill -9 of
# the source while it copies (completed, one copy recorded at the peer); an immutable tag at the
# destination (an untagged copy); a non-Berth peer; backfill of what predates a rule; events
# received with valid signatures, and redelivered with the same id after the target failed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containers.sh"
source "$(dirname "$0")/registries.sh"
MAKE_LAYOUT="$(dirname "$0")/make_oci_layout.py"
B_PORT=$(free_port) C_PORT=$(free_port) D_PORT=$(free_port) HOOK_PORT=$(free_port)
B=us-west-2/222222222222 C=eu-west-1/333333333333 D=ap-south-1/444444444444
# B again, as a destination whose credentials B refuses.
BAD=us-east-2/555555555555

mkdir -p "$WORK/hook"
python3 "$(dirname "$0")/webhook_receiver.py" "$HOOK_PORT" "$WORK/hook" &
UPSTREAM_PIDS+=($!)
extra_berth c "$C_PORT" --account-id 333333333333 --region eu-west-1
extra_berth b "$B_PORT" --account-id 222222222222 --region us-west-2 --replication-interval 1s \
  --peer "$C=http://127.0.0.1:$C_PORT"
distribution d "$D_PORT"
SOURCE_ARGS=(--account-id 111111111111 --replication-interval 1s --event-webhook "http://127.0.0.1:$HOOK_PORT/hook"
  --peer "$B=http://127.0.0.1:$B_PORT" --peer "$C=http://127.0.0.1:$C_PORT" --peer "$D=http://127.0.0.1:$D_PORT"
  --peer "$BAD=http://127.0.0.1:$B_PORT")
berth_start "${SOURCE_ARGS[@]}"
containers_setup
aws_admin

peer_aws() {  # peer_aws b|c SERVICE ARGS...: the aws CLI as that Berth's root
  local ak sk port region
  ak=$(eval "echo \$${1}_AK") sk=$(eval "echo \$${1}_SK")
  if [ "$1" = b ]; then port=$B_PORT region=us-west-2; else port=$C_PORT region=eu-west-1; fi
  AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk "$AWS" "$2" --endpoint-url "http://127.0.0.1:$port" \
    --region "$region" --output json "${@:3}"
}
push() {  # push LAYOUT:TAG REPO:TAG [HOST [CREDS]]
  "${SKOPEO[@]}" copy -q --all --dest-tls-verify=false --dest-creds "${4:-$AK:$SK}" "oci:$WORK/$1" \
    "docker://${3:-$BERTH_HOST}/$2"
}
digest_at() {  # digest_at HOST REPO:TAG [CREDS]
  "${SKOPEO[@]}" inspect --raw --tls-verify=false ${3:+--creds "$3"} "docker://$1/$2" 2>/dev/null |
    sha256sum | cut -d' ' -f1
}
status_of() {  # status_of REPO DIGEST DESTINATION: IN_PROGRESS, COMPLETE, FAILED or none
  admin ecr describe-image-replication-status --repository-name "$1" --image-id "imageDigest=$2" 2>/dev/null |
    jq -r --arg r "${3%/*}" --arg a "${3#*/}" \
      '[.replicationStatuses[] | select(.region == $r and .registryId == $a) | .status] | first // "none"'
}
wait_status() {  # wait_status REPO DIGEST DESTINATION WANT SECONDS
  local deadline=$((SECONDS + $5)) got
  while true; do
    got=$(status_of "$1" "$2" "$3")
    [ "$got" = "$4" ] && return 0
    [ "$SECONDS" -ge "$deadline" ] && { echo "status of $1@$2 at $3: $got, want $4" >&2; return 1; }
    sleep 0.3
  done
}
B_CREDS() { echo "$b_AK:$b_SK"; }
C_CREDS() { echo "$c_AK:$c_SK"; }

# --- configuration -------------------------------------------------------------------------------
AWS_CALL=(admin secretsmanager)
run_ok "B's keys as the secret berth-peer/$B" create-secret --name "berth-peer/$B" \
  --secret-string "{\"accessKeyId\":\"$b_AK\",\"secretAccessKey\":\"$b_SK\"}"
run_ok "C's keys as the secret berth-peer/$C" create-secret --name "berth-peer/$C" \
  --secret-string "{\"accessKeyId\":\"$c_AK\",\"secretAccessKey\":\"$c_SK\"}"
run_ok "wrong credentials as the secret berth-peer/$BAD" create-secret --name "berth-peer/$BAD" \
  --secret-string '{"username":"nobody","password":"wrong"}'
AWS_CALL=(admin ecr)
rule() {  # rule PREFIX DESTINATION...
  local p=$1 d out=""
  shift
  for d in "$@"; do out+="${out:+,}{\"region\":\"${d%/*}\",\"registryId\":\"${d#*/}\"}"; done
  echo "{\"destinations\":[$out],\"repositoryFilters\":[{\"filter\":\"$p\",\"filterType\":\"PREFIX_MATCH\"}]}"
}
CONFIG="{\"rules\":[$(rule prod "$B"),$(rule team "$B" "$C"),$(rule ext "$D"),$(rule bad "$BAD")]}"
run_ok "put-replication-configuration" put-replication-configuration --replication-configuration "$CONFIG"
jq_check "it answers the configuration" '.replicationConfiguration.rules | length' 4
run_ok "describe-registry" describe-registry
jq_check "describe-registry shows it" '[.registryId, (.replicationConfiguration.rules[1].destinations | map(.registryId))]' \
  '["111111111111",["222222222222","333333333333"]]'
run_err InvalidParameterException "a destination without a --peer" put-replication-configuration \
  --replication-configuration "{\"rules\":[$(rule prod us-west-1/999999999999)]}"
run_err InvalidParameterException "this registry itself" put-replication-configuration \
  --replication-configuration "{\"rules\":[$(rule prod us-east-1/111111111111)]}"
run_err InvalidParameterException "a filter type other than PREFIX_MATCH" put-replication-configuration \
  --replication-configuration '{"rules":[{"destinations":[],"repositoryFilters":[{"filter":"ab","filterType":"SUFFIX"}]}]}'
run_ok "the configuration is unchanged by refused calls" describe-registry
jq_check "still four rules" '.replicationConfiguration.rules | length' 4

# B: its own rule (prod -> C), for the one-hop check, and a REPLICATION template for what arrives.
AWS_CALL=(peer_aws b secretsmanager)
run_ok "C's keys at B" create-secret --name "berth-peer/$C" \
  --secret-string "{\"accessKeyId\":\"$c_AK\",\"secretAccessKey\":\"$c_SK\"}"
AWS_CALL=(peer_aws b ecr)
run_ok "B replicates prod to C" put-replication-configuration --replication-configuration "{\"rules\":[$(rule prod "$C")]}"
run_ok "B's REPLICATION template for prod" create-repository-creation-template --prefix prod \
  --applied-for REPLICATION --image-tag-mutability IMMUTABLE --resource-tags Key=origin,Value=replica
AWS_CALL=(admin ecr)

# --- replication by prefix ------------------------------------------------------------------------
python3 "$MAKE_LAYOUT" "$WORK/app" v1 --layers 4096,300000,2000000 >/dev/null
python3 "$MAKE_LAYOUT" "$WORK/app2" v1 --layers 5000,70000 >/dev/null
python3 "$MAKE_LAYOUT" "$WORK/multi" v1 --layers 2000,100000 --platforms linux/amd64,linux/arm64 >/dev/null
python3 "$MAKE_LAYOUT" "$WORK/big" v1 --layers 40000000,40000000 --uncompressed >/dev/null
check "push prod/app:v1" push app:v1 prod/app:v1
APP=$(digest_at "$BERTH_HOST" prod/app:v1 "$AK:$SK")
check "prod/app replicates to B" wait_status prod/app "sha256:$APP" "$B" COMPLETE 30
check "B serves prod/app:v1 with the same digest" test "$(digest_at "127.0.0.1:$B_PORT" prod/app:v1 "$(B_CREDS)")" = "$APP"
check "every blob of prod/app at B hashes right (skopeo copy)" \
  "${SKOPEO[@]}" copy -q --src-tls-verify=false --src-creds "$(B_CREDS)" "docker://127.0.0.1:$B_PORT/prod/app:v1" "oci:$WORK/from-b:v1"
AWS_CALL=(peer_aws b ecr)
run_ok "B's prod/app" describe-repositories --repository-names prod/app
jq_check "was created with B's REPLICATION template" '.repositories[0].imageTagMutability' '"IMMUTABLE"'
run_ok "its tags" list-tags-for-resource --resource-arn "arn:aws:ecr:us-west-2:222222222222:repository/prod/app"
jq_check "are the template's" '.tags' '[{"Key":"origin","Value":"replica"}]'
run_ok "B's status for the replicated image" describe-image-replication-status --repository-name prod/app \
  --image-id "imageDigest=sha256:$APP"
jq_check "is empty: replicated content goes one hop" '.replicationStatuses' '[]'
AWS_CALL=(admin ecr)
check "push prod/own:v1 to B itself" push app2:v1 prod/own:v1 "127.0.0.1:$B_PORT" "$(B_CREDS)"
OWN=$(digest_at "127.0.0.1:$B_PORT" prod/own:v1 "$(B_CREDS)")
wait_c_has() { for _ in $(seq 60); do [ "$(digest_at "127.0.0.1:$C_PORT" "$1" "$(C_CREDS)")" = "$2" ] && return 0; sleep 0.5; done; return 1; }
check "B replicates its own push to C" wait_c_has prod/own:v1 "$OWN"
check "but not what it received (one hop)" test "$(digest_at "127.0.0.1:$C_PORT" prod/app:v1 "$(C_CREDS)")" != "$APP"
check "push dev/x:v1 (no rule)" push app2:v1 dev/x:v1
DEVX=$(digest_at "$BERTH_HOST" dev/x:v1 "$AK:$SK")
sleep 2
check "dev/x has no replication status" test "$(status_of dev/x "sha256:$DEVX" "$B")" = none
check "and B has no dev/x" test "$(digest_at "127.0.0.1:$B_PORT" dev/x:v1 "$(B_CREDS)")" != "$DEVX"
run_err ImageNotFoundException "status of an image that is not there" describe-image-replication-status \
  --repository-name prod/app --image-id imageTag=nope
run_err RepositoryNotFoundException "status in a repository that is not there" describe-image-replication-status \
  --repository-name nope/nope --image-id imageTag=v1

# --- an index with its children, and a referrer ---------------------------------------------------
check "push team/multi:v1 (two platforms)" push multi:v1 team/multi:v1
MULTI=$(digest_at "$BERTH_HOST" team/multi:v1 "$AK:$SK")
REF=$(python3 "$(dirname "$0")/push_referrer.py" "$BERTH_HOST" "$AK" "$SK" team/multi "sha256:$MULTI")
check "the index replicates to C" wait_status team/multi "sha256:$MULTI" "$C" COMPLETE 30
check "the referrer replicates to C" wait_status team/multi "$REF" "$C" COMPLETE 30
curl -s -u "$(C_CREDS)" "http://127.0.0.1:$C_PORT/v2/team/multi/manifests/sha256:$MULTI" \
  -H 'Accept: application/vnd.oci.image.index.v1+json' >"$WORK/multi-at-c.json"
children_ok() {
  local child
  for child in $(jq -r '.manifests[].digest' "$WORK/multi-at-c.json"); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -u "$(C_CREDS)" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
      "http://127.0.0.1:$C_PORT/v2/team/multi/manifests/$child")" = 200 ] || return 1
  done
  [ "$(jq '.manifests | length' "$WORK/multi-at-c.json")" = 2 ]
}
check "C serves both platforms' manifests" children_ok
check "C lists the referrer under the index" sh -c "curl -s -u '$(C_CREDS)' 'http://127.0.0.1:$C_PORT/v2/team/multi/referrers/sha256:$MULTI' | jq -e '.manifests[] | select(.digest == \"$REF\")' >/dev/null"

# --- a peer down, then up -------------------------------------------------------------------------
stop_registry c
check "push team/app:v1 while C is down" push app:v1 team/app:v1
TEAM=$(digest_at "$BERTH_HOST" team/app:v1 "$AK:$SK")
check "B gets it" wait_status team/app "sha256:$TEAM" "$B" COMPLETE 30
sleep 3
check "C stays IN_PROGRESS while it is down" test "$(status_of team/app "sha256:$TEAM" "$C")" = IN_PROGRESS
extra_berth c "$C_PORT" --account-id 333333333333 --region eu-west-1
check "C catches up once it is back" wait_status team/app "sha256:$TEAM" "$C" COMPLETE 60
check "C serves team/app:v1" test "$(digest_at "127.0.0.1:$C_PORT" team/app:v1 "$(C_CREDS)")" = "$TEAM"

# --- kill -9 of the source while it copies --------------------------------------------------------
sent=$(metric_sum berth_replication_bytes_sent_total)
check "push team/big:v1 (80 MB)" push big:v1 team/big:v1
BIG=$(digest_at "$BERTH_HOST" team/big:v1 "$AK:$SK")
for _ in $(seq 400); do [ "$(metric_sum berth_replication_bytes_sent_total)" -gt "$sent" ] && break; sleep 0.02; done
berth_kill9
berth_start "${SOURCE_ARGS[@]}"
check "after kill -9 the copy to B completes" wait_status team/big "sha256:$BIG" "$B" COMPLETE 60
check "and to C" wait_status team/big "sha256:$BIG" "$C" COMPLETE 60
check "B serves team/big:v1" test "$(digest_at "127.0.0.1:$B_PORT" team/big:v1 "$(B_CREDS)")" = "$BIG"
replications_at() {  # replications_at NAME DIGEST: ECR Replication Action events in that Berth's journal
  sleep 2
  grep -c "\"ECR Replication Action\".*\"image-digest\":\"sha256:$2\"" "$WORK/$1-data/events.jsonl" || true
}
check "B recorded the replication once" test "$(replications_at b "$BIG")" = 1
check "C recorded it once" test "$(replications_at c "$BIG")" = 1

# --- an immutable tag at the destination ----------------------------------------------------------
check "push another image as prod/app:v1" push app2:v1 prod/app:v1
APP2=$(digest_at "$BERTH_HOST" prod/app:v1 "$AK:$SK")
check "it replicates to B" wait_status prod/app "sha256:$APP2" "$B" COMPLETE 30
check "untagged at B: its v1 is immutable and keeps the first image" \
  test "$(digest_at "127.0.0.1:$B_PORT" prod/app:v1 "$(B_CREDS)")" = "$APP"
check "the new image is at B by digest" test "$(digest_at "127.0.0.1:$B_PORT" "prod/app@sha256:$APP2" "$(B_CREDS)")" = "$APP2"

# --- a registry that is not Berth -----------------------------------------------------------------
check "push ext/tool:v1" push app2:v1 ext/tool:v1
EXT=$(digest_at "$BERTH_HOST" ext/tool:v1 "$AK:$SK")
check "it replicates to distribution" wait_status ext/tool "sha256:$EXT" "$D" COMPLETE 30
check "distribution serves ext/tool:v1" test "$(digest_at "127.0.0.1:$D_PORT" ext/tool:v1)" = "$EXT"

# --- a destination that refuses -------------------------------------------------------------------
check "push bad/app:v1" push app2:v1 bad/app:v1
BADIMG=$(digest_at "$BERTH_HOST" bad/app:v1 "$AK:$SK")
check "a peer refusing the credentials makes it FAILED" wait_status bad/app "sha256:$BADIMG" "$BAD" FAILED 30
run_ok "its status" describe-image-replication-status --repository-name bad/app --image-id imageTag=v1
jq_check "with a failureCode" '.replicationStatuses[0] | [.status, .failureCode]' '["FAILED","PEER_ACCESS_DENIED"]'

# --- backfill -------------------------------------------------------------------------------------
check "push old/app:v1 before any rule names it" push app2:v1 old/app:v1
OLD=$(digest_at "$BERTH_HOST" old/app:v1 "$AK:$SK")
run_ok "a rule for old" put-replication-configuration \
  --replication-configuration "{\"rules\":[$(rule prod "$B"),$(rule team "$B" "$C"),$(rule ext "$D"),$(rule old "$B")]}"
sleep 2
check "what predates the rule is not replicated" test "$(status_of old/app "sha256:$OLD" "$B")" = none
if [ "$BERTH_E2E_META" = postgres ]; then STORE_ARGS=("${BERTH_META_ARGS[@]}"); else STORE_ARGS=(--data "$BERTH_DATA"); fi
check "berth replicate --backfill --repository old" "$BERTH_BIN" replicate --backfill --repository old "${STORE_ARGS[@]}"
check "the backfill reaches B" wait_status old/app "sha256:$OLD" "$B" COMPLETE 30
check "B serves old/app:v1" test "$(digest_at "127.0.0.1:$B_PORT" old/app:v1 "$(B_CREDS)")" = "$OLD"

# --- events ---------------------------------------------------------------------------------------
# Complete lines only: the receiver may be appending one while the test reads.
received() {
  head -n "$(wc -l <"$WORK/hook/received.jsonl")" "$WORK/hook/received.jsonl" |
    jq -c --slurp '[.[] | select(.status == 204) | .body | fromjson]'
}
wait_received() {  # wait_received JQ_SELECT: an accepted event matches
  for _ in $(seq 100); do
    [ "$(received | jq "[.[] | select($1)] | length")" -gt 0 ] 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}
check "the push of prod/app:v1 was delivered" \
  wait_received ".\"detail-type\" == \"ECR Image Action\" and .detail[\"action-type\"] == \"PUSH\" and .detail[\"image-digest\"] == \"sha256:$APP\" and .detail[\"image-tag\"] == \"v1\""
check "in EventBridge's envelope" \
  wait_received ".source == \"aws.ecr\" and .account == \"111111111111\" and .region == \"us-east-1\" and .version == \"0\" and (.id | length) == 36"
check "the replication to B was delivered" \
  wait_received ".\"detail-type\" == \"ECR Replication Action\" and .detail.result == \"SUCCESS\" and .detail[\"image-digest\"] == \"sha256:$APP\" and .detail[\"destination-region\"] == \"us-west-2\""
KEY_FILE="$BERTH_DATA/webhook-secret"
check "DATA/webhook-secret is mode 0600" test "$(stat -c %a "$KEY_FILE")" = 600
if [ "$BERTH_NODES" -gt 1 ]; then
  check "every node signs with the same key" sh -c "cmp -s '$KEY_FILE' '$WORK/data-2/webhook-secret' && cmp -s '$KEY_FILE' '$WORK/data-3/webhook-secret'"
fi
python3 "$(dirname "$0")/webhook_receiver.py" verify "$WORK/hook" "$KEY_FILE" >"$WORK/verified" 2>&1 || true
check "every delivery's signature verifies ($(cat "$WORK/verified") events)" grep -qx '[0-9][0-9]*' "$WORK/verified"
# Delivery is at least once (a kill -9 may repeat what was delivered but not yet recorded): an id
# always names one event, and no two events share one.
ids_name_events() {  # on one reading of what was received
  local events
  events=$(received)
  [ "$(jq '[.[].id] | unique | length' <<<"$events")" = "$(jq '[.[] | [."detail-type", .time, .detail]] | unique | length' <<<"$events")" ]
}
check "an id names exactly one event" ids_name_events

# An outage: the first event not yet delivered is tried with backoff until the target recovers,
# and then everything after it, in order.
touch "$WORK/hook/fail"
run_ok "delete dev/x:v1 while the target fails" batch-delete-image --repository-name dev/x --image-ids imageTag=v1
failed_ids() { jq -rs '[.[] | select(.status == 503) | .body | fromjson | .id] | .[]' "$WORK/hook/received.jsonl"; }
for _ in $(seq 100); do [ "$(failed_ids | wc -l)" -ge 2 ] && break; sleep 0.2; done
check "the target was tried again while it failed ($(failed_ids | wc -l) tries)" test "$(failed_ids | wc -l)" -ge 2
rm "$WORK/hook/fail"
check "the deletion is delivered once the target recovers" \
  wait_received ".detail[\"action-type\"] == \"DELETE\" and .detail[\"repository-name\"] == \"dev/x\""
redelivered() {  # every event a failed try carried was delivered later, with its id
  local id
  for id in $(failed_ids | sort -u); do received | jq -e --arg id "$id" 'any(.[]; .id == $id)' >/dev/null || return 1; done
}
check "with the same id as its failed tries" redelivered
journal_has() { journal | grep -q "\"repository-name\":\"dev/x\",\"image-digest\":\"sha256:$DEVX\",\"action-type\":\"DELETE\""; }
for _ in $(seq 20); do journal_has && break; sleep 0.2; done
check "DATA/events.jsonl has the deletion too" journal_has

stop_upstreams
finish
