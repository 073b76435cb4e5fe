"""Shared set-up for the real-browser tests (Debian Chromium, headless, phone width).

They run once, in the SQLite run of CI: they test the browser side, which the database does not change.
"""

import shutil

import pytest
from django.conf import settings

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

BROWSER_TEST_MARKS = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (CHROMIUM and shutil.which("chromedriver")),
        reason="needs Debian Chromium: apt-get install -y chromium chromium-driver",
    ),
    pytest.mark.skipif(
        "sqlite" not in settings.DATABASES["default"]["ENGINE"],
        reason="browser test runs once, in the SQLite run (the browser side does not depend on the database)",
    ),
]

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # This machine's network is closed: without these Chromium keeps trying to reach Google.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def start_chromium():
    """A headless Chromium with a phone's viewport, driven through the Debian chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    # A phone's viewport (a desktop window cannot be made this narrow).
    options.add_experimental_option(
        "mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2}}
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # A fixed driver path: Selenium Manager never downloads anything.
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    return driver


def wait(browser, condition, timeout=10):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(condition)
