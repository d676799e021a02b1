#!/usr/bin/env bash
# The web console: its files and headers, sessions and CSRF over curl, then the pages in a real
# browser (console_browser.py: Debian's headless Chromium through python3-selenium), and
# --no-console. Screenshots land in $BERTH_TEST_OUTPUT (default: the work directory).
source "$(dirname "$0")/lib.sh"
SHOTS="${BERTH_TEST_OUTPUT:-$WORK/screenshots}"
# Storage is sampled every 2 s instead of every hour, so the chart has points to show.
berth_start --usage-interval 2s

# --- the files ---
req_anon GET /console
expect_status 308 "/console redirects"
expect_header Location /console/
req_anon GET /console/ --compressed
expect_status 200 "index.html"
expect_header Cache-Control no-cache
csp=$(header Content-Security-Policy)
check "the CSP allows scripts from this origin only" grep -q "script-src 'self';" <<<"$csp"
check "the CSP forbids framing" grep -q "frame-ancestors 'none'" <<<"$csp"
expect_header X-Content-Type-Options nosniff
check "index.html has no inline script" bash -c "! grep -qE '<script>|<script [^>]*>[^<]' '$BODY'"
script=$(grep -o '/console/assets/main-[A-Z0-9]*\.js' "$BODY")
check "index.html names a script by its hash" test -n "$script"
req_anon GET "$script" -H 'Accept-Encoding: gzip'
expect_status 200 "the script"
expect_header Content-Encoding gzip
expect_header Cache-Control "public, max-age=31536000, immutable"
gz_bytes=$(stat -c %s "$BODY")
echo "first load: $gz_bytes bytes of gzip-compressed JavaScript"
check "the first load is at most 150 KB of compressed JavaScript" test "$gz_bytes" -le 153600
req_anon GET "$script"
check "without gzip the script is served as is" test "$(head -c 3 "$BODY" | od -An -tx1 | tr -d ' ')" != "1f8b08"
req_anon GET /console/assets/nothing-here.js
expect_status 404 "an unknown file"
req_anon POST /console/
expect_status 405 "files take GET"

# --- sessions over curl ---
JAR="$WORK/cookies"
session() {  # session METHOD [curl args]: the session endpoint with the cookie jar
  local method=$1
  shift
  STATUS=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' -X "$method" -b "$JAR" -c "$JAR" "$@" \
    "$BERTH_URL/console/api/session")
}
session GET
expect_status 401 "no session yet"
session POST -H 'Content-Type: application/json' -d "{\"accessKeyId\":\"$AK\",\"secretAccessKey\":\"wrong\"}"
expect_status 401 "a wrong secret"
expect_json .__type '"UnrecognizedClientException"'
session POST -H 'Content-Type: text/plain' -d "{\"accessKeyId\":\"$AK\",\"secretAccessKey\":\"$SK\"}"
expect_status 415 "a sign-in that is not JSON (what a form on another site can send)"
session POST -H 'Content-Type: application/json' -d '{"accessKeyId":'
expect_status 400 "a broken body"
session POST -H 'Content-Type: application/json' -d "{\"accessKeyId\":\"$AK\",\"secretAccessKey\":\"$SK\"}"
expect_status 200 "signing in"
expect_json .user '"admin"'
CSRF=$(jq -r .csrfToken "$BODY")
cookie=$(header Set-Cookie)
check "the cookie is HttpOnly and SameSite=Strict" grep -q "; HttpOnly; SameSite=Strict" <<<"$cookie"
check "the cookie is not Secure over plain HTTP" bash -c "! grep -q Secure <<<'$cookie'"
session GET
expect_status 200 "the session is resumed"
expect_json .csrfToken "\"$CSRF\""

ecr_call() {  # ecr_call OPERATION JSON [curl args]: the ECR API with the session cookie
  STATUS=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' -b "$JAR" -X POST \
    -H "X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.$1" -H 'Content-Type: application/x-amz-json-1.1' \
    -d "$2" "${@:3}" "$BERTH_URL/")
}
ecr_call CreateRepository '{"repositoryName":"by-session"}'
expect_status 403 "an ECR call without the CSRF header"
expect_json .__type '"MissingAuthenticationTokenException"'
ecr_call CreateRepository '{"repositoryName":"by-session"}' -H "X-Berth-Csrf: wrong"
expect_status 403 "an ECR call with a wrong CSRF token"
ecr_call CreateRepository '{"repositoryName":"by-session"}' -H "X-Berth-Csrf: $CSRF"
expect_status 200 "an ECR call with the session"
expect_json .repository.repositoryName '"by-session"'
STATUS=$(curl -s -o "$BODY" -w '%{http_code}' -b "$JAR" -H "X-Berth-Csrf: $CSRF" \
  -H 'Content-Type: application/x-www-form-urlencoded' -d 'Action=GetUser&Version=2010-05-08' "$BERTH_URL/")
expect_status 200 "an IAM call with the session"
check "IAM answers for the session's user" grep -q "<UserName>admin</UserName>\|:root</Arn>" "$BODY"
# Berth's own reads: repositories with their usage, and the storage samples.
console_get() {  # console_get PATH [curl args]
  STATUS=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' -b "$JAR" "${@:2}" "$BERTH_URL/console/api/$1")
}
console_get "repositories?limit=10" -H "X-Berth-Csrf: $CSRF"
expect_status 200 "the repository usage listing"
expect_json '[.repositories[] | select(.repositoryName == "by-session") | .imageCount]' '[0]'
console_get "repositories?limit=5000" -H "X-Berth-Csrf: $CSRF"
expect_status 400 "a page over 1,000"
console_get "repositories?limit=10"
expect_status 403 "a console read without the CSRF token"
console_get "usage?since=0" -H "X-Berth-Csrf: $CSRF"
expect_status 200 "the storage samples"
check "samples are listed" jq -e '.samples | type == "array"' "$BODY"

session DELETE
expect_status 403 "signing out without the CSRF token"
session DELETE -H "X-Berth-Csrf: $CSRF"
expect_status 204 "signing out"
check "signing out clears the cookie" grep -q "Max-Age=0" <<<"$(header Set-Cookie)"
session GET
expect_status 401 "after signing out"
ecr_call DescribeRepositories '{}' -H "X-Berth-Csrf: $CSRF"
check "the old cookie no longer calls the API" test "$STATUS" -ge 400

# A registry token (aws ecr get-login-password) signs in too.
token=$(python3 - "$BERTH_URL" "$AK" "$SK" <<'PY'
import base64, sys, boto3
ecr = boto3.client("ecr", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2],
                   aws_secret_access_key=sys.argv[3])
print(base64.b64decode(ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]).decode()[4:])
PY
)
session POST -H 'Content-Type: application/json' -d "{\"token\":\"$token\"}"
expect_status 200 "signing in with a registry token"
expect_json .user '"admin"'
session POST -H 'Content-Type: application/json' -d '{"token":"berth1.forged.token"}'
expect_status 401 "a forged token"

# --- in a real browser ---
# A scanned image with a finding to show: a known advisory, and an image with its package pushed
# by skopeo into a scan-on-push repository (as scan.sh does).
if [ ${#BERTH_META_ARGS[@]} -gt 0 ]; then WHERE=("${BERTH_META_ARGS[@]}"); else WHERE=(--data "$BERTH_DATA"); fi
mkdir -p "$WORK/osv"
printf '%s\n' '{"id":"DSA-9001-1","modified":"2024-01-01T00:00:00Z","summary":"openssl: a test advisory","affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.11-1~deb12u2"}]}]}],"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"references":[{"type":"ADVISORY","url":"https://security-tracker.debian.org/tracker/DSA-9001-1"}]}' \
  >"$WORK/osv/dsa.json"
check "the advisory imports" "$BERTH_BIN" vulndb import "${WHERE[@]}" "$WORK/osv"
python3 - "$BERTH_URL" "$AK" "$SK" <<'PY'
import sys, boto3
ecr = boto3.client("ecr", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2],
                   aws_secret_access_key=sys.argv[3])
ecr.create_repository(repositoryName="console/scanned", imageScanningConfiguration={"scanOnPush": True})
PY
python3 "$ROOT/tests/e2e/scan_image.py" "$WORK/img" v1 >/dev/null
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$WORK/policy.json"
export CONTAINERS_REGISTRIES_CONF="$WORK/registries.conf"
printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$BERTH_HOST" >"$CONTAINERS_REGISTRIES_CONF"
check "skopeo pushes the image to scan" skopeo --policy "$WORK/policy.json" copy -q --dest-creds "$AK:$SK" \
  --dest-tls-verify=false "oci:$WORK/img:v1" "docker://$BERTH_HOST/console/scanned:v1"
if BERTH_NODES="$BERTH_NODES" /usr/bin/python3 "$(dirname "$0")/console_browser.py" "$BERTH_URL" "$AK" "$SK" "$SHOTS" >"$WORK/browser.log" 2>&1; then
  pass
else
  fail "the console in Chromium"
fi
cat "$WORK/browser.log"
echo "screenshots: $SHOTS"

# --- --no-console: nothing served, and a session cookie is no credential ---
berth_stop
berth_start --no-console
req_anon GET /console/
check "--no-console serves no console" test "$STATUS" -ge 400
ecr_call DescribeRepositories '{}' -H "X-Berth-Csrf: $CSRF"
check "--no-console accepts no session cookie" test "$STATUS" -ge 400
finish
