#!/usr/bin/env bash
# The ECR API with the real aws CLI: every operation Berth implements, pagination, and the
# declared errors a user can provoke; podman login with get-login-password.
source "$(dirname "$0")/lib.sh"
berth_start

AWS="${AWS:-aws_warm}"
# Timestamps as sent on the wire (epoch seconds) and no pager, on aws CLI v1 ("none") and v2
# ("wire", which otherwise prints ISO 8601) alike.
TS_FORMAT=none
case "$("$AWS" --version 2>&1)" in aws-cli/2*) TS_FORMAT=wire ;; esac
cat >"$WORK/aws-config" <<CONF
[default]
cli_timestamp_format = $TS_FORMAT
cli_pager =
[profile berth]
cli_timestamp_format = $TS_FORMAT
cli_pager =
CONF
export AWS_SHARED_CREDENTIALS_FILE="$BERTH_DATA/admin-credentials" AWS_PROFILE=berth
export AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE="$WORK/aws-config" AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
# The botocore ECR model Berth implements (newer than Debian's), so every operation is known.
export AWS_DATA_PATH="$ROOT/tests/aws-data"
ecr() { "$AWS" ecr --endpoint-url "$BERTH_URL" --output json "$@"; }
AWS_CALL=(ecr)
jq_is() { jq_check "the output" "$@"; }  # jq_is FILTER EXPECTED

ACCOUNT=$(sed -n 's/.*account \([0-9]\{12\}\).*/\1/p' "$WORK/berth.out" | head -1)
check "account id printed at start" test -n "$ACCOUNT"

# --- repositories ------------------------------------------------------------------------------
run_ok "create-repository" create-repository --repository-name team/app \
  --image-tag-mutability IMMUTABLE_WITH_EXCLUSION \
  --image-tag-mutability-exclusion-filters filterType=WILDCARD,filter=latest filterType=WILDCARD,filter='dev-*' \
  --image-scanning-configuration scanOnPush=true --encryption-configuration encryptionType=AES256 \
  --tags Key=team,Value=platform Key=env,Value=dev
jq_is .repository.repositoryArn "\"arn:aws:ecr:us-east-1:$ACCOUNT:repository/team/app\""
jq_is .repository.repositoryUri "\"$BERTH_HOST/team/app\""
jq_is .repository.registryId "\"$ACCOUNT\""
jq_is .repository.imageTagMutability '"IMMUTABLE_WITH_EXCLUSION"'
jq_is '[.repository.imageTagMutabilityExclusionFilters[].filter]' '["latest","dev-*"]'
jq_is .repository.imageScanningConfiguration.scanOnPush true
jq_is '.repository.createdAt | type' '"number"'
run_err RepositoryAlreadyExistsException "create twice" create-repository --repository-name team/app
run_err InvalidParameterException "bad name" create-repository --repository-name Team/App
check "the error names the member" grep -q "repositoryName" "$ERR"
run_err InvalidParameterException "bad mutability enum" create-repository --repository-name x1 --image-tag-mutability SOMETIMES
run_err InvalidParameterException "filters without an exclusion mode" create-repository --repository-name x2 \
  --image-tag-mutability MUTABLE --image-tag-mutability-exclusion-filters filterType=WILDCARD,filter=latest
run_err InvalidParameterException "another account's registry" create-repository --repository-name x3 --registry-id 111122223333
TAGS=$(for i in $(seq 1 51); do printf 'Key=k%s,Value=v ' "$i"; done)
# shellcheck disable=SC2086
run_err TooManyTagsException "51 tags" create-repository --repository-name x4 --tags $TAGS
for r in r1 r2 r3 r4 r5; do run_ok "create $r" create-repository --repository-name "paged/$r"; done
run_ok "describe all" describe-repositories
jq_is '[.repositories[].repositoryName]' '["paged/r1","paged/r2","paged/r3","paged/r4","paged/r5","team/app"]'
run_ok "describe with --page-size" describe-repositories --page-size 2
jq_is '.repositories | length' 6
run_ok "describe with --max-items" describe-repositories --max-items 2
jq_is '[.repositories[].repositoryName]' '["paged/r1","paged/r2"]'
TOKEN=$(jq -r .NextToken "$OUT")
run_ok "describe from a token" describe-repositories --max-items 2 --starting-token "$TOKEN"
jq_is '[.repositories[].repositoryName]' '["paged/r3","paged/r4"]'
run_ok "describe by name" describe-repositories --repository-names team/app paged/r1
jq_is '[.repositories[].repositoryName]' '["team/app","paged/r1"]'
run_err RepositoryNotFoundException "describe unknown" describe-repositories --repository-names nope/nope
run_err InvalidParameterException "names with maxResults" describe-repositories --repository-names team/app --max-results 5 --no-paginate
run_err InvalidParameterException "foreign nextToken" describe-repositories --next-token bogus --no-paginate
run_ok "put-image-tag-mutability" put-image-tag-mutability --repository-name paged/r1 --image-tag-mutability IMMUTABLE
jq_is .imageTagMutability '"IMMUTABLE"'
run_err RepositoryNotFoundException "mutability of unknown" put-image-tag-mutability --repository-name nope/x --image-tag-mutability MUTABLE
run_ok "put-image-scanning-configuration" put-image-scanning-configuration --repository-name paged/r2 \
  --image-scanning-configuration scanOnPush=true
jq_is .imageScanningConfiguration.scanOnPush true
ARN="arn:aws:ecr:us-east-1:$ACCOUNT:repository/team/app"
run_ok "list-tags-for-resource" list-tags-for-resource --resource-arn "$ARN"
jq_is '.tags | map(.Key) | sort' '["env","team"]'
run_ok "tag-resource" tag-resource --resource-arn "$ARN" --tags Key=owner,Value=alice
run_ok "untag-resource" untag-resource --resource-arn "$ARN" --tag-keys env
run_ok "list-tags again" list-tags-for-resource --resource-arn "$ARN"
jq_is '.tags | map(.Key) | sort' '["owner","team"]'
run_err InvalidParameterException "not a repository ARN" list-tags-for-resource --resource-arn arn:aws:s3:::bucket

# --- layers over JSON ------------------------------------------------------------------------
head -c 300000 /dev/urandom >"$WORK/layer"
LAYER_DIGEST=$(sha256_of "$WORK/layer")
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' >"$WORK/config"
CONFIG_DIGEST=$(sha256_of "$WORK/config")
run_ok "initiate-layer-upload" initiate-layer-upload --repository-name team/app
UPLOAD=$(jq -r .uploadId "$OUT")
check "uploadId is a UUID" bash -c "[[ '$UPLOAD' =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]]"
jq_is '.partSize > 0' true
head -c 100000 "$WORK/layer" >"$WORK/part1"
tail -c +100001 "$WORK/layer" >"$WORK/part2"
run_ok "upload part 1" upload-layer-part --repository-name team/app --upload-id "$UPLOAD" \
  --part-first-byte 0 --part-last-byte 99999 --layer-part-blob "fileb://$WORK/part1"
jq_is .lastByteReceived 99999
run_err InvalidLayerPartException "part out of order" upload-layer-part --repository-name team/app --upload-id "$UPLOAD" \
  --part-first-byte 0 --part-last-byte 99999 --layer-part-blob "fileb://$WORK/part1"
run_err InvalidLayerPartException "part whose range disagrees with its size" upload-layer-part --repository-name team/app \
  --upload-id "$UPLOAD" --part-first-byte 100000 --part-last-byte 100009 --layer-part-blob "fileb://$WORK/part2"
run_ok "upload part 2" upload-layer-part --repository-name team/app --upload-id "$UPLOAD" \
  --part-first-byte 100000 --part-last-byte 299999 --layer-part-blob "fileb://$WORK/part2"
run_ok "complete-layer-upload" complete-layer-upload --repository-name team/app --upload-id "$UPLOAD" --layer-digests "$LAYER_DIGEST"
jq_is .layerDigest "\"$LAYER_DIGEST\""
run_err UploadNotFoundException "completed upload is gone" complete-layer-upload --repository-name team/app \
  --upload-id "$UPLOAD" --layer-digests "$LAYER_DIGEST"
run_err UploadNotFoundException "unknown upload" upload-layer-part --repository-name team/app \
  --upload-id 00000000-0000-0000-0000-000000000000 --part-first-byte 0 --part-last-byte 0 --layer-part-blob "fileb://$WORK/config"
run_ok "initiate for config" initiate-layer-upload --repository-name team/app
UPLOAD=$(jq -r .uploadId "$OUT")
run_err EmptyUploadException "complete an empty upload" complete-layer-upload --repository-name team/app \
  --upload-id "$UPLOAD" --layer-digests "$CONFIG_DIGEST"
run_ok "upload config" upload-layer-part --repository-name team/app --upload-id "$UPLOAD" \
  --part-first-byte 0 --part-last-byte $(($(stat -c %s "$WORK/config") - 1)) --layer-part-blob "fileb://$WORK/config"
MISSING="sha256:$(printf '0%.0s' $(seq 64))"
run_err InvalidLayerException "complete with the wrong digest" complete-layer-upload --repository-name team/app \
  --upload-id "$UPLOAD" --layer-digests "$MISSING"
run_ok "initiate again" initiate-layer-upload --repository-name team/app
UPLOAD=$(jq -r .uploadId "$OUT")
run_ok "upload config again" upload-layer-part --repository-name team/app --upload-id "$UPLOAD" \
  --part-first-byte 0 --part-last-byte $(($(stat -c %s "$WORK/config") - 1)) --layer-part-blob "fileb://$WORK/config"
run_ok "complete config" complete-layer-upload --repository-name team/app --upload-id "$UPLOAD" --layer-digests "$CONFIG_DIGEST"
run_ok "initiate a duplicate" initiate-layer-upload --repository-name team/app
UPLOAD=$(jq -r .uploadId "$OUT")
run_ok "upload duplicate" upload-layer-part --repository-name team/app --upload-id "$UPLOAD" \
  --part-first-byte 0 --part-last-byte $(($(stat -c %s "$WORK/config") - 1)) --layer-part-blob "fileb://$WORK/config"
run_err LayerAlreadyExistsException "layer already there" complete-layer-upload --repository-name team/app \
  --upload-id "$UPLOAD" --layer-digests "$CONFIG_DIGEST"
run_ok "batch-check-layer-availability" batch-check-layer-availability --repository-name team/app \
  --layer-digests "$LAYER_DIGEST" "$MISSING"
jq_is '[.layers[] | {layerDigest, layerAvailability, layerSize}]' \
  "[{\"layerDigest\":\"$LAYER_DIGEST\",\"layerAvailability\":\"AVAILABLE\",\"layerSize\":300000}]"
jq_is '[.failures[].failureCode]' '["MissingLayerDigest"]'
run_ok "get-download-url-for-layer" get-download-url-for-layer --repository-name team/app --layer-digest "$LAYER_DIGEST"
URL=$(jq -r .downloadUrl "$OUT")
check "download URL serves the layer without credentials" bash -c "curl -sf '$URL' | cmp -s - '$WORK/layer'"
LAST=${URL: -1}
TAMPERED="${URL%?}$([ "$LAST" = 0 ] && echo 1 || echo 0)"  # a different last signature digit
check "a tampered download URL is refused" test "$(curl -s -o /dev/null -w '%{http_code}' "$TAMPERED")" = 401
check "the URL is bound to its repository" test \
  "$(curl -s -o /dev/null -w '%{http_code}' "${URL/team\/app/paged\/r1}")" = 401
run_err LayersNotFoundException "download URL of an unknown layer" get-download-url-for-layer \
  --repository-name team/app --layer-digest "$MISSING"

# --- images ----------------------------------------------------------------------------------
manifest() {  # manifest LAYER_DIGEST LAYER_SIZE: an OCI image manifest over the config
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
    "$CONFIG_DIGEST" "$(stat -c %s "$WORK/config")" "$1" "$2"
}
manifest "$LAYER_DIGEST" 300000 >"$WORK/manifest"
DIGEST=$(sha256_of "$WORK/manifest")
run_ok "put-image" put-image --repository-name team/app --image-tag v1 --image-manifest "file://$WORK/manifest"
jq_is .image.imageId "{\"imageDigest\":\"$DIGEST\",\"imageTag\":\"v1\"}"
jq_is .image.imageManifestMediaType '"application/vnd.oci.image.manifest.v1+json"'
run_err ImageAlreadyExistsException "put the same image and tag" put-image --repository-name team/app \
  --image-tag v1 --image-manifest "file://$WORK/manifest"
run_ok "a second tag" put-image --repository-name team/app --image-tag v1-copy --image-manifest "file://$WORK/manifest" \
  --image-digest "$DIGEST"
run_err ImageDigestDoesNotMatchException "wrong digest" put-image --repository-name team/app \
  --image-manifest "file://$WORK/manifest" --image-digest "$MISSING"
manifest "$MISSING" 5 >"$WORK/manifest-missing"
run_err LayersNotFoundException "missing layer" put-image --repository-name team/app --image-tag x \
  --image-manifest "file://$WORK/manifest-missing"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":10}]}' \
  "$MISSING" >"$WORK/index-missing"
run_err ReferencedImagesNotFoundException "index over a missing image" put-image --repository-name team/app \
  --image-tag idx --image-manifest "file://$WORK/index-missing"
run_err InvalidParameterException "not a manifest" put-image --repository-name team/app --image-manifest '{"hello":1}'
head -c 1000 /dev/urandom >"$WORK/layer2"
curl -sf -u "$AK:$SK" -X POST --data-binary @"$WORK/layer2" \
  "$BERTH_URL/v2/team/app/blobs/uploads/?digest=$(sha256_of "$WORK/layer2")" >/dev/null
manifest "$(sha256_of "$WORK/layer2")" 1000 >"$WORK/manifest2"
DIGEST2=$(sha256_of "$WORK/manifest2")
run_err ImageTagAlreadyExistsException "immutable tag" put-image --repository-name team/app --image-tag v1 \
  --image-manifest "file://$WORK/manifest2"
run_ok "excluded tag may move (1)" put-image --repository-name team/app --image-tag latest --image-manifest "file://$WORK/manifest"
run_ok "excluded tag may move (2)" put-image --repository-name team/app --image-tag latest --image-manifest "file://$WORK/manifest2"
STATUS=$(curl -s -o "$BODY" -w '%{http_code}' -u "$AK:$SK" -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
  --data-binary @"$WORK/manifest2" "$BERTH_URL/v2/team/app/manifests/v1")
expect_error 400 TAG_INVALID "immutable tag refused on /v2/ too"
run_ok "untagged image" put-image --repository-name team/app --image-manifest "file://$WORK/manifest2" \
  --image-digest "$DIGEST2" --image-tag dev-1
run_ok "list-images" list-images --repository-name team/app
jq_is '.imageIds | length' 4
run_ok "list-images TAGGED" list-images --repository-name team/app --filter tagStatus=TAGGED --page-size 1
jq_is '[.imageIds[].imageTag] | sort' '["dev-1","latest","v1","v1-copy"]'
run_ok "list-images --max-items" list-images --repository-name team/app --max-items 3
jq_is '.imageIds | length' 3
TOKEN=$(jq -r .NextToken "$OUT")
run_ok "list-images rest" list-images --repository-name team/app --max-items 3 --starting-token "$TOKEN"
jq_is '.imageIds | length' 1
run_ok "describe-images" describe-images --repository-name team/app --image-ids imageTag=v1
jq_is '.imageDetails[0] | {imageDigest, imageTags, imageSizeInBytes, imageManifestMediaType, artifactMediaType}' \
  "{\"imageDigest\":\"$DIGEST\",\"imageTags\":[\"v1\",\"v1-copy\"],\"imageSizeInBytes\":$((300000 + $(stat -c %s "$WORK/config"))),\"imageManifestMediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"artifactMediaType\":\"application/vnd.oci.image.config.v1+json\"}"
jq_is '.imageDetails[0].imagePushedAt | type' '"number"'
run_err ImageNotFoundException "describe an unknown image" describe-images --repository-name team/app --image-ids imageTag=nope
run_ok "batch-get-image" batch-get-image --repository-name team/app --image-ids imageTag=v1 imageTag=nope \
  --accepted-media-types application/vnd.oci.image.manifest.v1+json
jq_is '.images[0].imageManifest' "$(jq -Rs . "$WORK/manifest")"
jq_is '[.failures[].failureCode]' '["ImageNotFound"]'
run_ok "batch-get-image converts OCI for a Docker-only client" batch-get-image --repository-name team/app \
  --image-ids imageTag=v1 --accepted-media-types application/vnd.docker.distribution.manifest.v2+json
jq_is '.images[0] | {imageId, imageManifestMediaType}' \
  "{\"imageId\":{\"imageDigest\":\"$DIGEST\",\"imageTag\":\"v1\"},\"imageManifestMediaType\":\"application/vnd.docker.distribution.manifest.v2+json\"}"
jq_is '.images[0].imageManifest | fromjson | [.mediaType, .config.mediaType, .layers[0].mediaType]' \
  '["application/vnd.docker.distribution.manifest.v2+json","application/vnd.docker.container.image.v1+json","application/vnd.docker.image.rootfs.diff.tar"]'
run_ok "batch-get-image with types it cannot convert to" batch-get-image --repository-name team/app \
  --image-ids imageTag=v1 --accepted-media-types application/vnd.docker.distribution.manifest.v1+json
jq_is '[(.images | length), .failures[0].failureCode]' '[0,"ImageNotFound"]'
run_ok "batch-get-image tag/digest mismatch" batch-get-image --repository-name team/app \
  --image-ids "imageTag=v1,imageDigest=$DIGEST2"
jq_is '[.failures[].failureCode]' '["ImageTagDoesNotMatchDigest"]'
curl -sf -u "$AK:$SK" -o /dev/null -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$BERTH_URL/v2/team/app/manifests/v1-copy"
sleep 3  # pull times are recorded in batches, every second
run_ok "describe after a pull" describe-images --repository-name team/app --image-ids "imageDigest=$DIGEST"
jq_is '.imageDetails[0].lastRecordedPullTime | type' '"number"'
run_ok "describe-images TAGGED paged" describe-images --repository-name team/app --filter tagStatus=TAGGED --page-size 1
jq_is '.imageDetails | length' 2

# --- referrers --------------------------------------------------------------------------------
printf '{}' >"$WORK/empty"
curl -sf -u "$AK:$SK" -X POST --data-binary @"$WORK/empty" "$BERTH_URL/v2/team/app/blobs/uploads/?digest=$(sha256_of "$WORK/empty")" >/dev/null
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/spdx+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2},"layers":[{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s}}' \
  "$(sha256_of "$WORK/empty")" "$(sha256_of "$WORK/empty")" "$DIGEST" "$(stat -c %s "$WORK/manifest")" >"$WORK/sbom"
curl -sf -u "$AK:$SK" -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary @"$WORK/sbom" \
  "$BERTH_URL/v2/team/app/manifests/$(sha256_of "$WORK/sbom")" >/dev/null
run_ok "list-image-referrers" list-image-referrers --repository-name team/app --subject-id "imageDigest=$DIGEST"
jq_is '[.referrers[] | {digest, artifactType}]' "[{\"digest\":\"$(sha256_of "$WORK/sbom")\",\"artifactType\":\"application/spdx+json\"}]"
run_ok "list-image-referrers filtered" list-image-referrers --repository-name team/app --subject-id "imageDigest=$DIGEST" \
  --filter artifactTypes=application/vnd.example.sig
jq_is '.referrers | length' 0

# --- deletes ----------------------------------------------------------------------------------
run_ok "batch-delete-image by tag" batch-delete-image --repository-name team/app --image-ids imageTag=v1-copy
jq_is .imageIds "[{\"imageDigest\":\"$DIGEST\",\"imageTag\":\"v1-copy\"}]"
run_ok "image keeps its other tag" describe-images --repository-name team/app --image-ids "imageDigest=$DIGEST"
jq_is '.imageDetails[0].imageTags' '["v1"]'
run_ok "deleting the last tag deletes the image" batch-delete-image --repository-name team/app \
  --image-ids imageTag=dev-1 imageTag=nope
jq_is '[.failures[].failureCode]' '["ImageNotFound"]'
run_err ImageNotFoundException "gone" describe-images --repository-name team/app --image-ids imageTag=dev-1
run_err RepositoryNotEmptyException "delete a repository with images" delete-repository --repository-name team/app
run_ok "delete with --force" delete-repository --repository-name team/app --force
jq_is .repository.repositoryName '"team/app"'
run_err RepositoryNotFoundException "delete again" delete-repository --repository-name team/app

# --- registry and settings ----------------------------------------------------------------------
run_ok "describe-registry" describe-registry
jq_is .registryId "\"$ACCOUNT\""
run_ok "get-account-setting" get-account-setting --name BLOB_MOUNTING
jq_is .value '"ENABLED"'
run_err InvalidParameterException "unknown setting" get-account-setting --name NOT_A_SETTING
run_err InvalidParameterException "bad setting value" put-account-setting --name BLOB_MOUNTING --value MAYBE
curl -sf -u "$AK:$SK" -X POST --data-binary @"$WORK/layer2" \
  "$BERTH_URL/v2/mount/src/blobs/uploads/?digest=$(sha256_of "$WORK/layer2")" >/dev/null
req POST "/v2/mount/dst/blobs/uploads/?mount=$(sha256_of "$WORK/layer2")&from=mount/src"
expect_status 201 "mount while BLOB_MOUNTING is ENABLED"
run_ok "put-account-setting" put-account-setting --name BLOB_MOUNTING --value DISABLED
req POST "/v2/mount/other/blobs/uploads/?mount=$(sha256_of "$WORK/layer2")&from=mount/src"
expect_status 202 "no mount while BLOB_MOUNTING is DISABLED"

# --- registry login -------------------------------------------------------------------------------
run_ok "get-authorization-token" get-authorization-token
jq_is '.authorizationData[0].proxyEndpoint' "\"$BERTH_URL\""
jq_is '.authorizationData[0].expiresAt | type' '"number"'
check "token is base64 of AWS:<password>" bash -c "jq -r '.authorizationData[0].authorizationToken' '$OUT' | base64 -d | grep -q '^AWS:'"
echo '{"auths":{}}' >"$WORK/auth.json"
PODMAN=(podman --root "$WORK/storage" --runroot "$WORK/run" --storage-driver vfs --cgroup-manager cgroupfs --events-backend file)
ecr get-login-password >"$WORK/password"
check "podman login with get-login-password" bash -c "${PODMAN[*]} login --authfile '$WORK/auth.json' --tls-verify=false --username AWS --password-stdin '$BERTH_HOST' <'$WORK/password'"
python3 "$(dirname "$0")/make_oci_layout.py" "$WORK/img" v1 >/dev/null
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$WORK/policy.json"
check "push with the token" skopeo --policy "$WORK/policy.json" copy -q --authfile "$WORK/auth.json" \
  --dest-tls-verify=false "oci:$WORK/img:v1" "docker://$BERTH_HOST/login/app:v1"
check "podman pulls with the token" "${PODMAN[@]}" pull -q --authfile "$WORK/auth.json" --tls-verify=false "$BERTH_HOST/login/app:v1"
BUILDAH=(buildah --root "$WORK/storage" --runroot "$WORK/run" --storage-driver vfs)
check "buildah pushes with the token" "${BUILDAH[@]}" push -q --authfile "$WORK/auth.json" --tls-verify=false \
  "$BERTH_HOST/login/app:v1" "docker://$BERTH_HOST/login/buildah:v1"
check "buildah pulls with the token" "${BUILDAH[@]}" pull -q --authfile "$WORK/auth.json" --tls-verify=false \
  "$BERTH_HOST/login/buildah:v1"
PASSWORD=$(cat "$WORK/password")
LAST=${PASSWORD: -1}
STATUS=$(curl -s -o "$BODY" -w '%{http_code}' -u "AWS:${PASSWORD%?}$([ "$LAST" = x ] && echo y || echo x)" "$BERTH_URL/v2/")
expect_status 401 "a tampered token is refused"
# Expiry with a short lifetime of its own, after the clients above had the default (12 h) for
# their work, however long a loaded machine makes it.
TOKEN_TTL=8
berth_stop
berth_start --token-ttl "$TOKEN_TTL" --upload-idle-timeout 3
run_ok "initiate an upload left idle" initiate-layer-upload --repository-name paged/r1
IDLE_UPLOAD=$(jq -r .uploadId "$OUT")
ecr get-login-password >"$WORK/password"
TOKEN_ISSUED=$(date +%s)
PASSWORD=$(cat "$WORK/password")
STATUS=$(curl -s -o "$BODY" -w '%{http_code}' -u "AWS:$PASSWORD" "$BERTH_URL/v2/")
expect_status 200 "the token works before it expires"
WAIT=$((TOKEN_ISSUED + TOKEN_TTL + 2 - $(date +%s)))
if [ "$WAIT" -gt 0 ]; then sleep "$WAIT"; fi
STATUS=$(curl -s -o "$BODY" -w '%{http_code}' -u "AWS:$PASSWORD" "$BERTH_URL/v2/")
expect_status 401 "an expired token is refused"
check "its message says it expired" grep -q expired "$BODY"
run_err UploadNotFoundException "an upload idle past its timeout is gone" upload-layer-part \
  --repository-name paged/r1 --upload-id "$IDLE_UPLOAD" --part-first-byte 0 --part-last-byte 99999 \
  --layer-part-blob "fileb://$WORK/part1"
berth_stop
berth_start

# --- SigV4 from the CLI's side ------------------------------------------------------------------
run_err InvalidSignatureException "wrong region" --region eu-west-1 describe-registry
unset AWS_PROFILE
export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_ACCESS_KEY_ID="$AK"
AWS_SECRET_ACCESS_KEY=wrongsecretwrongsecretwrongsecret0000000 run_err InvalidSignatureException "wrong secret" describe-registry
AWS_ACCESS_KEY_ID=AKIANOTAKEY000000000 AWS_SECRET_ACCESS_KEY="$SK" run_err UnrecognizedClientException "unknown key" describe-registry
AWS_SECRET_ACCESS_KEY="$SK" run_ok "the same key from the environment" describe-registry
finish
