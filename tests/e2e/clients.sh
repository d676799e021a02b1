#!/usr/bin/env bash
# skopeo, podman and buildah push to and pull from Berth, each with private configuration
# (containers.sh) and an empty blob-info cache, so every upload is real.
source "$(dirname "$0")/containers.sh"
berth_start

containers_setup
CREDS="$AK:$SK"
MAKE_LAYOUT="$(dirname "$0")/make_oci_layout.py"

digest_of_layout() { jq -r '.manifests[0].digest' "$1/index.json"; }

# --- skopeo: an image in and out, byte for byte -----------------------------------------------
python3 "$MAKE_LAYOUT" "$WORK/img" v1 --layers 300000,2000000,1000 >/dev/null
WANT=$(digest_of_layout "$WORK/img")
check "skopeo copy oci: -> berth" "${SKOPEO[@]}" copy -q --dest-creds "$CREDS" \
  "oci:$WORK/img:v1" "docker://$BERTH_HOST/apps/one:v1"
check "skopeo copy berth -> oci:" "${SKOPEO[@]}" copy -q --src-creds "$CREDS" \
  "docker://$BERTH_HOST/apps/one:v1" "oci:$WORK/back:v1"
check "manifest digest survives the round trip" test "$(digest_of_layout "$WORK/back")" = "$WANT"
for blob in "$WORK"/img/blobs/sha256/*; do
  check "blob $(basename "$blob") identical" cmp -s "$blob" "$WORK/back/blobs/sha256/$(basename "$blob")"
done
"${SKOPEO[@]}" inspect --creds "$CREDS" "docker://$BERTH_HOST/apps/one:v1" >"$BODY" || true
expect_json .Digest "\"$WANT\""
expect_json .RepoTags '["v1"]'
expect_json '.Layers | length' 3
"${SKOPEO[@]}" inspect --raw --creds "$CREDS" "docker://$BERTH_HOST/apps/one:v1" >"$BODY" || true
check "inspect --raw is the pushed manifest" cmp -s "$BODY" "$WORK/img/blobs/sha256/${WANT#sha256:}"

# --- skopeo: v2s2 conversion --------------------------------------------------------------------
check "skopeo copy --format v2s2" "${SKOPEO[@]}" copy -q --format v2s2 --dest-creds "$CREDS" \
  "oci:$WORK/img:v1" "docker://$BERTH_HOST/apps/docker:v1"
"${SKOPEO[@]}" inspect --raw --creds "$CREDS" "docker://$BERTH_HOST/apps/docker:v1" >"$BODY" || true
expect_json .mediaType '"application/vnd.docker.distribution.manifest.v2+json"'
check "pull the v2s2 image" "${SKOPEO[@]}" copy -q --src-creds "$CREDS" \
  "docker://$BERTH_HOST/apps/docker:v1" "dir:$WORK/docker-dir"

# --- skopeo: a two-platform index with --all, as OCI and as a Docker manifest list -----------------
python3 "$MAKE_LAYOUT" "$WORK/multi" multi --platforms linux/amd64,linux/arm64/v8 >/dev/null
WANT_INDEX=$(digest_of_layout "$WORK/multi")
check "skopeo copy --all index" "${SKOPEO[@]}" copy -q --all --dest-creds "$CREDS" \
  "oci:$WORK/multi:multi" "docker://$BERTH_HOST/apps/multi:latest"
"${SKOPEO[@]}" inspect --raw --creds "$CREDS" "docker://$BERTH_HOST/apps/multi:latest" >"$BODY" || true
check "index digest kept" test "$(sha256_of "$BODY")" = "$WANT_INDEX"
check "skopeo copy --all back" "${SKOPEO[@]}" copy -q --all --src-creds "$CREDS" \
  "docker://$BERTH_HOST/apps/multi:latest" "oci:$WORK/multi-back:m"
check "index round trip" test "$(digest_of_layout "$WORK/multi-back")" = "$WANT_INDEX"
"${SKOPEO[@]}" inspect --creds "$CREDS" --override-arch arm64 --override-variant v8 \
  "docker://$BERTH_HOST/apps/multi:latest" >"$BODY"
expect_json .Architecture '"arm64"'
check "skopeo copy --all --format v2s2" "${SKOPEO[@]}" copy -q --all --format v2s2 --dest-creds "$CREDS" \
  "oci:$WORK/multi:multi" "docker://$BERTH_HOST/apps/multi-docker:latest"
"${SKOPEO[@]}" inspect --raw --creds "$CREDS" "docker://$BERTH_HOST/apps/multi-docker:latest" >"$BODY" || true
expect_json .mediaType '"application/vnd.docker.distribution.manifest.list.v2+json"'

# --- skopeo: list-tags, delete ------------------------------------------------------------------
check "second tag" "${SKOPEO[@]}" copy -q --src-creds "$CREDS" --dest-creds "$CREDS" \
  "docker://$BERTH_HOST/apps/one:v1" "docker://$BERTH_HOST/apps/one:v2"
"${SKOPEO[@]}" list-tags --creds "$CREDS" "docker://$BERTH_HOST/apps/one" >"$BODY" || true
expect_json .Tags '["v1","v2"]'
check "skopeo delete" "${SKOPEO[@]}" delete --creds "$CREDS" "docker://$BERTH_HOST/apps/one:v2"
check "deleted image is gone" bash -c "! ${SKOPEO[*]} inspect --creds '$CREDS' docker://$BERTH_HOST/apps/one:v1 2>/dev/null"
"${SKOPEO[@]}" list-tags --creds "$CREDS" "docker://$BERTH_HOST/apps/one" >"$BODY" || true
expect_json .Tags '[]'
check "wrong credentials are refused" bash -c "! ${SKOPEO[*]} inspect --creds '$AK:nope' docker://$BERTH_HOST/apps/multi:latest 2>/dev/null"

# --- podman: login, pull, push, manifest push --all ------------------------------------------------
check "podman login" "${PODMAN[@]}" login --tls-verify=false -u "$AK" -p "$SK" "$BERTH_HOST"
check "podman pull" "${PODMAN[@]}" pull -q --tls-verify=false "$BERTH_HOST/apps/docker:v1"
check "podman tag" "${PODMAN[@]}" tag "$BERTH_HOST/apps/docker:v1" "$BERTH_HOST/podman/pushed:1"
check "podman push" "${PODMAN[@]}" push -q --tls-verify=false "$BERTH_HOST/podman/pushed:1"
check "podman push as OCI" "${PODMAN[@]}" push -q --tls-verify=false --format oci \
  "$BERTH_HOST/apps/docker:v1" "docker://$BERTH_HOST/podman/oci:1"
"${SKOPEO[@]}" inspect --raw --creds "$CREDS" "docker://$BERTH_HOST/podman/oci:1" >"$BODY" || true
expect_json .mediaType '"application/vnd.oci.image.manifest.v1+json"'
check "podman pull arm64 from the index" "${PODMAN[@]}" pull -q --tls-verify=false --arch arm64 \
  "$BERTH_HOST/apps/multi:latest"
check "podman manifest create" "${PODMAN[@]}" manifest create "$BERTH_HOST/podman/list:1"
check "podman manifest add amd64" "${PODMAN[@]}" manifest add --tls-verify=false \
  "$BERTH_HOST/podman/list:1" "docker://$BERTH_HOST/apps/docker:v1"
check "podman manifest add arm64" "${PODMAN[@]}" manifest add --tls-verify=false --arch arm64 \
  "$BERTH_HOST/podman/list:1" "docker://$BERTH_HOST/apps/multi:latest"
check "podman manifest push --all" "${PODMAN[@]}" manifest push --all --tls-verify=false \
  "$BERTH_HOST/podman/list:1" "docker://$BERTH_HOST/podman/list:1"
"${SKOPEO[@]}" inspect --raw --creds "$CREDS" "docker://$BERTH_HOST/podman/list:1" >"$BODY" || true
expect_json '.manifests | length' 2
check "podman logout" "${PODMAN[@]}" logout "$BERTH_HOST"

# --- buildah: an image from scratch, committed and pushed -------------------------------------------
echo "built by buildah at $(date)" >"$WORK/hello.txt"
CTR=$("${BUILDAH[@]}" from scratch)
check "buildah copy" "${BUILDAH[@]}" copy "$CTR" "$WORK/hello.txt" /hello.txt
check "buildah config" "${BUILDAH[@]}" config --cmd '["/hello"]' --label built-by=berth-e2e "$CTR"
check "buildah commit" "${BUILDAH[@]}" commit -q "$CTR" berth-e2e-scratch:latest
check "buildah push" "${BUILDAH[@]}" push -q --tls-verify=false --creds "$CREDS" \
  berth-e2e-scratch:latest "docker://$BERTH_HOST/buildah/scratch:latest"
"${SKOPEO[@]}" inspect --creds "$CREDS" "docker://$BERTH_HOST/buildah/scratch:latest" >"$BODY" || true
expect_json '.Labels["built-by"]' '"berth-e2e"'
check "pull buildah's image back" "${SKOPEO[@]}" copy -q --src-creds "$CREDS" \
  "docker://$BERTH_HOST/buildah/scratch:latest" "dir:$WORK/scratch-dir"
LAYER=$(jq -r '.layers[0].digest' "$WORK/scratch-dir/manifest.json")
check "buildah's layer holds the file" bash -c \
  "tar -xzOf '$WORK/scratch-dir/${LAYER#sha256:}' hello.txt 2>/dev/null | cmp -s - '$WORK/hello.txt' || tar -xOf '$WORK/scratch-dir/${LAYER#sha256:}' hello.txt | cmp -s - '$WORK/hello.txt'"
"${BUILDAH[@]}" rm "$CTR" >/dev/null

req GET /v2/_catalog
expect_json .repositories '["apps/docker","apps/multi","apps/multi-docker","apps/one","buildah/scratch","podman/list","podman/oci","podman/pushed"]'

# --- S3: layers larger than a part, and pulls redirected to presigned URLs -------------------------
if [ "$BERTH_E2E_BLOBS" = s3 ]; then
  python3 "$MAKE_LAYOUT" "$WORK/big" v1 --layers 20000000,9000000 >/dev/null
  check "skopeo pushes layers of several S3 parts" "${SKOPEO[@]}" copy -q --dest-creds "$CREDS" \
    "oci:$WORK/big:v1" "docker://$BERTH_HOST/apps/big:v1"
  berth_stop
  berth_start --blob-redirect
  BIG=$(jq -r '.layers[0].digest' "$WORK/big/blobs/sha256/$(digest_of_layout "$WORK/big" | cut -d: -f2)")
  req GET "/v2/apps/big/blobs/$BIG"
  expect_status 307 "blob GET redirects"
  LOCATION=$(header Location)
  check "to a presigned URL of the S3 store" grep -q "X-Amz-Signature=" <<<"$LOCATION"
  curl -s -o "$WORK/redirected" "$LOCATION"
  check "which serves the blob without Berth's credentials" cmp -s "$WORK/redirected" "$WORK/big/blobs/sha256/${BIG#sha256:}"
  req HEAD "/v2/apps/big/blobs/$BIG" -I
  expect_status 200 "HEAD is still answered by Berth"
  check "skopeo follows the redirects" "${SKOPEO[@]}" copy -q --src-creds "$CREDS" \
    "docker://$BERTH_HOST/apps/big:v1" "oci:$WORK/big-back:v1"
  for blob in "$WORK"/big/blobs/sha256/*; do
    check "redirected blob $(basename "$blob") identical" cmp -s "$blob" "$WORK/big-back/blobs/sha256/$(basename "$blob")"
  done
  check "podman pulls through the redirects" "${PODMAN[@]}" pull -q --tls-verify=false --creds "$CREDS" \
    "$BERTH_HOST/apps/big:v1"
fi
finish
