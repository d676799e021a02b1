#!/usr/bin/python3
"""make bench (last part): the web console on a registry with 10,000 repositories.

Creates the repositories through the ECR API (boto3, 8 at a time), signs in in Debian's headless
Chromium (python3-selenium) and opens the repository list three times, each in a fresh page:
the time from navigation start until the first rows are on screen (the issue's goal: under a
second), and until all 10,000 have arrived (the list pages 1,000 at a time in the background
while the first 50 rows show). Times are read in the page (performance.now(), from a
MutationObserver installed before the console's script runs), so they are the browser's own.
Also the JavaScript a first load fetches, gzip-compressed (goal: at most 150 KB).

Environment: BENCH_CONSOLE_REPOS (default 10000); BERTH_BIN (default build/berth).
"""
import concurrent.futures
import gzip
import os
import statistics
import sys
import time
import urllib.request

import boto3
from botocore.config import Config
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as base  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import headless_chromium  # noqa: E402

ROOT, WORK = base.ROOT, base.WORK
REPOS = int(os.environ.get("BENCH_CONSOLE_REPOS", "10000"))

OBSERVER = """
window.__firstRows = null; window.__allLoaded = null;
new MutationObserver(() => {
  if (window.__firstRows === null && document.querySelector('#repositories tbody tr')) {
    window.__firstRows = performance.now();
  }
  const status = document.querySelector('main [role=status]');
  if (window.__allLoaded === null && status && status.textContent.trim() === '%d of %d repositories') {
    window.__allLoaded = performance.now();
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
""" % (REPOS, REPOS)


def create_repositories(server, ak, sk):
    def create(chunk):
        # A session per thread: boto3's default session is not thread-safe.
        ecr = boto3.session.Session().client("ecr", endpoint_url=server.url, region_name="us-east-1",
                                             aws_access_key_id=ak, aws_secret_access_key=sk,
                                             config=Config(retries={"max_attempts": 3}))
        for i in chunk:
            ecr.create_repository(repositoryName=f"team-{i % 100:02d}/service-{i:05d}")
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(create, [range(k, REPOS, 8) for k in range(8)]))
    base.log(f"[console] {REPOS} repositories created in {time.monotonic() - started:.1f} s")


def script_bytes(server):
    with urllib.request.urlopen(server.url + "/console/") as r:
        html = r.read().decode()
    path = html.split('<script type="module" src="')[1].split('"')[0]
    request = urllib.request.Request(server.url + path, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as r:
        body = r.read()
    return len(body), len(gzip.decompress(body))


def main():
    os.makedirs(WORK, exist_ok=True)
    port = base.free_port()
    data = f"{WORK}/console-data"
    server = base.Server("berth-console", [os.environ.get("BERTH_BIN", f"{ROOT}/build/berth"), "serve", "--listen", f"127.0.0.1:{port}",
                                           "--data", data, "--log-level", "warn"], port, health="/healthz")
    driver = None
    try:
        text = open(f"{data}/admin-credentials").read()
        ak = text.split("aws_access_key_id = ")[1].split()[0]
        sk = text.split("aws_secret_access_key = ")[1].split()[0]
        create_repositories(server, ak, sk)
        gz, raw = script_bytes(server)
        driver = headless_chromium.start(profile_parent=WORK)
        driver.get(server.url + "/console/")
        WebDriverWait(driver, 30).until(ec.presence_of_element_located((By.ID, "access-key-id"))).send_keys(ak)
        driver.find_element(By.ID, "secret-access-key").send_keys(sk)
        driver.find_element(By.ID, "sign-in").click()
        WebDriverWait(driver, 30).until(ec.presence_of_element_located((By.ID, "sign-out")))
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": OBSERVER})
        first, loaded = [], []
        for attempt in range(4):
            driver.get("about:blank")
            driver.get(server.url + "/console/#/")
            WebDriverWait(driver, 120).until(lambda d: d.execute_script("return window.__allLoaded !== null"))
            f, a = driver.execute_script("return [window.__firstRows, window.__allLoaded]")
            if attempt > 0:  # the first load warms the browser's and the server's caches
                first.append(f)
                loaded.append(a)
            base.log(f"[console] load {attempt}: first rows {f:.0f} ms, all {REPOS} {a:.0f} ms")
        rows = len(driver.find_elements(By.CSS_SELECTOR, "#repositories tbody tr"))
    finally:
        if driver is not None:
            driver.quit()
        server.stop()
    table = (f"| console, {REPOS:,} repositories (headless Chromium) | median of 3 | goal |\n"
             "|---|---|---|\n"
             f"| first rows on screen | {statistics.median(first):.0f} ms | under 1,000 ms |\n"
             f"| all {REPOS:,} listed (1,000 per page, in the background) | {statistics.median(loaded):.0f} ms | |\n"
             f"| rows rendered at once | {rows} (50 per page) | paged |\n"
             f"| JavaScript of a first load, gzip | {gz / 1024:.1f} KiB ({raw / 1024:.1f} KiB raw) | at most 150 KB |\n")
    base.save_results("console", table)
    print(table)


if __name__ == "__main__":
    main()
