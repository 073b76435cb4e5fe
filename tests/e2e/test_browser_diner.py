"""The diner flow in a real browser (Debian Chromium, headless): the slot picker's JavaScript included.

Runs once, in the SQLite run of CI: it tests the browser side, which the database does not change.
"""

import shutil
from datetime import time, timedelta

import pytest
from django.conf import settings

from bookings.models import Booking, BookingStatus
from tests.factories import PASSWORD, make_exception, make_restaurant, make_user

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
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ):
        options.add_argument(flag)
    # A phone's viewport (a desktop window cannot be made this narrow).
    options.add_experimental_option(
        "mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2}}
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # A fixed driver path: Selenium Manager never downloads anything.
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def wait(browser, condition, timeout=10):
    return WebDriverWait(browser, timeout).until(condition)


@pytest.mark.django_db(transaction=True)
def test_diner_picks_a_slot_with_javascript_books_and_cancels(browser, live_server):
    diner = make_user(email="browser@test.example", display_name="Bea Browser", phone="010-5555-6666")
    restaurant = make_restaurant(name="Browser Bistro", seats=6, max_party_size=6)
    tomorrow = restaurant.local_today() + timedelta(days=1)
    special_day = tomorrow + timedelta(days=1)
    make_exception(restaurant=restaurant, date=special_day, services=[(time(12, 0), 4)])

    # Log in through the form.
    browser.get(live_server.url + "/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(diner.email)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait(browser, ec.url_to_be(live_server.url + "/"))

    # The restaurant page: changing the date and party size redraws the times from the API.
    browser.get(live_server.url + restaurant.get_absolute_url())
    date_input = browser.find_element(By.NAME, "date")
    browser.execute_script(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));",
        date_input,
        tomorrow.isoformat(),
    )
    Select(browser.find_element(By.NAME, "party_size")).select_by_value("5")
    wanted = f"date={tomorrow.isoformat()}&time=18%3A00&party_size=5"
    slot = wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, f'.slots a.slot[href$="{wanted}"]')))
    assert "6" in slot.text  # seats left, drawn by the script
    assert "party_size=5" in browser.current_url  # the address follows, so reload and sharing work
    day_after = (tomorrow + timedelta(days=1)).isoformat()
    assert (
        browser.find_element(By.CSS_SELECTOR, ".day-next")
        .get_attribute("href")
        .endswith(f"?date={day_after}&party_size=5#book")
    )
    assert browser.find_element(By.CSS_SELECTOR, ".day-prev").is_displayed()
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 390  # nothing sticks out

    slot.click()
    wait(browser, ec.presence_of_element_located((By.NAME, "form_token")))
    assert browser.find_element(By.NAME, "name").get_attribute("value") == "Bea Browser"
    assert browser.find_element(By.NAME, "party_size").get_attribute("value") == "5"

    # On the form, another date brings that date's times (special hours: lunch only).
    def pick_date(day):
        browser.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));",
            browser.find_element(By.NAME, "date"),
            day.isoformat(),
        )

    def time_options():
        return [o.get_attribute("value") for o in Select(browser.find_element(By.NAME, "time")).options]

    pick_date(special_day)
    wait(browser, lambda b: time_options() == ["12:00"])
    pick_date(tomorrow)
    wait(browser, lambda b: time_options() == ["18:00"])
    browser.find_element(By.NAME, "request").send_keys("Birthday")
    browser.find_element(By.CSS_SELECTOR, "form.booking-form button[type=submit]").click()

    wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".details .reference")))
    booking = Booking.objects.get()
    assert browser.find_element(By.CSS_SELECTOR, ".details .reference").text == booking.reference
    assert f"{tomorrow.isoformat()} 18:00" in browser.page_source
    assert (booking.party_size, booking.request) == (5, "Birthday")

    # My bookings, then cancel after the confirmation step.
    browser.get(live_server.url + "/booking/")
    browser.find_element(By.LINK_TEXT, "Browser Bistro").click()
    browser.find_element(By.LINK_TEXT, "Cancel this booking").click()
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, ".status-cancelled")))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED

    # No script errors, no blocked resources (the site has no favicon yet; browsers ask anyway).
    errors = [
        entry
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]
    ]
    assert errors == []
