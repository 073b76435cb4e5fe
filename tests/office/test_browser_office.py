"""The office in a real browser (Debian Chromium, headless, phone width): upload photos, run a booking.

Runs once, in the SQLite run of CI: it tests the browser side, which the database does not change.
"""

import shutil
from datetime import timedelta

import pytest
from django.conf import settings

from bookings.models import BookingStatus
from tests.factories import PASSWORD, image_bytes, local, make_booking, make_restaurant, make_user

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

pytestmark = [
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

webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium: pip install -r requirements-dev.txt")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"):
        options.add_argument(flag)
    options.add_experimental_option(
        "mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2}}
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def wait(browser, condition, timeout=10):
    return WebDriverWait(browser, timeout).until(condition)


@pytest.mark.django_db(transaction=True)
def test_operator_uploads_photos_and_marks_a_guest_seated(browser, live_server, tmp_path):
    owner = make_user(email="office@test.example")
    diner = make_user(email="guest@test.example")
    restaurant = make_restaurant(name="Office Bistro", owner=owner)
    booking = make_booking(
        restaurant=restaurant, diner=diner, starts_at=local(restaurant, restaurant.local_today() + timedelta(days=1))
    )
    files = []
    for name, fmt in (("terrace.jpg", "JPEG"), ("bar.png", "PNG")):
        path = tmp_path / name
        path.write_bytes(image_bytes(fmt=fmt, size=(640, 480)))
        files.append(str(path))

    browser.get(live_server.url + "/accounts/login/?next=/office/")
    browser.find_element(By.NAME, "username").send_keys(owner.email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait(browser, ec.url_to_be(live_server.url + "/office/"))

    browser.get(f"{live_server.url}/office/restaurant/{restaurant.pk}/photos/")
    browser.find_element(By.NAME, "images").send_keys("\n".join(files))
    browser.find_element(By.NAME, "alt_text").send_keys("Our terrace")
    browser.find_element(By.CSS_SELECTOR, "form[enctype] button[type=submit]").click()
    wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".photo-card img")))
    assert "2 photos added." in browser.page_source
    images = browser.find_elements(By.CSS_SELECTOR, ".photo-card img")
    assert len(images) == 2
    assert all(img.get_attribute("src").endswith(".webp") for img in images)
    assert all(browser.execute_script("return arguments[0].naturalWidth", img) > 0 for img in images)
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390  # nothing sticks out

    browser.get(f"{live_server.url}/office/booking/{booking.pk}/")
    browser.find_element(By.CSS_SELECTOR, "button[name=status][value=seated]").click()
    wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".status-seated")))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.SEATED

    # Ticking "Closed all day" hides the special services (office-forms.js).
    browser.get(f"{live_server.url}/office/restaurant/{restaurant.pk}/seating/")
    services = browser.find_element(By.ID, "exception-services")
    assert services.is_displayed()
    browser.find_element(By.CSS_SELECTOR, "#exception-form-body input[name=is_closed]").click()
    assert not services.is_displayed()

    errors = [
        entry
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]
    ]
    assert errors == []  # no script errors, nothing blocked by the Content-Security-Policy
