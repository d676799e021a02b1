#!/usr/bin/env bash
# Image scanning with the aws CLI: an image with a known vulnerable package pushed with skopeo
# into a scan-on-push repository is scanned in the background; `aws ecr wait
# image-scan-complete` returns; DescribeImageScanFindings and DescribeImages show the finding;
# a fixed advisory imported while Berth runs resolves it with no new push (continuous
# matching); the registry's ENHANCED configuration with a wildcard rule scans language
# packages too and answers Inspector-shaped findings; a broken layer fails its scan with a
# reason and the waiter reports the failure; limits and errors are ECR's.
source "$(dirname "$0")/lib.sh"
berth_start
aws_admin
export BERTH_DATA

if [ ${#BERTH_META_ARGS[@]} -gt 0 ]; then WHERE=("${BERTH_META_ARGS[@]}"); else WHERE=(--data "$BERTH_DATA"); fi
osv() {  # osv ID ECOSYSTEM PACKAGE FIXED MODIFIED SEVERITY-JSON
  printf '{"id":"%s","modified":"%s","summary":"%s in %s","aliases":["CVE-2099-%s"],"affected":[{"package":{"ecosystem":"%s","name":"%s"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"%s"}]}]}],"severity":%s}\n' \
    "$1" "$5" "$1" "$3" "${1##*-}" "$2" "$3" "$4" "$6"
}
CRITICAL='[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]'
mkdir -p "$WORK/osv"
osv DSA-9001-1 Debian:12 openssl 3.0.11-1~deb12u2 2024-01-01T00:00:00Z "$CRITICAL" >"$WORK/osv/dsa.json"
osv GHSA-9002 PyPI requests 2.31.0 2024-01-01T00:00:00Z '[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N"}]' \
  >"$WORK/osv/ghsa.json"
check "advisories import while Berth serves" "$BERTH_BIN" vulndb import "${WHERE[@]}" "$WORK/osv"

echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$WORK/policy.json"
# A blob-info cache of this test's own, so each push uploads its layers.
export CONTAINERS_REGISTRIES_CONF="$WORK/registries.conf"
printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$BERTH_HOST" >"$CONTAINERS_REGISTRIES_CONF"
push() {  # push LAYOUT TAG REPOSITORY
  skopeo --policy "$WORK/policy.json" copy -q --dest-creds "$AK:$SK" --dest-tls-verify=false \
    --dest-compress=false "oci:$1:$2" "docker://$BERTH_HOST/$3:$2"
}
# --- scan on push, the waiter, the finding ------------------------------------------------------
run_ok "a scan-on-push repository" create-repository --repository-name scan/app \
  --image-scanning-configuration scanOnPush=true
IMAGE=$(python3 "$ROOT/tests/e2e/scan_image.py" "$WORK/img" v1)
BASE_LAYER=$(jq -r .base <<<"$IMAGE")
check "skopeo pushes the image" push "$WORK/img" v1 scan/app
run_ok "the waiter sees the scan complete" wait image-scan-complete --repository-name scan/app --image-id imageTag=v1
run_ok "findings are described" describe-image-scan-findings --repository-name scan/app --image-id imageTag=v1
jq_check "the scan is complete" .imageScanStatus.status '"COMPLETE"'
jq_check "the vulnerable package is found, critical by its CVSS vector" \
  '[.imageScanFindings.findings[] | {name, severity}]' '[{"name":"DSA-9001-1","severity":"CRITICAL"}]'
jq_check "the finding names the package and its version" \
  '.imageScanFindings.findings[0].attributes | from_entries | {package_name, package_version, CVSS3_SCORE}' \
  '{"package_name":"libssl3","package_version":"3.0.11-1~deb12u1","CVSS3_SCORE":"9.8"}'
jq_check "severity counts" .imageScanFindings.findingSeverityCounts '{"CRITICAL":1}'
jq_check "BASIC does not report language packages" '[.imageScanFindings.findings[] | select(.name == "GHSA-9002")] | length' 0
jq_check "completion and database times" \
  '[.imageScanFindings.imageScanCompletedAt > 0, .imageScanFindings.vulnerabilitySourceUpdatedAt > 0]' '[true,true]'
run_ok "images are described" describe-images --repository-name scan/app --image-ids imageTag=v1
jq_check "DescribeImages shows the scan" \
  '.imageDetails[0] | [.imageScanStatus.status, .imageScanFindingsSummary.findingSeverityCounts]' '["COMPLETE",{"CRITICAL":1}]'
V1=$(jq -r '.imageDetails[0].imageDigest' "$OUT")
run_err LimitExceededException "a second scan the same day" start-image-scan --repository-name scan/app --image-id imageTag=v1

# --- the SBOM: an OCI referrer any client can fetch, and `berth sbom` ------------------------------
req GET "/v2/scan/app/referrers/$V1"
expect_status 200 "the referrers of the image"
expect_json '[.manifests[] | .artifactType]' '["application/vnd.cyclonedx+json"]'
SBOM_MANIFEST=$(jq -r '.manifests[0].digest' "$BODY")
req GET "/v2/scan/app/manifests/$SBOM_MANIFEST" -H "Accept: application/vnd.oci.image.manifest.v1+json"
expect_json '[.subject.digest == "'"$V1"'", .layers[0].mediaType]' '[true,"application/vnd.cyclonedx+json"]'
req GET "/v2/scan/app/blobs/$(jq -r '.layers[0].digest' "$BODY")"
expect_json '[.bomFormat, .metadata.component.version == "'"$V1"'", ([.components[].purl] | index("pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12") != null)]' \
  '["CycloneDX",true,true]'
cp "$BODY" "$WORK/sbom-referrer.json"
"$BERTH_BIN" sbom "${WHERE[@]}" "scan/app:v1" >"$WORK/sbom-cli.json"
check "berth sbom prints the same document" cmp -s "$WORK/sbom-cli.json" <(cat "$WORK/sbom-referrer.json"; echo)
"$BERTH_BIN" sbom --layout "$WORK/img:v1" >"$WORK/sbom-layout.json"
check "berth sbom --layout reads the same packages from the layout" test \
  "$(jq -c '[.components[].purl]' "$WORK/sbom-layout.json")" = "$(jq -c '[.components[].purl]' "$WORK/sbom-referrer.json")"

# --- refusing pulls of vulnerable images ------------------------------------------------------------
run_ok "block pulls at HIGH for the registry" put-account-setting --name BERTH_PULL_BLOCK_SEVERITY --value HIGH
refused=0
for _ in $(seq 1 40); do  # each node reads the registry's setting at most every 5 s
  req GET /v2/scan/app/manifests/v1 -H "Accept: application/vnd.oci.image.manifest.v1+json"
  if [ "$STATUS" = 403 ]; then refused=1; break; fi
  sleep 0.5
done
check "a pull of the image is refused" test "$refused" = 1
sleep 5  # by now every node of a cluster has read the setting
expect_json '[.errors[0].code, (.errors[0].message | test("DSA-9001-1 \\(CRITICAL, libssl3 3.0.11-1~deb12u1\\)"))]' '["DENIED",true]'
if skopeo --policy "$WORK/policy.json" copy -q --src-creds "$AK:$SK" --src-tls-verify=false \
  "docker://$BERTH_HOST/scan/app:v1" "oci:$WORK/pulled:v1" >"$WORK/pull.out" 2>&1; then
  fail "skopeo pulled a refused image"
elif grep -q "DSA-9001-1" "$WORK/pull.out"; then pass; else fail "skopeo's error does not name the finding: $(cat "$WORK/pull.out")"; fi
run_err InvalidParameterException "a bad severity" put-account-setting --name BERTH_PULL_BLOCK_SEVERITY --value SEVERE
run_ok "the repository excepts the advisory" tag-resource \
  --resource-arn "arn:aws:ecr:us-east-1:$(jq -r .registryId <<<"$(admin ecr describe-registry)"):repository/scan/app" \
  --tags Key=berth:pull-block-severity,Value=HIGH "Key=berth:pull-block-exceptions,Value=CVE-2099-1 GHSA-x"
check "skopeo pulls it again" skopeo --policy "$WORK/policy.json" copy -q --src-creds "$AK:$SK" --src-tls-verify=false \
  "docker://$BERTH_HOST/scan/app:v1" "oci:$WORK/pulled:v1"
run_ok "no more blocking" put-account-setting --name BERTH_PULL_BLOCK_SEVERITY --value NONE

# --- a fix in the database resolves it, with no new push ------------------------------------------
osv DSA-9001-1 Debian:12 openssl 3.0.11-1~deb12u1 2024-02-01T00:00:00Z "$CRITICAL" >"$WORK/osv/dsa.json"
check "the fixed advisory imports" "$BERTH_BIN" vulndb import "${WHERE[@]}" "$WORK/osv/dsa.json"
resolved=0
for _ in $(seq 1 60); do
  admin ecr describe-image-scan-findings --repository-name scan/app --image-id imageTag=v1 >"$OUT" 2>"$ERR" || true
  if [ "$(jq -c '.imageScanFindings.findings | length' "$OUT" 2>/dev/null)" = 0 ]; then resolved=1; break; fi
  sleep 0.5
done
check "the finding is resolved by matching the stored inventory again" test "$resolved" = 1
jq_check "the scan stays complete, with empty counts" '[.imageScanStatus.status, .imageScanFindings.findingSeverityCounts]' '["COMPLETE",{}]'
check "no layer was read again for it" test "$(metric_sum berth_scan_layers_read_total)" = 2
check "the match again is counted" test "$(metric_sum berth_scans_rematched_total)" -ge 1

# --- the registry's configuration: ENHANCED with wildcard rules -----------------------------------
run_ok "put an ENHANCED configuration" put-registry-scanning-configuration --scan-type ENHANCED \
  --rules '[{"scanFrequency":"CONTINUOUS_SCAN","repositoryFilters":[{"filter":"scan/*","filterType":"WILDCARD"}]},{"scanFrequency":"SCAN_ON_PUSH","repositoryFilters":[{"filter":"team","filterType":"WILDCARD"}]}]'
jq_check "it is echoed" '.registryScanningConfiguration | [.scanType, (.rules | length)]' '["ENHANCED",2]'
run_ok "get it back" get-registry-scanning-configuration
jq_check "as put" '.scanningConfiguration.rules[0].repositoryFilters[0].filter' '"scan/*"'
run_ok "each repository's view" batch-get-repository-scanning-configuration \
  --repository-names scan/app nothing-here
jq_check "scan/app is scanned continuously, by its filter" \
  '.scanningConfigurations[0] | [.repositoryName, .scanFrequency, .appliedScanFilters[0].filter]' '["scan/app","CONTINUOUS_SCAN","scan/*"]'
jq_check "a missing repository is a failure" '.failures[0] | [.repositoryName, .failureCode]' '["nothing-here","REPOSITORY_NOT_FOUND"]'
run_err ValidationException "BASIC cannot scan continuously" put-registry-scanning-configuration --scan-type BASIC \
  --rules '[{"scanFrequency":"CONTINUOUS_SCAN","repositoryFilters":[{"filter":"x","filterType":"WILDCARD"}]}]'

python3 "$ROOT/tests/e2e/scan_image.py" "$WORK/img2" v2 >/dev/null
check "push to a repository the rule matches" push "$WORK/img2" v2 scan/enhanced
active=0
for _ in $(seq 1 60); do
  admin ecr describe-image-scan-findings --repository-name scan/enhanced --image-id imageTag=v2 >"$OUT" 2>"$ERR" || true
  if [ "$(jq -r '.imageScanStatus.status' "$OUT" 2>/dev/null)" = ACTIVE ]; then active=1; break; fi
  sleep 0.5
done
check "the ENHANCED scan is ACTIVE" test "$active" = 1
jq_check "enhanced findings include the Python package" \
  '[.imageScanFindings.enhancedFindings[] | .packageVulnerabilityDetails | {id: .vulnerabilityId, pm: .vulnerablePackages[0].packageManager, fixed: .vulnerablePackages[0].fixedInVersion}] | sort_by(.id)' \
  '[{"id":"GHSA-9002","pm":"PYTHONPKG","fixed":"2.31.0"}]'
jq_check "the finding names its layer and its CVSS" \
  '.imageScanFindings.enhancedFindings[0] | [.packageVulnerabilityDetails.vulnerablePackages[0].sourceLayerHash == "'"$BASE_LAYER"'", .severity, .score, .fixAvailable, .packageVulnerabilityDetails.relatedVulnerabilities[0]]' \
  '[true,"MEDIUM",5.3,"YES","CVE-2099-9002"]'
run_ok "findings page by maxResults" describe-image-scan-findings --repository-name scan/enhanced --image-id imageTag=v2 --max-results 1 --no-paginate
jq_check "one per page, and a token" '[(.imageScanFindings.enhancedFindings | length), (.nextToken == null)]' '[1,true]'

# --- what is not scanned, and errors --------------------------------------------------------------
check "push to a repository no ENHANCED rule matches" push "$WORK/img2" v2 other/app
sleep 3
run_err ScanNotFoundException "no scan for an image never scanned" describe-image-scan-findings \
  --repository-name other/app --image-id imageTag=v2
run_err ImageNotFoundException "an unknown tag" start-image-scan --repository-name scan/app --image-id imageTag=nope
run_err RepositoryNotFoundException "an unknown repository" describe-image-scan-findings --repository-name nope/nope --image-id imageTag=v1

run_ok "back to BASIC, no rules" put-registry-scanning-configuration --scan-type BASIC
python3 "$ROOT/tests/e2e/scan_image.py" "$WORK/broken" bad --broken >/dev/null
check "push an image whose layer is not a tarball" push "$WORK/broken" bad manual/app
sleep 3
run_err ScanNotFoundException "a repository that does not scan on push" describe-image-scan-findings \
  --repository-name manual/app --image-id imageTag=bad
run_ok "start a scan by hand" start-image-scan --repository-name manual/app --image-id imageTag=bad
jq_check "it is in progress" .imageScanStatus.status '"IN_PROGRESS"'
if admin ecr wait image-scan-complete --repository-name manual/app --image-id imageTag=bad >"$OUT" 2>"$ERR"; then
  fail "the waiter succeeded on a broken image"
elif grep -q "terminal failure state" "$ERR"; then pass; else fail "the waiter: $(cat "$ERR")"; fi
run_ok "the failed scan is described" describe-image-scan-findings --repository-name manual/app --image-id imageTag=bad
jq_check "FAILED, naming the layer" '[.imageScanStatus.status, (.imageScanStatus.description | test("^layer sha256:"))]' '["FAILED",true]'

scan_events() {
  journal | jq -se 'any(.[]; ."detail-type" == "ECR Image Scan" and .detail["repository-name"] == "scan/app"
    and .detail["scan-status"] == "COMPLETE" and .detail["image-tags"] == ["v1"] and (.detail["finding-severity-counts"] | length) > 0)
    and any(.[]; ."detail-type" == "ECR Image Scan" and .detail["repository-name"] == "manual/app" and .detail["scan-status"] == "FAILED")' \
    >/dev/null
}
for _ in $(seq 20); do scan_events && break; sleep 0.2; done
check "scans are ECR Image Scan events (COMPLETE with severity counts, FAILED)" scan_events

# --- scans survive a restart and go with their image ------------------------------------------------
berth_stop
berth_start
run_ok "after a restart" describe-images --repository-name scan/app --image-ids imageTag=v1
jq_check "the scan is still there" '.imageDetails[0].imageScanStatus.status' '"COMPLETE"'
DIGEST=$(jq -r '.imageDetails[0].imageDigest' "$OUT")
run_ok "delete the image" batch-delete-image --repository-name scan/app --image-ids imageTag=v1
run_err ImageNotFoundException "its scan went with it" describe-image-scan-findings --repository-name scan/app \
  --image-id imageDigest="$DIGEST"
req GET "/v2/scan/app/manifests/$SBOM_MANIFEST" -H "Accept: application/vnd.oci.image.manifest.v1+json"
expect_status 404 "and its SBOM with it"
finish
