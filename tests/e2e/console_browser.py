#!/usr/bin/python3
"""The web console in a real browser: Debian's Chromium, headless, driven by its ChromeDriver
through Debian's python3-selenium.

  console_browser.py URL ACCESS_KEY SECRET_KEY SCREENSHOT_DIR

Pushes images (one whose annotations and labels hold HTML and script), makes a read-only IAM
user, then: the admin signs in, sees the repositories and the images, opens an image (its
layers, history, and annotations shown as text that runs nothing) and the findings of the
scanned image console.sh pushed (console/scanned:v1), runs a lifecycle preview, creates a user
and a key whose secret is shown once, changes a setting and signs out (the old cookie then opens
nothing); the read-only user signs in and is refused a delete, which the page explains. Each
step leaves a screenshot.
"""
import base64
import hashlib
import http.client
import json
import os
import sys
import time
import urllib.parse

import boto3
from botocore.config import Config
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

import headless_chromium

url, ak, sk, shots = sys.argv[1:5]
# Each node of a cluster keeps its own audit trail, and LookupEvents reads the one of the node
# it reaches: on a cluster the trail's checks are left to the single node's run.
NODES = int(os.environ.get("BERTH_NODES", "1"))
host = urllib.parse.urlparse(url).netloc
os.makedirs(shots, exist_ok=True)
failures = 0


def check(what, ok):
    global failures
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures += 1


def client(service, key=ak, secret=sk):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}))


def raw_ecr(operation, body):
    """An ECR call botocore's model may not know yet (Debian's is older than some operations)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    request = AWSRequest(method="POST", url=url + "/", data=json.dumps(body), headers={
        "X-Amz-Target": f"AmazonEC2ContainerRegistry_V20150921.{operation}",
        "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials(ak, sk), "ecr", "us-east-1").add_auth(request)
    conn = http.client.HTTPConnection(host, timeout=30)
    conn.request("POST", "/", body=request.body, headers=dict(request.headers))
    r = conn.getresponse()
    return json.loads(r.read() or b"{}")


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def push_index(repo, tag):
    """Two platform images (pushed by digest) and an index of both under `tag`."""
    auth = {"Authorization": "Basic " + base64.b64encode(f"{ak}:{sk}".encode()).decode()}
    conn = http.client.HTTPConnection(host, timeout=60)

    def call(method, path, body, content_type):
        conn.request(method, path, body=body, headers={**auth, "Content-Type": content_type})
        r = conn.getresponse()
        r.read()
        assert r.status == 201, (method, path, r.status)

    children = []
    for arch in ("amd64", "arm64"):
        config = json.dumps({"architecture": arch, "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
        layer = os.urandom(1024)
        for blob in (config, layer):
            call("POST", f"/v2/{repo}/blobs/uploads/?digest={sha(blob)}", blob, "application/octet-stream")
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config), "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha(layer), "size": len(layer)}],
        }).encode()
        call("PUT", f"/v2/{repo}/manifests/{sha(manifest)}", manifest, "application/vnd.oci.image.manifest.v1+json")
        children.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(manifest),
                         "size": len(manifest), "platform": {"os": "linux", "architecture": arch}})
    index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": children}).encode()
    call("PUT", f"/v2/{repo}/manifests/{tag}", index, "application/vnd.oci.image.index.v1+json")
    return sha(index), [c["digest"] for c in children]


def push_image(repo, tag, annotations, labels=None):
    auth = {"Authorization": "Basic " + base64.b64encode(f"{ak}:{sk}".encode()).decode()}
    conn = http.client.HTTPConnection(host, timeout=60)

    def call(method, path, body=None, headers=None):
        conn.request(method, path, body=body, headers={**auth, **(headers or {})})
        r = conn.getresponse()
        r.read()
        return r.status

    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
                         "config": {"Labels": labels or {}},
                         "history": [{"created_by": "/bin/sh -c #(nop) ADD file:<b>layer</b> in /"}]}).encode()
    layer = os.urandom(2048)
    for blob in (config, layer):
        assert call("POST", f"/v2/{repo}/blobs/uploads/?digest={sha(blob)}", blob,
                    {"Content-Type": "application/octet-stream"}) == 201
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha(layer), "size": len(layer)}],
        "annotations": annotations,
    }).encode()
    assert call("PUT", f"/v2/{repo}/manifests/{tag}", manifest,
                {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}) == 201
    return sha(manifest)


def browser():
    return headless_chromium.start(log_browser=True)


def shot(driver, name):
    driver.save_screenshot(os.path.join(shots, name + ".png"))


def wait_for(driver, condition, what, seconds=15):
    # A condition that reads rows the page re-renders meanwhile finds them stale: it asks again.
    try:
        return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,)).until(condition)
    except TimeoutException:
        check(what, False)
        print(driver.page_source[:3000])
        raise


def eventually(condition, seconds=5):
    """Whether `condition()` holds within `seconds`. Behind the cluster's load balancer a request
    can reach a node the change feed has not yet told of a change made through another
    (milliseconds): authorization there answers from its snapshot until then."""
    deadline = time.time() + seconds
    while not condition():
        if time.time() > deadline:
            return False
        time.sleep(0.05)
    return True


def sign_in(driver, key, secret):
    driver.get(url + "/console/")
    wait_for(driver, ec.presence_of_element_located((By.ID, "access-key-id")), "the sign-in form shows")
    if "sign-in" not in axe_views:
        axe(driver, "sign-in")
    driver.find_element(By.ID, "access-key-id").send_keys(key)
    driver.find_element(By.ID, "secret-access-key").send_keys(secret)
    driver.find_element(By.ID, "sign-in").click()
    wait_for(driver, ec.presence_of_element_located((By.ID, "sign-out")), "signing in opens the console")


def session_status(cookie):
    conn = http.client.HTTPConnection(host, timeout=30)
    conn.request("GET", "/console/api/session", headers={"Cookie": f"berth_session={cookie}"})
    r = conn.getresponse()
    r.read()
    return r.status


AXE = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../console/node_modules/axe-core/axe.min.js")).read()
axe_views = []


def axe(driver, view):
    """axe-core in the page: no serious or critical accessibility violation."""
    driver.execute_script(AXE)
    violations = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")
    bad = [v for v in violations if v.get("impact") in ("serious", "critical")]
    for v in bad:
        print(f"axe ({view}): {v['impact']} {v['id']}: {v['help']}:",
              "; ".join(n.get("html", "")[:120] for n in v.get("nodes", [])[:3]))
    axe_views.append(view)
    check(f"axe finds no serious or critical violation: {view}", not bad)


def browser_errors(driver):
    # A script error or a CSP refusal (an API's refusal, such as the 401 before signing in, is
    # logged too, and expected).
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE" and
              ("Content Security Policy" in e["message"] or "Uncaught" in e["message"])]
    for e in errors:
        print("browser:", e["message"])
    return errors


ecr = client("ecr")
ecr.create_repository(repositoryName="console/app")
ecr.create_repository(repositoryName="console/other")
ecr.create_repository(repositoryName="console/multi")
digest = push_image("console/app", "v1", {"org.opencontainers.image.title": "console test"})
time.sleep(1.1)  # push times are in seconds: v1 is older than v2 for the lifecycle preview
v2 = push_image("console/app", "v2", {"org.opencontainers.image.title": "console test 2"})
multi, multi_children = push_index("console/multi", "multi")
HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
hostile = push_image("console/app", "hostile", {"org.example.note": HOSTILE}, labels={"org.example.label": HOSTILE})

iam = client("iam")
iam.create_user(UserName="viewer")
iam.put_user_policy(UserName="viewer", PolicyName="read-only", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["ecr:Describe*", "ecr:List*", "ecr:BatchGet*", "ecr:Get*"],
                   "Resource": "*"}]}))
viewer_key = iam.create_access_key(UserName="viewer")["AccessKey"]

# The admin: sign in, see the repositories and the image, change a setting, sign out.
driver = browser()
try:
    sign_in(driver, ak, sk)
    wait_for(driver, ec.presence_of_element_located((By.LINK_TEXT, "console/app")), "the repository list shows")
    text = driver.find_element(By.ID, "repositories").text
    check("the repositories are listed", "console/app" in text and "console/other" in text)
    app_row = driver.find_element(By.XPATH, "//table[@id='repositories']//tr[td/a[text()='console/app']]").text
    print("console/app row:", app_row)
    check("console/app shows its three images", " 3 " in f" {app_row} ")
    driver.find_element(By.ID, "sort-size").click()
    first = driver.find_element(By.CSS_SELECTOR, "#repositories tbody tr td a").text
    check("sorting by size puts the largest first", first in ("console/app", "console/scanned"))
    shot(driver, "01-repositories")
    axe(driver, "repositories")
    search = driver.find_element(By.ID, "repo-search")
    search.send_keys("other")
    wait_for(driver, lambda d: "console/app" not in d.find_element(By.ID, "repositories").text, "search filters")
    check("search keeps only the match", "console/other" in driver.find_element(By.ID, "repositories").text)
    search.clear()
    search.send_keys("app")
    wait_for(driver, ec.presence_of_element_located((By.LINK_TEXT, "console/app")), "search finds console/app")
    driver.find_element(By.LINK_TEXT, "console/app").click()
    wait_for(driver, ec.presence_of_element_located((By.ID, "images")), "the repository's images show")
    images = driver.find_element(By.ID, "images").text
    check("the image's tag is shown", "v1" in images)
    check("the image's digest is shown", digest[:19] in images)

    # Retag: v2 gets a second tag, as PutImage of its manifest.
    row = driver.find_element(By.XPATH, "//table[@id='images']//tr[td/span[text()='v2']]")
    row.find_element(By.XPATH, ".//button[text()='Retag']").click()
    prompt = WebDriverWait(driver, 5).until(ec.alert_is_present())
    prompt.send_keys("stable")
    prompt.accept()
    wait_for(driver, lambda d: "stable" in d.find_element(By.ID, "images").text, "the new tag shows")
    tagged = ecr.describe_images(repositoryName="console/app", imageIds=[{"imageTag": "stable"}])["imageDetails"][0]
    check("retagging tagged the same image", tagged["imageDigest"] == v2 and set(tagged["imageTags"]) == {"v2", "stable"})
    axe(driver, "repository")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    check("the dark theme follows the system",
          driver.execute_script("return getComputedStyle(document.body).backgroundColor") == "rgb(13, 17, 23)")
    axe(driver, "repository, dark theme")
    shot(driver, "02-repository-dark")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
    driver.set_window_size(400, 900)
    check("at 400 px wide nothing scrolls sideways",
          driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"))
    shot(driver, "02-repository-400px")
    driver.set_window_size(1280, 900)

    # A lifecycle preview lists exactly what a run would expire: the older v-tagged image.
    policy = driver.find_element(By.ID, "lifecycle-policy")
    policy.clear()
    policy.send_keys(json.dumps({"rules": [{"rulePriority": 1, "description": "keep one v",
                                            "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"],
                                                          "countType": "imageCountMoreThan", "countNumber": 1},
                                            "action": {"type": "expire"}}]}))
    driver.find_element(By.ID, "lifecycle-preview").click()
    results = wait_for(driver, ec.presence_of_element_located((By.ID, "lifecycle-preview-results")),
                       "the lifecycle preview shows its results", 40)
    rows = results.find_elements(By.CSS_SELECTOR, "tbody tr")
    print("preview:", [r.text for r in rows])
    check("the preview lists exactly the older image", len(rows) == 1 and digest[:19] in rows[0].text and "v1" in rows[0].text)
    driver.execute_script("arguments[0].scrollIntoView()", results)
    shot(driver, "05-lifecycle-preview")
    policy.clear()
    policy.send_keys('{"rules": [')
    driver.find_element(By.ID, "lifecycle-preview").click()
    note = wait_for(driver, ec.presence_of_element_located((By.ID, "lifecycle-policy-error")), "a broken policy is explained")
    check("a broken policy names its line", note.text.startswith("Line 1:"))
    policy.clear()
    policy.send_keys(json.dumps({"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any"}, "action": {"type": "expire"}}]}))
    driver.find_element(By.ID, "lifecycle-save").click()
    note = wait_for(driver, ec.presence_of_element_located((By.ID, "lifecycle-policy-error")), "Berth's validation is shown")
    check("Berth's own validation message is shown", "InvalidParameterException" in note.text)
    try:
        ecr.get_lifecycle_policy(repositoryName="console/app")
        check("an invalid policy is not saved", False)
    except ecr.exceptions.LifecyclePolicyNotFoundException:
        check("an invalid policy is not saved", True)

    # An index: its platform images are listed under it, not as images of their own.
    driver.get(url + "/console/#/repositories/console%2Fmulti")
    wait_for(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "#images tr.child")), "the index's platforms show")
    top_rows = driver.find_elements(By.CSS_SELECTOR, "#images tbody tr:not(.referrer)")
    child_rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#images tr.child")]
    check("the index is the one image", len(top_rows) == 1 and "multi" in top_rows[0].text)
    check("its platforms are listed under it",
          len(child_rows) == 2 and "linux/amd64" in child_rows[0] + child_rows[1] and "linux/arm64" in child_rows[0] + child_rows[1])
    shot(driver, "02b-index")
    driver.get(url + "/console/#/repositories/console%2Fapp")
    wait_for(driver, ec.presence_of_element_located((By.ID, "images")), "back to console/app")

    # A repository policy whose second statement's Effect is wrong: Berth's message is placed on
    # the line of that Effect; then a valid one is saved.
    bad_policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage"]},
        {"Sid": "B", "Effect": "Maybe", "Principal": "*", "Action": ["ecr:BatchGetImage"]}]}, indent=2)
    effect_line = bad_policy.split("\n").index('      "Effect": "Maybe",') + 1
    editor = driver.find_element(By.ID, "repository-policy")
    driver.execute_script("arguments[0].scrollIntoView()", editor)
    driver.execute_script(
        "const t = arguments[0]; t.value = arguments[1]; t.dispatchEvent(new Event('input', {bubbles: true}));",
        editor, bad_policy)
    driver.find_element(By.ID, "repository-policy-save").click()
    note = wait_for(driver, ec.presence_of_element_located((By.ID, "repository-policy-error")), "a refused policy is explained")
    print("policy error:", note.text)
    check("Berth's refusal is placed on the Effect's line",
          note.text.startswith(f"Line {effect_line}:") and "Statement[1].Effect" in note.text)
    check("the gutter marks that line",
          driver.find_element(By.CSS_SELECTOR, "#repository-policy-gutter span.bad").text == str(effect_line))
    shot(driver, "05b-policy-error")
    good_policy = bad_policy.replace('"Maybe"', '"Deny"')
    driver.execute_script(
        "const t = arguments[0]; t.value = arguments[1]; t.dispatchEvent(new Event('input', {bubbles: true}));",
        editor, good_policy)
    driver.find_element(By.ID, "repository-policy-save").click()
    wait_for(driver, lambda d: not d.find_elements(By.ID, "repository-policy-error") and
             "Saved." in d.find_element(By.TAG_NAME, "main").text, "the policy is saved")
    stored = json.loads(ecr.get_repository_policy(repositoryName="console/app")["policyText"])
    check("the saved policy reached the registry", stored["Statement"][1]["Effect"] == "Deny")
    ecr.delete_repository_policy(repositoryName="console/app")

    # The registry's documents.
    driver.get(url + "/console/#/registry")
    wait_for(driver, ec.presence_of_element_located((By.ID, "scanning-configuration")), "the registry view shows")
    wait_for(driver, lambda d: '"scanType"' in d.find_element(By.ID, "scanning-configuration").get_attribute("value"),
             "the scanning configuration loads")
    axe(driver, "registry")

    # A pull-through cache rule and a creation template, made in the page.
    driver.get(url + "/console/#/rules")
    wait_for(driver, ec.presence_of_element_located((By.ID, "cache-rules")), "the rules view shows")
    driver.find_element(By.ID, "rule-prefix").send_keys("k8s")
    driver.find_element(By.ID, "rule-url").send_keys("registry.k8s.io")
    driver.find_element(By.ID, "rule-upstream").send_keys("k8s")
    driver.find_element(By.ID, "create-rule").click()
    wait_for(driver, lambda d: "registry.k8s.io" in d.find_element(By.ID, "cache-rules").text, "the rule is listed")
    rules = ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"]
    check("the rule reached the registry", [r["ecrRepositoryPrefix"] for r in rules] == ["k8s"])
    driver.find_element(By.ID, "template-save").click()
    wait_for(driver, lambda d: "CREATE_ON_PUSH" in d.find_element(By.ID, "templates").text, "the template is listed")
    templates = raw_ecr("DescribeRepositoryCreationTemplates", {})["repositoryCreationTemplates"]
    check("the template reached the registry", [(t["prefix"], t["imageTagMutability"]) for t in templates] == [("team", "IMMUTABLE")])
    shot(driver, "05c-rules")
    axe(driver, "cache rules and templates")
    driver.get(url + "/console/#/repositories/console%2Fapp")
    wait_for(driver, ec.presence_of_element_located((By.ID, "images")), "back to the repository")

    # An image whose annotations and labels hold HTML and script: shown as text, nothing runs.
    driver.get(url + f"/console/#/repositories/console%2Fapp/images/{hostile}")
    wait_for(driver, ec.presence_of_element_located((By.ID, "labels")), "the hostile image's labels show")
    check("annotations are shown as text", HOSTILE in driver.find_element(By.ID, "annotations").text)
    check("labels are shown as text", HOSTILE in driver.find_element(By.ID, "labels").text)
    check("history is shown as text", "<b>layer</b>" in driver.find_element(By.ID, "history").text)
    check("no element was made from them", not driver.find_elements(By.CSS_SELECTOR, "main img, main script, #history b"))
    time.sleep(0.5)
    check("no script of theirs ran", driver.execute_script("return window.__xss === undefined"))
    check("the layers are listed", len(driver.find_elements(By.CSS_SELECTOR, "#layers tbody tr")) == 1)
    shot(driver, "06-image-hostile")
    axe(driver, "image")

    # The scanned image's findings, by severity, with package, installed and fixed versions.
    deadline = time.time() + 60
    while time.time() < deadline:
        scanned = ecr.describe_images(repositoryName="console/scanned", imageIds=[{"imageTag": "v1"}])["imageDetails"][0]
        if scanned.get("imageScanStatus", {}).get("status") in ("COMPLETE", "FAILED"):
            break
        time.sleep(1)
    check("the pushed image was scanned", scanned.get("imageScanStatus", {}).get("status") == "COMPLETE")
    driver.get(url + "/console/#/repositories/console%2Fscanned")
    wait_for(driver, ec.presence_of_element_located((By.ID, "images")), "the scanned repository shows")
    check("the image list shows the severity count", "1 critical" in driver.find_element(By.ID, "images").text)
    check("the scanner's SBOM is listed under its image",
          "application/vnd.cyclonedx+json" in driver.find_element(By.CSS_SELECTOR, "#images tr.referrer").text)
    driver.find_element(By.CSS_SELECTOR, "#images tbody tr:not(.referrer) a").click()
    findings = wait_for(driver, ec.presence_of_element_located((By.ID, "findings")), "the findings show", 20)
    text = findings.text
    check("the finding, its package and versions are shown",
          "DSA-9001-1" in text and "openssl" in text and "3.0.11-1~deb12u2" in text and "critical" in text)
    driver.execute_script("arguments[0].scrollIntoView()", findings)
    shot(driver, "07-findings")
    axe(driver, "image with findings")
    # The scanner's SBOM, as a download link under the image's referrers.
    link = wait_for(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "#referrers a.download")), "the SBOM's link shows")
    check("the SBOM downloads as a CycloneDX file", link.get_attribute("download").endswith(".cdx.json"))
    sbom = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.json()).then(done, e => done({error: String(e)}));",
        link.get_attribute("href"))
    check("the SBOM is the image's CycloneDX document",
          sbom.get("bomFormat") == "CycloneDX" and any(c.get("name") == "libssl3" for c in sbom.get("components", [])))

    # A new user and key: the secret is shown once.
    driver.get(url + "/console/#/users")
    wait_for(driver, ec.presence_of_element_located((By.ID, "users")), "the users show")
    driver.find_element(By.ID, "new-user").send_keys("ci-bot")
    driver.find_element(By.ID, "create-user").click()
    wait_for(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "button.create-key")), "the new user's keys open")
    driver.find_element(By.CSS_SELECTOR, "button.create-key").click()
    secret_box = wait_for(driver, ec.presence_of_element_located((By.ID, "new-secret")), "the new secret is shown")
    codes = [c.text for c in secret_box.find_elements(By.TAG_NAME, "code")]
    shot(driver, "08-new-secret")
    axe(driver, "users, with a new secret")
    check("the key ID and secret are shown", len(codes) == 2 and codes[0].startswith("AKIA") and len(codes[1]) == 40)
    if len(codes) == 2:
        who = client("sts", codes[0], codes[1]).get_caller_identity()
        check("the shown secret works", who["Arn"].endswith(":user/ci-bot"))
        secret_box.find_element(By.XPATH, ".//button[contains(., 'copied')]").click()
        check("the secret is gone once dismissed", codes[1] not in driver.page_source)
        driver.refresh()
        wait_for(driver, ec.presence_of_element_located((By.ID, "users")), "the users show again")
        check("the secret is not shown again", codes[1] not in driver.page_source)

        # A group, the user in it, and an inline policy written in the page: then the key may list.
        driver.find_element(By.ID, "new-group").send_keys("pullers")
        driver.find_element(By.ID, "create-group").click()
        wait_for(driver, lambda d: "pullers" in d.find_element(By.CSS_SELECTOR, "ul.groups").text, "the group shows")
        driver.find_element(By.XPATH, "//button[@aria-label='Manage keys, groups and policies of ci-bot']").click()
        select = wait_for(driver, ec.presence_of_element_located((By.ID, "groups-ci-bot")), "the user's groups show")
        wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#groups-ci-bot option")) == 2, "the group is offered")
        select.send_keys("pullers")
        select.find_element(By.XPATH, "../button[text()='Add']").click()
        wait_for(driver, lambda d: "Remove from group" in d.find_element(By.CLASS_NAME, "groups-of-user").text, "the user joins")
        groups = [g["GroupName"] for g in client("iam").list_groups_for_user(UserName="ci-bot")["Groups"]]
        check("the user is in the group", groups == ["pullers"])
        ecr_bot = client("ecr", codes[0], codes[1])
        check("without a policy the key sees no repository", ecr_bot.describe_repositories()["repositories"] == [])
        driver.find_element(By.ID, "user-ci-bot-new-policy").send_keys("pull")
        driver.find_element(By.XPATH, "//button[text()='Write it']").click()
        wait_for(driver, ec.presence_of_element_located((By.ID, "user-ci-bot-policy-pull-save")), "the policy editor opens").click()
        wait_for(driver, lambda d: "inline" in d.find_element(By.CLASS_NAME, "policy-set").text, "the policy is listed")
        check("the policy reached IAM", client("iam").get_user_policy(UserName="ci-bot", PolicyName="pull")["PolicyName"] == "pull")
        check("with it the key may list", eventually(lambda: len(ecr_bot.describe_repositories()["repositories"]) >= 3))
        shot(driver, "08b-user-policies")
        axe(driver, "users, with groups and policies")

    # Storage over time (sampled every 2 s by this test's Berth) and the largest repositories.
    driver.get(url + "/console/#/storage")
    wait_for(driver, ec.presence_of_element_located((By.ID, "usage-chart")), "the storage chart shows", 20)
    bars = wait_for(driver, ec.presence_of_element_located((By.ID, "repository-sizes")), "the largest repositories show")
    check("the largest repositories are listed", "console/app" in bars.text and "console/scanned" in bars.text)
    check("the chart has points", len(driver.find_elements(By.CSS_SELECTOR, "#usage-chart circle")) >= 1)
    shot(driver, "10-storage")
    axe(driver, "storage")

    # The audit trail, filtered by action.
    driver.get(url + "/console/#/activity")
    wait_for(driver, lambda d: d.find_elements(By.ID, "activity") or "No events." in d.find_element(By.TAG_NAME, "main").text,
             "the activity shows")
    if NODES == 1:
        driver.find_element(By.ID, "activity-attribute").send_keys("Action")
        driver.find_element(By.ID, "activity-value").send_keys("CreateUser")
        driver.find_element(By.ID, "activity-search").click()

        def filtered(d):
            rows = d.find_elements(By.CSS_SELECTOR, "#activity tbody tr")
            return rows and all("CreateUser" in r.text for r in rows)
        wait_for(driver, filtered, "the activity is filtered", 10)
        rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#activity tbody tr")]
        check("the filter keeps the user creations (viewer and ci-bot)", len(rows) == 2)
    shot(driver, "09-activity")
    axe(driver, "activity")
    driver.get(url + "/console/#/repositories/console%2Fapp")
    wait_for(driver, ec.presence_of_element_located((By.ID, "images")), "back to the repository")
    check("the pull command names the repository",
          f"podman pull {host}/console/app:TAG" in driver.find_element(By.TAG_NAME, "main").text)
    driver.find_element(By.ID, "scan-on-push").click()
    wait_for(driver, lambda d: d.find_element(By.ID, "scan-on-push").is_selected(), "scan on push turns on")
    repo = ecr.describe_repositories(repositoryNames=["console/app"])["repositories"][0]
    check("the setting reached the registry", repo["imageScanningConfiguration"]["scanOnPush"] is True)
    shot(driver, "02-repository")
    cookie = driver.get_cookie("berth_session")
    check("the session cookie is HttpOnly and SameSite=Strict",
          cookie is not None and cookie.get("httpOnly") and cookie.get("sameSite") == "Strict")
    check("the page cannot read the session cookie",
          "berth_session" not in driver.execute_script("return document.cookie"))
    check("nothing is kept in local storage", driver.execute_script("return window.localStorage.length") == 0)
    check("the page logged no error or CSP refusal", not browser_errors(driver))
    driver.find_element(By.ID, "sign-out").click()
    wait_for(driver, ec.presence_of_element_located((By.ID, "access-key-id")), "signing out shows the sign-in form")
    shot(driver, "03-signed-out")
    check("the signed-out cookie opens nothing", session_status(cookie["value"]) == 401)
    driver.refresh()
    wait_for(driver, ec.presence_of_element_located((By.ID, "access-key-id")), "after a reload it is still signed out")
finally:
    driver.quit()

# A read-only user: may look, is refused a delete, and the page says why.
driver = browser()
try:
    sign_in(driver, viewer_key["AccessKeyId"], viewer_key["SecretAccessKey"])
    check("the user's name is shown", driver.find_element(By.CLASS_NAME, "who").text == "viewer")
    driver.get(url + "/console/#/repositories/console%2Fapp")
    wait_for(driver, ec.presence_of_element_located((By.ID, "images")), "the read-only user sees the images")
    driver.find_element(By.CSS_SELECTOR, "#images button.danger").click()
    WebDriverWait(driver, 5).until(ec.alert_is_present()).accept()
    alert = wait_for(driver, ec.presence_of_element_located((By.CSS_SELECTOR, ".note.denied")), "the refusal is shown")
    check("the refusal is explained", "do not allow" in alert.text and "AccessDenied" in alert.text)
    shot(driver, "04-refused")
    axe(driver, "a refusal")
    left = ecr.describe_images(repositoryName="console/app")["imageDetails"]
    check("the image is still there", digest in [i["imageDigest"] for i in left])
    driver.find_element(By.ID, "tag-immutability").click()
    wait_for(driver, ec.presence_of_element_located((By.CSS_SELECTOR, ".note.denied")), "a refused setting is explained")
    repo = ecr.describe_repositories(repositoryNames=["console/app"])["repositories"][0]
    check("the refused setting did not change", repo["imageTagMutability"] == "MUTABLE")
finally:
    driver.quit()

# Sign-ins are on the audit trail, as AWS records them.
if NODES > 1:
    print(f"{failures} failures")
    sys.exit(1 if failures else 0)
trail = client("cloudtrail")
deadline = time.time() + 10
logins = []
while time.time() < deadline and len(logins) < 2:
    logins = trail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ConsoleLogin"}])["Events"]
    time.sleep(0.5)
names = {e.get("Username") for e in logins}
print("ConsoleLogin events by", sorted(n or "" for n in names))
check("both sign-ins are on the audit trail", len(logins) >= 2 and "viewer" in names)

print(f"{failures} failures")
sys.exit(1 if failures else 0)
