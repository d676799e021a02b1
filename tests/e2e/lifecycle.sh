#!/usr/bin/env bash
# Lifecycle policies with the aws CLI (put, get, delete, preview and its waiter, validation), a
# run that expires exactly what the preview said (an index with its children and its signature
# included, a protected image kept), then online garbage collection: the expired images' own
# blobs leave the blob store after the grace period, a layer a kept image shares stays, and every
# kept image is served byte for byte. The archive storage class (by hand and by a lifecycle
# transition), pull times and their exclusions. On the embedded store, `berth gc` and `berth fsck`.
source "$(dirname "$0")/lib.sh"
EMBEDDED=""
[ "$BERTH_NODES" = 1 ] && [ "${BERTH_E2E_BLOBS:-}" != s3 ] && EMBEDDED=1
# On the embedded store, blobs only archived images use move to another directory.
ARCHIVE_FLAGS=()
[ -n "$EMBEDDED" ] && ARCHIVE_FLAGS=(--archive-dir "$WORK/archive")
berth_start --gc-interval 1s --gc-grace 1s "${ARCHIVE_FLAGS[@]}"
aws_admin
CLIENT="$(dirname "$0")/lifecycle_client.py"
REPO=life/app
admin ecr create-repository --repository-name "$REPO" >/dev/null
admin ecr create-repository --repository-name life/empty >/dev/null

# Push times are seconds: a second passes where the rules need an order (v3 and v4 younger than
# v1 and v2; fresh the youngest untagged image).
push() { python3 "$CLIENT" push "$BERTH_URL" "$AK" "$SK" "$REPO" "$@" >>"$WORK/images" || fail "push $1"; }
python3 "$CLIENT" index "$BERTH_URL" "$AK" "$SK" "$REPO" multi >>"$WORK/images" || fail "push index"
push prod prod-1
push untagged
push v1 v1
push v2 v2
sleep 1
push v3 v3
push v4 v4
push fresh
digest() { awk -v n="$1" '$1 == n {print $2}' "$WORK/images"; }
own_layer() { awk -v n="$1" '$1 == n {print $3}' "$WORK/images"; }
sorted() { printf '%s\n' "$@" | sort | tr '\n' ' '; }

rule() {  # rule PRIORITY SELECTION
  printf '{"rulePriority":%s,"description":"a rule of the lifecycle test","selection":%s,"action":{"type":"expire"}}' "$1" "$2"
}
POLICY="{\"rules\":[$(rule 1 '{"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":100}'),$(rule 2 '{"tagStatus":"tagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":2}'),$(rule 3 '{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1}')]}"
EXPIRED=$(sorted "$(digest v1)" "$(digest v2)" "$(digest untagged)" "$(digest multi)" "$(digest multi-amd64)" \
  "$(digest multi-arm64)" "$(digest multi-sig)")
KEPT="$(digest prod) $(digest v3) $(digest v4) $(digest fresh)"

# --- validation and not-found answers ---------------------------------------------------------
expect_aws_error() {  # expect_aws_error EXCEPTION TEXT COMMAND...
  local exception="$1" text="$2"
  shift 2
  if "$@" >"$WORK/aws.out" 2>&1; then fail "$* succeeded"; return; fi
  if grep -q "$exception" "$WORK/aws.out" && grep -q -- "$text" "$WORK/aws.out"; then pass; else
    fail "$*: want $exception mentioning '$text', got: $(cat "$WORK/aws.out")"
  fi
}
expect_aws_error LifecyclePolicyNotFoundException "does not exist" admin ecr get-lifecycle-policy --repository-name "$REPO"
expect_aws_error LifecyclePolicyNotFoundException "does not exist" admin ecr delete-lifecycle-policy --repository-name "$REPO"
expect_aws_error LifecyclePolicyPreviewNotFoundException "$REPO" admin ecr get-lifecycle-policy-preview --repository-name "$REPO"
expect_aws_error LifecyclePolicyNotFoundException "does not exist" admin ecr start-lifecycle-policy-preview --repository-name "$REPO"
BAD="{\"rules\":[$(rule 1 '{"tagStatus":"untagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":1}')]}"
expect_aws_error InvalidParameterException "tagPrefixList" admin ecr put-lifecycle-policy --repository-name "$REPO" \
  --lifecycle-policy-text "$BAD"
BAD="{\"rules\":[$(rule 1 '{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1}'),$(rule 2 '{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1}')]}"
expect_aws_error InvalidParameterException "any" admin ecr put-lifecycle-policy --repository-name "$REPO" \
  --lifecycle-policy-text "$BAD"
expect_aws_error RepositoryNotFoundException "nope" admin ecr put-lifecycle-policy --repository-name life/nope \
  --lifecycle-policy-text "$POLICY"

# --- preview: exactly what the run will do ------------------------------------------------------
admin ecr start-lifecycle-policy-preview --repository-name "$REPO" --lifecycle-policy-text "$POLICY" >"$WORK/start.json"
check "preview starts" test "$(jq -r .status "$WORK/start.json")" = IN_PROGRESS
check "the preview waiter returns" admin ecr wait lifecycle-policy-preview-complete --repository-name "$REPO"
admin ecr get-lifecycle-policy-preview --repository-name "$REPO" >"$WORK/preview.json"
check "preview complete" test "$(jq -r .status "$WORK/preview.json")" = COMPLETE
GOT=$(sorted $(jq -r '.previewResults[].imageDigest' "$WORK/preview.json"))
check "preview lists exactly the images to expire (got $GOT)" test "$GOT" = "$EXPIRED"
check "summary counts them" test "$(jq .summary.expiringImageTotalCount "$WORK/preview.json")" = 7
check "v1 by rule 2" test "$(jq --arg d "$(digest v1)" '.previewResults[] | select(.imageDigest == $d) | .appliedRulePriority' "$WORK/preview.json")" = 2
check "the index's child follows its rule 3" test "$(jq --arg d "$(digest multi-amd64)" '.previewResults[] | select(.imageDigest == $d) | .appliedRulePriority' "$WORK/preview.json")" = 3
check "v1's tags and action shown" test "$(jq -c --arg d "$(digest v1)" '.previewResults[] | select(.imageDigest == $d) | [.imageTags, .action.type, .storageClass]' "$WORK/preview.json")" = '[["v1"],"EXPIRE","STANDARD"]'
admin ecr get-lifecycle-policy-preview --repository-name "$REPO" --filter tagStatus=TAGGED >"$WORK/tagged.json"
check "filter tagStatus TAGGED" test "$(jq '.previewResults | length' "$WORK/tagged.json")" = 2
admin ecr get-lifecycle-policy-preview --repository-name "$REPO" --image-ids imageTag=v2 >"$WORK/v2.json"
check "filter by image id" test "$(jq -r '.previewResults[0].imageDigest' "$WORK/v2.json")" = "$(digest v2)"
# Pages of 2 (the CLI follows nextToken itself when given --max-items; ask for one raw page).
admin ecr get-lifecycle-policy-preview --repository-name "$REPO" --max-results 2 --no-paginate >"$WORK/page.json"
check "a page of 2 with a token" test "$(jq '.previewResults | length' "$WORK/page.json"):$(jq -r '.nextToken != null' "$WORK/page.json")" = "2:true"
check "the preview expired nothing" python3 "$CLIENT" verify "$BERTH_URL" "$AK" "$SK" "$REPO" $EXPIRED $KEPT

# --- the run -------------------------------------------------------------------------------------
admin ecr put-lifecycle-policy --repository-name "$REPO" --lifecycle-policy-text "$POLICY" >"$WORK/put.json"
check "put returns the text" test "$(jq -r .lifecyclePolicyText "$WORK/put.json")" = "$POLICY"
for _ in $(seq 100); do
  [ "$(admin ecr list-images --repository-name "$REPO" | jq '.imageIds | map(.imageDigest) | unique | length')" = 4 ] && break
  sleep 0.2
done
LEFT=$(sorted $(admin ecr list-images --repository-name "$REPO" | jq -r '.imageIds[].imageDigest' | sort -u))
check "the run left exactly the kept images (got $LEFT)" test "$LEFT" = "$(sorted $KEPT)"
check "expired images are gone" python3 "$CLIENT" gone "$BERTH_URL" "$AK" "$SK" "$REPO" $EXPIRED
admin ecr get-lifecycle-policy --repository-name "$REPO" >"$WORK/get.json"
check "get shows the policy and when it ran" test "$(jq -r '.lifecyclePolicyText == $p and (.lastEvaluatedAt | type) == "number"' --arg p "$POLICY" "$WORK/get.json")" = true

# --- garbage collection after the grace period ---------------------------------------------------
EXPIRED_NAMES=(v1 v2 untagged multi-amd64 multi-arm64 multi-sig)
all_reclaimed() {  # every expired image's own layer is gone from the blob store
  local name
  for name in "${EXPIRED_NAMES[@]}"; do
    [ "$(blobstore count "$(own_layer "$name" | cut -c8-)")" = 0 ] || return 1
  done
}
# Waits for all of them: a collection may reclaim them over more than one pass, in any order.
for _ in $(seq 150); do all_reclaimed && break; sleep 0.2; done
for name in "${EXPIRED_NAMES[@]}"; do
  check "$name's own layer reclaimed" test "$(blobstore count "$(own_layer "$name" | cut -c8-)")" = 0
done
for name in prod v3 v4 fresh; do
  check "$name's own layer kept" test "$(blobstore count "$(own_layer "$name" | cut -c8-)")" = 1
done
check "kept images are served whole (the shared layer too)" python3 "$CLIENT" verify "$BERTH_URL" "$AK" "$SK" "$REPO" $KEPT
check "expiries counted in /metrics" test "$(metric_sum berth_lifecycle_images_expired_total)" = 7
expiry_events() { journal | jq -s '[.[] | select(."detail-type" == "ECR Lifecycle Policy Action" and .detail["action-type"] == "EXPIRE") | .detail["image-digest"]] | unique | length'; }
for _ in $(seq 20); do [ "$(expiry_events)" = 7 ] && break; sleep 0.2; done
check "each expiry is an ECR Lifecycle Policy Action event ($(expiry_events))" test "$(expiry_events)" = 7
check "reclaimed bytes counted in /metrics" test "$(metric_sum berth_gc_bytes_reclaimed_total)" -gt 0

admin ecr delete-lifecycle-policy --repository-name "$REPO" >"$WORK/delete.json"
check "delete returns the policy" test "$(jq -r .lifecyclePolicyText "$WORK/delete.json")" = "$POLICY"
expect_aws_error LifecyclePolicyNotFoundException "does not exist" admin ecr get-lifecycle-policy --repository-name "$REPO"

# --- the archive storage class (by hand and by a lifecycle transition), pull-time exclusions ------
# With boto3, in one process (lifecycle_boto3.py says why).
BOTO_ARGS=("$BERTH_URL" "$AK" "$SK")
[ -n "$EMBEDDED" ] && BOTO_ARGS+=(--data "$BERTH_DATA" --archive "$WORK/archive")
python3 "$(dirname "$0")/lifecycle_boto3.py" "${BOTO_ARGS[@]}" >"$WORK/boto3.txt" 2>&1 || true
cat "$WORK/boto3.txt"
check "archive and pull times: $(tail -1 "$WORK/boto3.txt")" grep -q "^lifecycle_boto3: \([0-9]*\) of \1 checks passed" "$WORK/boto3.txt"

# --- one-off commands on the embedded store -------------------------------------------------------
if [ -n "$EMBEDDED" ]; then
  # Restarted with the default grace (an hour), so that the server's own collector cannot take
  # the orphan below before the commands look for it.
  berth_stop
  berth_start "${ARCHIVE_FLAGS[@]}"
  python3 "$CLIENT" push "$BERTH_URL" "$AK" "$SK" life/empty orphan-maker >/dev/null
  ORPHAN_LAYER=$(python3 "$CLIENT" push "$BERTH_URL" "$AK" "$SK" life/empty orphan orphan | awk '{print $3}' | cut -c8-)
  admin ecr batch-delete-image --repository-name life/empty --image-ids imageTag=orphan >/dev/null
  berth_stop  # the commands run on the data directory of a stopped server
  sleep 1.1   # times are in seconds: links made this second are not older than a zero grace
  "$BERTH_BIN" gc --data "$BERTH_DATA" --archive-dir "$WORK/archive" --dry-run --gc-grace 0 >"$WORK/gc-dry.txt"
  check "gc --dry-run counts what it would reclaim" grep -q "would drop [1-9][0-9]* unused links and delete [1-9]" "$WORK/gc-dry.txt"
  "$BERTH_BIN" gc --data "$BERTH_DATA" --archive-dir "$WORK/archive" --gc-grace 0 >"$WORK/gc.txt"
  check "gc reclaims it" grep -q "deleted [1-9][0-9]* blobs, reclaimed [1-9]" "$WORK/gc.txt"
  check "fsck: clean (archived blobs included)" "$BERTH_BIN" fsck --data "$BERTH_DATA" --archive-dir "$WORK/archive"
  VICTIM=$(own_layer v3 | cut -c8-)
  chmod u+w "$BERTH_DATA/blobs/sha256/${VICTIM:0:2}/$VICTIM" 2>/dev/null || true
  printf 'bit rot' >>"$BERTH_DATA/blobs/sha256/${VICTIM:0:2}/$VICTIM"
  mkdir -p "$BERTH_DATA/blobs/sha256/ab"
  STRAY=ab$(printf '%062d' 0)
  echo stray >"$BERTH_DATA/blobs/sha256/ab/$STRAY"
  touch -d '2 hours ago' "$BERTH_DATA/blobs/sha256/ab/$STRAY"
  if "$BERTH_BIN" fsck --data "$BERTH_DATA" --archive-dir "$WORK/archive" >"$WORK/fsck.txt"; then fail "fsck passed a corrupt store"; else pass; fi
  check "fsck names the corrupt blob" grep -q "corrupt: sha256:$VICTIM" "$WORK/fsck.txt"
  check "fsck names the stray bytes" grep -q "unreferenced: .*$STRAY" "$WORK/fsck.txt"
  "$BERTH_BIN" fsck --data "$BERTH_DATA" --archive-dir "$WORK/archive" --repair >"$WORK/repair.txt" || true
  check "repair quarantined the corrupt blob" test -f "$BERTH_DATA/quarantine/$VICTIM"
  check "repair deleted the stray bytes" test ! -e "$BERTH_DATA/blobs/sha256/ab/$STRAY"
  if "$BERTH_BIN" fsck --data "$BERTH_DATA" --archive-dir "$WORK/archive" >"$WORK/after.txt"; then fail "fsck passed a store missing a blob"; else pass; fi
  check "fsck then reports the quarantined blob missing" grep -q "missing: sha256:$VICTIM" "$WORK/after.txt"
  check "the deleted image's own layer is gone" test ! -e "$BERTH_DATA/blobs/sha256/${ORPHAN_LAYER:0:2}/$ORPHAN_LAYER"
fi
finish
