"""Debian's Chromium, headless, driven by its ChromeDriver through Debian's python3-selenium: how
the console's browser test and its benchmark start it.

The flags keep Chromium from reaching out on its own (updates, sync, background fetches), which
on a machine with no outside network would fail, and slowly; the profile is a fresh directory,
removed when the driver quits.
"""
import shutil
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def start(profile_parent=None, log_browser=False):
    profile = tempfile.mkdtemp(prefix="berth-chromium-", dir=profile_parent)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,900", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    if log_browser:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    quit_driver = driver.quit

    def quit_and_remove_profile():
        try:
            quit_driver()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_remove_profile
    return driver
