#!/usr/bin/env bash
# Lifecycle policies with the aws CLI (put, get, delete, preview and its waiter, validation), a
# run that expires exactly what the preview said (an index with its children and its signature
# included, a protected image kept), then online garbage collection: the expired images' own
# blobs leave the blob store after the grace period, a layer a kept image shares stays, and every
# kept image is served byte for byte. The archive storage class (by hand and by a lifecycle
# transition), pull times and their exclusions. On the embedded store, `berth gc` and `berth fsck`.
source "$(dirname "$0")/lib.sh"
berth_start --gc-interval 1s --gc-grace 2s
aws_admin
CLIENT="$(dirname "$0")/lifecycle_client.py"
REPO=life/app
admin ecr create-repository --repository-name "$REPO" >/dev/null
admin ecr create-repository --repository-name life/empty >/dev/null

# Images one second apart, oldest first (push times are seconds).
push() { python3 "$CLIENT" push "$BERTH_URL" "$AK" "$SK" "$REPO" "$@" >>"$WORK/images" || fail "push $1"; sleep 1; }
python3 "$CLIENT" index "$BERTH_URL" "$AK" "$SK" "$REPO" multi >>"$WORK/images" || fail "push index"
sleep 1
push prod prod-1
push untagged
push v1 v1
push v2 v2
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
for _ in $(seq 150); do
  [ "$(blobstore count "$(own_layer v1 | cut -c8-)")" = 0 ] && [ "$(blobstore count "$(own_layer multi-sig | cut -c8-)")" = 0 ] && break
  sleep 0.2
done
for name in v1 v2 untagged multi-amd64 multi-arm64 multi-sig; do
  check "$name's own layer reclaimed" test "$(blobstore count "$(own_layer "$name" | cut -c8-)")" = 0
done
for name in prod v3 v4 fresh; do
  check "$name's own layer kept" test "$(blobstore count "$(own_layer "$name" | cut -c8-)")" = 1
done
check "kept images are served whole (the shared layer too)" python3 "$CLIENT" verify "$BERTH_URL" "$AK" "$SK" "$REPO" $KEPT
metric_sum() {  # the sum of a counter over every node
  local total=0 port v
  for port in "${BERTH_NODE_PORTS[@]}"; do
    v=$(curl -s -u "$AK:$SK" "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m {print $2}')
    total=$((total + ${v:-0}))
  done
  echo "$total"
}
check "expiries counted in /metrics" test "$(metric_sum berth_lifecycle_images_expired_total)" = 7
check "reclaimed bytes counted in /metrics" test "$(metric_sum berth_gc_bytes_reclaimed_total)" -gt 0

admin ecr delete-lifecycle-policy --repository-name "$REPO" >"$WORK/delete.json"
check "delete returns the policy" test "$(jq -r .lifecyclePolicyText "$WORK/delete.json")" = "$POLICY"
expect_aws_error LifecyclePolicyNotFoundException "does not exist" admin ecr get-lifecycle-policy --repository-name "$REPO"

# --- the archive storage class ---------------------------------------------------------------------
A=life/arch
admin ecr create-repository --repository-name "$A" >/dev/null
for n in a1 a2 a3 pt; do python3 "$CLIENT" push "$BERTH_URL" "$AK" "$SK" "$A" "$n" "$n" >>"$WORK/images"; sleep 1; done
admin ecr update-image-storage-class --repository-name "$A" --image-id imageTag=a3 --target-storage-class ARCHIVE >"$WORK/arch.json"
check "archived" test "$(jq -r .imageStatus "$WORK/arch.json")" = ARCHIVED
admin ecr describe-images --repository-name "$A" --image-ids imageTag=a3 >"$WORK/arch-d.json"
check "described as archived, with the time" test "$(jq -r '.imageDetails[0] | "\(.imageStatus) \(.lastArchivedAt | type)"' "$WORK/arch-d.json")" = "ARCHIVED number"
req GET "/v2/$A/manifests/a3"
expect_error 404 MANIFEST_UNKNOWN "an archived image is not served"
check "the error names the archive" grep -q "archive" "$BODY"
admin ecr batch-get-image --repository-name "$A" --image-ids imageTag=a3 >"$WORK/arch-b.json"
check "batch-get-image says it is archived" grep -q "archived" <(jq -r '.failures[0].failureReason' "$WORK/arch-b.json")
check "list-images filters by imageStatus" test "$(admin ecr list-images --repository-name "$A" --filter imageStatus=ARCHIVED | jq -r '.imageIds[0].imageTag')" = a3
admin ecr update-image-storage-class --repository-name "$A" --image-id imageTag=a3 --target-storage-class STANDARD >"$WORK/arch.json"
check "restored" test "$(jq -r .imageStatus "$WORK/arch.json")" = ACTIVE
check "a restored image is served whole" python3 "$CLIENT" verify "$BERTH_URL" "$AK" "$SK" "$A" "$(digest a3)"
check "restored: lastActivatedAt" test "$(admin ecr describe-images --repository-name "$A" --image-ids imageTag=a3 | jq -r '.imageDetails[0] | "\(.imageStatus) \(.lastActivatedAt | type)"')" = "ACTIVE number"
expect_aws_error ImageNotFoundException "does not exist" admin ecr update-image-storage-class --repository-name "$A" \
  --image-id imageTag=nope --target-storage-class ARCHIVE
# A lifecycle rule that archives: all but the newest "a" image.
ARCHIVE_POLICY='{"rules":[{"rulePriority":1,"description":"archive all but the newest a image","selection":{"tagStatus":"tagged","tagPrefixList":["a"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"transition","targetStorageClass":"archive"}}]}'
admin ecr start-lifecycle-policy-preview --repository-name "$A" --lifecycle-policy-text "$ARCHIVE_POLICY" >/dev/null
admin ecr wait lifecycle-policy-preview-complete --repository-name "$A"
admin ecr get-lifecycle-policy-preview --repository-name "$A" >"$WORK/arch-p.json"
check "the preview transitions a1 and a2" test "$(jq -c '[.previewResults[] | [.imageTags[0], .action.type, .action.targetStorageClass]] | sort' "$WORK/arch-p.json")" = '[["a1","TRANSITION","ARCHIVE"],["a2","TRANSITION","ARCHIVE"]]'
check "the summary counts transitions" test "$(jq -c '.summary.transitioningImageTotalCounts' "$WORK/arch-p.json")" = '[{"targetStorageClass":"ARCHIVE","imageTotalCount":2}]'
admin ecr put-lifecycle-policy --repository-name "$A" --lifecycle-policy-text "$ARCHIVE_POLICY" >/dev/null
for _ in $(seq 50); do
  [ "$(admin ecr list-images --repository-name "$A" --filter imageStatus=ARCHIVED | jq '.imageIds | length')" = 2 ] && break
  sleep 0.2
done
check "the run archived a1 and a2" test "$(admin ecr list-images --repository-name "$A" --filter imageStatus=ARCHIVED | jq -c '[.imageIds[].imageTag] | sort')" = '["a1","a2"]'
sleep 3  # past the grace period: the collector must keep what archived images use
admin ecr update-image-storage-class --repository-name "$A" --image-id imageTag=a1 --target-storage-class STANDARD >/dev/null
check "an archived image's blobs outlive the collector" python3 "$CLIENT" verify "$BERTH_URL" "$AK" "$SK" "$A" "$(digest a1)"

# --- pull times and their exclusions -----------------------------------------------------------------
SCANNER_ARN=$(admin iam create-user --user-name scanner | jq -r .User.Arn)
admin iam attach-user-policy --user-name scanner --policy-arn arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly
admin iam create-access-key --user-name scanner >"$WORK/scanner.json"
SCANNER_AK=$(jq -r .AccessKey.AccessKeyId "$WORK/scanner.json")
SCANNER_SK=$(jq -r .AccessKey.SecretAccessKey "$WORK/scanner.json")
admin ecr register-pull-time-update-exclusion --principal-arn "$SCANNER_ARN" >"$WORK/excl.json"
check "exclusion registered" test "$(jq -r '"\(.principalArn) \(.createdAt | type)"' "$WORK/excl.json")" = "$SCANNER_ARN number"
expect_aws_error ExclusionAlreadyExistsException "already" admin ecr register-pull-time-update-exclusion --principal-arn "$SCANNER_ARN"
check "exclusions listed" test "$(admin ecr list-pull-time-update-exclusions | jq -r '.pullTimeUpdateExclusions[0]')" = "$SCANNER_ARN"
pulled_at() { admin ecr describe-images --repository-name "$A" --image-ids imageTag=pt | jq -r '.imageDetails[0].lastRecordedPullTime // "never"'; }
python3 "$CLIENT" verify "$BERTH_URL" "$SCANNER_AK" "$SCANNER_SK" "$A" "$(digest pt)" || fail "the scanner pulls"
sleep 6  # pull times are written every 5 s
check "an excluded principal's pull is not recorded" test "$(pulled_at)" = never
python3 "$CLIENT" verify "$BERTH_URL" "$AK" "$SK" "$A" "$(digest pt)" || fail "the admin pulls"
for _ in $(seq 40); do [ "$(pulled_at)" != never ] && break; sleep 0.25; done
check "another principal's pull is recorded" test "$(pulled_at)" != never
admin ecr deregister-pull-time-update-exclusion --principal-arn "$SCANNER_ARN" >/dev/null
expect_aws_error ExclusionNotFoundException "not excluded" admin ecr deregister-pull-time-update-exclusion --principal-arn "$SCANNER_ARN"

# --- one-off commands on the embedded store -------------------------------------------------------
if [ "$BERTH_NODES" = 1 ] && [ "${BERTH_E2E_BLOBS:-}" != s3 ]; then
  python3 "$CLIENT" push "$BERTH_URL" "$AK" "$SK" life/empty orphan-maker >/dev/null
  ORPHAN_MANIFEST=$(python3 "$CLIENT" push "$BERTH_URL" "$AK" "$SK" life/empty orphan orphan | awk '{print $2}')
  admin ecr batch-delete-image --repository-name life/empty --image-ids imageTag=orphan >/dev/null
  "$BERTH_BIN" gc --data "$BERTH_DATA" --dry-run --gc-grace 0 >"$WORK/gc-dry.txt"
  check "gc --dry-run counts what it would reclaim" grep -q "would drop [1-9][0-9]* unused links and delete [1-9]" "$WORK/gc-dry.txt"
  "$BERTH_BIN" gc --data "$BERTH_DATA" --gc-grace 0 >"$WORK/gc.txt"
  check "gc reclaims it" grep -q "deleted [1-9][0-9]* blobs, reclaimed [1-9]" "$WORK/gc.txt"
  check "fsck: clean" "$BERTH_BIN" fsck --data "$BERTH_DATA"
  VICTIM=$(own_layer v3 | cut -c8-)
  chmod u+w "$BERTH_DATA/blobs/sha256/${VICTIM:0:2}/$VICTIM" 2>/dev/null || true
  printf 'bit rot' >>"$BERTH_DATA/blobs/sha256/${VICTIM:0:2}/$VICTIM"
  mkdir -p "$BERTH_DATA/blobs/sha256/ab"
  STRAY=ab$(printf '%062d' 0)
  echo stray >"$BERTH_DATA/blobs/sha256/ab/$STRAY"
  touch -d '2 hours ago' "$BERTH_DATA/blobs/sha256/ab/$STRAY"
  if "$BERTH_BIN" fsck --data "$BERTH_DATA" >"$WORK/fsck.txt"; then fail "fsck passed a corrupt store"; else pass; fi
  check "fsck names the corrupt blob" grep -q "corrupt: sha256:$VICTIM" "$WORK/fsck.txt"
  check "fsck names the stray bytes" grep -q "unreferenced: .*$STRAY" "$WORK/fsck.txt"
  "$BERTH_BIN" fsck --data "$BERTH_DATA" --repair >"$WORK/repair.txt" || true
  check "repair quarantined the corrupt blob" test -f "$BERTH_DATA/quarantine/$VICTIM"
  check "repair deleted the stray bytes" test ! -e "$BERTH_DATA/blobs/sha256/ab/$STRAY"
  if "$BERTH_BIN" fsck --data "$BERTH_DATA" >"$WORK/after.txt"; then fail "fsck passed a store missing a blob"; else pass; fi
  check "fsck then reports the quarantined blob missing" grep -q "missing: sha256:$VICTIM" "$WORK/after.txt"
  check "$ORPHAN_MANIFEST is gone" python3 "$CLIENT" gone "$BERTH_URL" "$AK" "$SK" life/empty "$ORPHAN_MANIFEST"
fi
finish
